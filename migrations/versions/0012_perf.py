"""perf: directory index (network, name, id); partner vectors tagged with the index version

Revision ID: 0012_perf
Revises: 0009_hardening
Create Date: 2026-11-29 18:45:00

Written by hand. The directory lists a network's groups by name 30 at a time: with this index the
database walks the network's names in order and stops after the page, instead of sorting every
group (20,000: the sort was most of the page's time).

``partner_embeddings.index_version`` is the network's ``partner_index_versions.version`` a vector
was written under, so another process patches its cached matrix with the rows newer than the
version it holds (before: rows with a newer ``updated_at``, which misses a row whose writer's
clock was behind, or whose transaction committed after a later one).
"""
from alembic import op
import sqlalchemy as sa


revision = "0012_perf"
down_revision = "0009_hardening"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_organisations_network_name", "organisations", ["network_id", "name", "id"])
    with op.batch_alter_table("partner_embeddings") as batch:
        batch.add_column(sa.Column("index_version", sa.Integer(), nullable=False, server_default=sa.text("0")))


def downgrade():
    with op.batch_alter_table("partner_embeddings") as batch:
        batch.drop_column("index_version")
    op.drop_index("ix_organisations_network_name", table_name="organisations")
