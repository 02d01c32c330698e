"""editions: a network's yearly cycle — the opened edition may be unset, and openings are kept

Revision ID: 0006_editions
Revises: 0010_privacy
Create Date: 2026-11-29 18:30:00

Written by hand. ``networks.current_edition`` becomes nullable: unset means the edition follows
the local calendar year; organisers set it by opening a new edition. Existing values are kept
(a network stays on the edition it had until an organiser opens the next one).
``pledge_text_individual_ko/en``: the pledge in the first person singular for individual
citizens (empty: the group text). ``network_editions`` records each opening (who, when, how many groups were invited to renew).
"""
from alembic import op
import sqlalchemy as sa


revision = "0006_editions"
down_revision = "0010_privacy"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.alter_column("current_edition", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("pledge_text_individual_ko", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("pledge_text_individual_en", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "network_editions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=False),
        sa.Column("previous_edition", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("opened_by_user_id", sa.Integer(), nullable=True),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.Column("reachable", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"],
            name=op.f("fk_network_editions_network_id_networks"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_user_id"], ["users.id"],
            name=op.f("fk_network_editions_opened_by_user_id_users"), ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_editions")),
        sa.UniqueConstraint("network_id", "edition", name="uq_network_editions_network_edition"),
    )
    with op.batch_alter_table("network_editions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_network_editions_network_id"), ["network_id"], unique=False)


def downgrade():
    with op.batch_alter_table("network_editions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_network_editions_network_id"))
    op.drop_table("network_editions")
    # Networks that follow the calendar get the year they are in, so the column can be required again.
    op.execute("UPDATE networks SET current_edition = CAST(strftime('%Y', 'now') AS INTEGER) "
               "WHERE current_edition IS NULL" if op.get_bind().dialect.name == "sqlite" else
               "UPDATE networks SET current_edition = EXTRACT(YEAR FROM now())::int WHERE current_edition IS NULL")
    with op.batch_alter_table("networks", schema=None) as batch_op:
        batch_op.drop_column("pledge_text_individual_en")
        batch_op.drop_column("pledge_text_individual_ko")
        batch_op.alter_column("current_edition", existing_type=sa.Integer(), nullable=False)
