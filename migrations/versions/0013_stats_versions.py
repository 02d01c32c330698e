"""stats versions: a token per network's group data, replaced with every change, under which each
process keeps the dashboard's and the yearly report's counts

Revision ID: 0013_stats_versions
Revises: 0013_exports
Create Date: 2026-11-29 22:00:00

Written by hand. ``stats_versions`` holds one random token per scope (``network:<id>``, and ``*``
for bulk statements whose network is unknown); ``civicnet/data_versions.py`` replaces it in
the transaction that changes a group, a goal link, a pledge or a cluster, and every process reads
it before using the counts it keeps. Rows are created by the first reader, so nothing to backfill.
"""
import sqlalchemy as sa
from alembic import op

revision = "0013_stats_versions"
down_revision = "0013_exports"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "stats_versions",
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_stats_versions")),
    )


def downgrade():
    op.drop_table("stats_versions")
