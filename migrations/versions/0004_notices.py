"""notices: Telegram chats, deep-link tokens, bot state, notices and their deliveries

Hand-written and reviewed. Personal data here: telegram_chats.chat_id (erased with the member:
ON DELETE CASCADE from organisations, and deleted by the notices service on erasure).

Revision ID: 0004_notices
Revises: 0003_meetings
"""
from alembic import op
import sqlalchemy as sa

revision = "0004_notices"
down_revision = "0003_meetings"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "telegram_chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subscribed", sa.Boolean(), nullable=False),
        sa.Column("consent_version", sa.String(length=32), nullable=True),
        sa.Column("consented_at", sa.DateTime(), nullable=True),
        sa.Column("unreachable_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"],
                                name=op.f("fk_telegram_chats_network_id_networks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_telegram_chats_organisation_id_organisations"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_chats")),
        sa.UniqueConstraint("chat_id", name=op.f("uq_telegram_chats_chat_id")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_telegram_chats_organisation_id")),
    )
    with op.batch_alter_table("telegram_chats") as batch_op:
        batch_op.create_index(batch_op.f("ix_telegram_chats_network_id"), ["network_id"], unique=False)

    op.create_table(
        "telegram_link_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"],
                                name=op.f("fk_telegram_link_tokens_network_id_networks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_telegram_link_tokens_organisation_id_organisations"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"],
                                name=op.f("fk_telegram_link_tokens_created_by_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_telegram_link_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_telegram_link_tokens_token_hash")),
    )
    with op.batch_alter_table("telegram_link_tokens") as batch_op:
        batch_op.create_index(batch_op.f("ix_telegram_link_tokens_network_id"), ["network_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_telegram_link_tokens_organisation_id"), ["organisation_id"],
                              unique=False)

    op.create_table(
        "bot_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("namespace", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bot_state")),
        sa.UniqueConstraint("namespace", "key", name="uq_bot_state_namespace_key"),
    )
    with op.batch_alter_table("bot_state") as batch_op:
        batch_op.create_index(batch_op.f("ix_bot_state_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("network_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("body_ko", sa.Text(), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=True),
        sa.Column("audience", sa.String(length=16), nullable=False),
        sa.Column("audience_ref", sa.Integer(), nullable=True),
        sa.Column("audience_label", sa.String(length=300), nullable=False),
        sa.Column("dedupe_key", sa.String(length=64), nullable=True),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["network_id"], ["networks.id"],
                                name=op.f("fk_notices_network_id_networks"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["users.id"],
                                name=op.f("fk_notices_created_by_user_id_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notices")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notices_dedupe_key")),
    )
    with op.batch_alter_table("notices") as batch_op:
        batch_op.create_index(batch_op.f("ix_notices_network_id"), ["network_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notices_created_at"), ["created_at"], unique=False)

    op.create_table(
        "notice_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("chat_ref_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["notices.id"],
                                name=op.f("fk_notice_deliveries_notice_id_notices"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_notice_deliveries_organisation_id_organisations"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["chat_ref_id"], ["telegram_chats.id"],
                                name=op.f("fk_notice_deliveries_chat_ref_id_telegram_chats"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_deliveries")),
        sa.UniqueConstraint("notice_id", "organisation_id", name="uq_notice_deliveries_recipient"),
    )
    with op.batch_alter_table("notice_deliveries") as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_deliveries_notice_id"), ["notice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_notice_deliveries_organisation_id"), ["organisation_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_notice_deliveries_chat_ref_id"), ["chat_ref_id"], unique=False)
        batch_op.create_index("ix_notice_deliveries_state_id", ["state", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("notice_deliveries") as batch_op:
        batch_op.drop_index("ix_notice_deliveries_state_id")
        batch_op.drop_index(batch_op.f("ix_notice_deliveries_chat_ref_id"))
        batch_op.drop_index(batch_op.f("ix_notice_deliveries_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_notice_deliveries_notice_id"))
    op.drop_table("notice_deliveries")
    with op.batch_alter_table("notices") as batch_op:
        batch_op.drop_index(batch_op.f("ix_notices_created_at"))
        batch_op.drop_index(batch_op.f("ix_notices_network_id"))
    op.drop_table("notices")
    with op.batch_alter_table("bot_state") as batch_op:
        batch_op.drop_index(batch_op.f("ix_bot_state_updated_at"))
    op.drop_table("bot_state")
    with op.batch_alter_table("telegram_link_tokens") as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_link_tokens_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_telegram_link_tokens_network_id"))
    op.drop_table("telegram_link_tokens")
    with op.batch_alter_table("telegram_chats") as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_chats_network_id"))
    op.drop_table("telegram_chats")
