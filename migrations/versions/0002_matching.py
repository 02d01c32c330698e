"""matching: confirmed examples per network, last suggestion per group

Revision ID: 0002_matching
Revises: 0001_core
"""
import sqlalchemy as sa
from alembic import op

revision = "0002_matching"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "matching_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sdgs", sa.JSON(), nullable=False),
        sa.Column("clusters", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE",
                                name=op.f("fk_matching_examples_network_id_networks")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name=op.f("fk_matching_examples_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matching_examples")),
        sa.UniqueConstraint("network_id", "organisation_id", name="uq_matching_examples_org"),
    )
    with op.batch_alter_table("matching_examples") as batch_op:
        batch_op.create_index(batch_op.f("ix_matching_examples_network_id"), ["network_id"])
        batch_op.create_index(batch_op.f("ix_matching_examples_organisation_id"), ["organisation_id"])

    op.create_table(
        "matching_suggestions",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("suggested", sa.JSON(), nullable=False),
        sa.Column("top_cluster", sa.String(length=64), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], ondelete="CASCADE",
                                name=op.f("fk_matching_suggestions_network_id_networks")),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"], ondelete="CASCADE",
                                name=op.f("fk_matching_suggestions_organisation_id_organisations")),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_matching_suggestions")),
    )
    with op.batch_alter_table("matching_suggestions") as batch_op:
        batch_op.create_index(batch_op.f("ix_matching_suggestions_network_id"), ["network_id"])


def downgrade():
    with op.batch_alter_table("matching_suggestions") as batch_op:
        batch_op.drop_index(batch_op.f("ix_matching_suggestions_network_id"))
    op.drop_table("matching_suggestions")
    with op.batch_alter_table("matching_examples") as batch_op:
        batch_op.drop_index(batch_op.f("ix_matching_examples_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_matching_examples_network_id"))
    op.drop_table("matching_examples")
