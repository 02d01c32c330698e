"""breakouts on the day: per-meeting table targets, umbrella bodies, printed table numbers

Revision ID: 0008_breakouts
Revises: 0006_editions
Create Date: 2026-11-29 18:45:00

Written by hand. ``meetings.table_min_people`` / ``table_max_people`` / ``table_min_groups`` are the
organiser's target for a breakout table (defaults 6-8 people, 3 groups);
``meeting_registrations.umbrella`` names the umbrella body a group belongs to (two groups of one
body never share a table); ``breakout_tables.display_number`` is the number printed on a used
table (NULL: a spare table, not printed).
"""
from alembic import op
import sqlalchemy as sa


revision = "0008_breakouts"
down_revision = "0006_editions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("meetings") as batch:
        batch.add_column(sa.Column("table_min_people", sa.Integer(), nullable=False, server_default="6"))
        batch.add_column(sa.Column("table_max_people", sa.Integer(), nullable=False, server_default="8"))
        batch.add_column(sa.Column("table_min_groups", sa.Integer(), nullable=False, server_default="3"))
    with op.batch_alter_table("meeting_registrations") as batch:
        batch.add_column(sa.Column("umbrella", sa.String(length=200), nullable=False, server_default=""))
    with op.batch_alter_table("breakout_tables") as batch:
        batch.add_column(sa.Column("display_number", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("breakout_tables") as batch:
        batch.drop_column("display_number")
    with op.batch_alter_table("meeting_registrations") as batch:
        batch.drop_column("umbrella")
    with op.batch_alter_table("meetings") as batch:
        batch.drop_column("table_min_groups")
        batch.drop_column("table_max_people")
        batch.drop_column("table_min_people")
