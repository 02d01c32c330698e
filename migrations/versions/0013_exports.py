"""exports: files built by the worker (export_files) and their bytes (export_chunks)

Revision ID: 0013_exports
Revises: 0008_breakouts
Create Date: 2026-11-29 22:00:00

Written by hand. An organiser's export past EXPORT_WORKER_THRESHOLD rows is built by the worker
and kept in the database (not a folder: any web instance on any machine serves it) in ~1 MB
chunks, until expires_at.
"""
from alembic import op
import sqlalchemy as sa


revision = "0013_exports"
down_revision = "0008_breakouts"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "export_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("fmt", sa.String(length=8), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rows_total", sa.Integer(), nullable=True),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("progress_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], name=op.f("fk_export_files_network_id_networks"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by"], ["users.id"], name=op.f("fk_export_files_requested_by_users"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_files")),
    )
    with op.batch_alter_table("export_files") as batch:
        batch.create_index(batch.f("ix_export_files_network_id"), ["network_id"], unique=False)
        batch.create_index(batch.f("ix_export_files_expires_at"), ["expires_at"], unique=False)
    op.create_table(
        "export_chunks",
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["export_id"], ["export_files.id"], name=op.f("fk_export_chunks_export_id_export_files"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("export_id", "seq", name=op.f("pk_export_chunks")),
    )


def downgrade():
    op.drop_table("export_chunks")
    with op.batch_alter_table("export_files") as batch:
        batch.drop_index(batch.f("ix_export_files_expires_at"))
        batch.drop_index(batch.f("ix_export_files_network_id"))
    op.drop_table("export_files")
