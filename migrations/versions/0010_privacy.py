"""privacy: per-item consents, age band and guardian, network retention period, purge log

Revision ID: 0010_privacy
Revises: 0012_perf
Create Date: 2026-11-29 18:45:00

Written by hand. PIPA: optional items (website, public listing, Telegram) get their own consent
timestamp; individuals give an age band and under-14s a guardian's name and consent; a network
keeps personal data ``retention_months`` (default 36) after withdrawal or last activity; each
purge is recorded with counts only.
"""
from alembic import op
import sqlalchemy as sa


revision = "0010_privacy"
down_revision = "0012_perf"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(sa.Column("website_consented_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("listing_consented_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("telegram_consented_at", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("age_band", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("guardian_name", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("guardian_consented_at", sa.DateTime(), nullable=True))
    # Existing rows: a listed group consented to the listing, a stored website was given with consent,
    # both at the time of the registration's consent.
    op.execute("UPDATE organisations SET listing_consented_at = consented_at WHERE public_listing")
    op.execute("UPDATE organisations SET website_consented_at = consented_at "
               "WHERE website IS NOT NULL AND website <> ''")
    with op.batch_alter_table("networks") as batch:
        batch.add_column(sa.Column("retention_months", sa.Integer(), server_default="36", nullable=False))
    op.create_table(
        "privacy_purges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=True),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.Column("trigger", sa.String(length=16), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=True),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"], name=op.f("fk_privacy_purges_network_id_networks"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_purges")),
    )
    with op.batch_alter_table("privacy_purges") as batch:
        batch.create_index(batch.f("ix_privacy_purges_network_id"), ["network_id"], unique=False)
        batch.create_index(batch.f("ix_privacy_purges_ran_at"), ["ran_at"], unique=False)


def downgrade():
    with op.batch_alter_table("privacy_purges") as batch:
        batch.drop_index(batch.f("ix_privacy_purges_ran_at"))
        batch.drop_index(batch.f("ix_privacy_purges_network_id"))
    op.drop_table("privacy_purges")
    with op.batch_alter_table("networks") as batch:
        batch.drop_column("retention_months")
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("guardian_consented_at")
        batch.drop_column("guardian_name")
        batch.drop_column("age_band")
        batch.drop_column("telegram_consented_at")
        batch.drop_column("listing_consented_at")
        batch.drop_column("website_consented_at")
