"""perf: index for the public directory's page of groups (network, name, id)

Revision ID: 0012_perf
Revises: 0006_leases
Create Date: 2026-11-29 18:45:00

Written by hand. The directory lists a network's groups by name 30 at a time: with this index the
database walks the network's names in order and stops after the page, instead of sorting every
group (20,000: the sort was most of the page's time).
"""
from alembic import op


revision = "0012_perf"
down_revision = "0006_leases"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_organisations_network_name", "organisations", ["network_id", "name", "id"])


def downgrade():
    op.drop_index("ix_organisations_network_name", table_name="organisations")
