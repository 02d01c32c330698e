"""leases: named, expiring locks shared by every process (notice sender, bot poller)

Revision ID: 0006_leases
Revises: 0005_partners
Create Date: 2026-11-29 18:30:00

Written by hand. One row per lease name; a holder renews ``expires_at`` on a heartbeat and a
dead holder's row simply expires (see civicnet/leases.py).
"""
from alembic import op
import sqlalchemy as sa


revision = "0006_leases"
down_revision = "0005_partners"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("acquired_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade():
    op.drop_table("leases")
