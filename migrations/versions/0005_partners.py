"""partners: stored activity embeddings per organisation and a version stamp per network

Revision ID: 0005_partners
Revises: 0004_notices
Create Date: 2026-11-24 02:10:00

Written by hand. One row per organisation holds its L2-normalised activities vector
(float32 bytes) and the encoder that made it; ``partner_index_versions`` is bumped whenever a
network's vectors change, so in-process matrix caches know when to reload.
"""
from alembic import op
import sqlalchemy as sa


revision = "0005_partners"
down_revision = "0004_notices"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "partner_embeddings",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("encoder", sa.String(length=120), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"],
            name=op.f("fk_partner_embeddings_organisation_id_organisations"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"],
            name=op.f("fk_partner_embeddings_network_id_networks"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_partner_embeddings")),
    )
    with op.batch_alter_table("partner_embeddings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_embeddings_network_id"), ["network_id"], unique=False)

    op.create_table(
        "partner_index_versions",
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["network_id"], ["networks.id"],
            name=op.f("fk_partner_index_versions_network_id_networks"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("network_id", name=op.f("pk_partner_index_versions")),
    )


def downgrade():
    op.drop_table("partner_index_versions")
    with op.batch_alter_table("partner_embeddings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_embeddings_network_id"))
    op.drop_table("partner_embeddings")
