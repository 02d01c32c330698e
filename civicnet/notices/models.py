"""Notices to members, their per-recipient deliveries, Telegram chat links and bot state."""
from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..organisations.models import Organisation
from ..timeutil import utcnow


class DeliveryState(enum.StrEnum):
    PENDING = "pending"          # waiting to be sent
    SENDING = "sending"          # claimed by a sender; the request may be in flight
    SENT = "sent"                # Telegram accepted the message
    FAILED = "failed"            # gave up (or outcome unknown after a crash: never resent blindly)
    UNREACHABLE = "unreachable"  # no linked chat, unsubscribed, or the user blocked the bot


class AudienceKind(enum.StrEnum):
    NETWORK = "network"
    CLUSTER = "cluster"
    MEETING = "meeting"
    TABLE = "table"
    NOT_PLEDGED = "not_pledged"
    MEMBER = "member"            # one group (promotion message, direct notice)


class NoticeKind(enum.StrEnum):
    MANUAL = "manual"            # written by an organiser
    REMINDER = "reminder"        # before a meeting, made by the worker's tick
    PROMOTION = "promotion"      # moved up from a meeting's waiting list
    RENEWAL = "renewal"          # invitation to renew the pledge in a new edition
    DIRECT = "direct"            # any other one-recipient message


@dataclass(frozen=True)
class Audience:
    """Who receives a notice: a kind and, for clusters, meetings, tables and members, an id.

    Written as ``kind`` or ``kind:id`` in forms (the organiser's choice list).
    """

    kind: AudienceKind
    ref: int | None = None

    def __str__(self) -> str:
        return self.kind.value if self.ref is None else f"{self.kind.value}:{self.ref}"

    @classmethod
    def parse(cls, value: str) -> Audience | None:
        """The audience a form value names, or None when it names none."""
        kind, _sep, ref = (value or "").partition(":")
        try:
            audience = cls(AudienceKind(kind), int(ref) if ref else None)
        except ValueError:
            return None
        needs_ref = audience.kind not in (AudienceKind.NETWORK, AudienceKind.NOT_PLEDGED)
        if needs_ref != (audience.ref is not None) or (audience.ref is not None and not 0 < audience.ref < 2**31):
            return None
        return audience


class TelegramChat(db.Model):
    """A private Telegram chat tied (with consent) to one member of a network."""

    __tablename__ = "telegram_chats"

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), unique=True)
    language: Mapped[str] = mapped_column(sa.String(2), default="ko")
    subscribed: Mapped[bool] = mapped_column(default=True)
    consent_version: Mapped[str | None] = mapped_column(sa.String(32))
    consented_at: Mapped[datetime | None] = mapped_column()
    unreachable_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation | None] = relationship()

    @property
    def can_receive(self) -> bool:
        return self.subscribed and self.unreachable_at is None and self.consented_at is not None


class LinkToken(db.Model):
    """A one-time, expiring deep-link token (t.me/<bot>?start=<token>); only its digest is kept."""

    __tablename__ = "telegram_link_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    # Set: ties the chat to this member. Unset: an invitation to register in the network.
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class BotState(db.Model):
    """python-telegram-bot persistence: conversation states and per-user/chat data as JSON."""

    __tablename__ = "bot_state"
    __table_args__ = (sa.UniqueConstraint("namespace", "key", name="uq_bot_state_namespace_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    namespace: Mapped[str] = mapped_column(sa.String(64))   # conversation:<name> | user | chat | bot
    key: Mapped[str] = mapped_column(sa.String(128))
    data: Mapped[dict | list | int | str | None] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reminded_at: Mapped[datetime | None] = mapped_column()


class Notice(db.Model):
    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default=NoticeKind.MANUAL)  # a NoticeKind
    body_ko: Mapped[str] = mapped_column(sa.Text)
    body_en: Mapped[str | None] = mapped_column(sa.Text)
    audience: Mapped[str] = mapped_column(sa.String(16))
    audience_ref: Mapped[int | None] = mapped_column()     # cluster, meeting or table id
    audience_label: Mapped[str] = mapped_column(sa.String(300), default="")
    # Automatic reminders are created once per (meeting, offset): "reminder:<meeting>:<minutes>".
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    def body(self, lang: str) -> str:
        return self.body_en if lang == "en" and self.body_en else self.body_ko


class Delivery(db.Model):
    """One notice to one recipient; the row is the record that makes delivery at-most-once."""

    __tablename__ = "notice_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("notice_id", "organisation_id", name="uq_notice_deliveries_recipient"),
        sa.Index("ix_notice_deliveries_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(sa.ForeignKey("notices.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True)
    chat_ref_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("telegram_chats.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(sa.String(16), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_by: Mapped[str | None] = mapped_column(sa.String(64))
    claimed_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    message_id: Mapped[int | None] = mapped_column(sa.BigInteger)
    error: Mapped[str | None] = mapped_column(sa.String(200))

    notice: Mapped[Notice] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    chat: Mapped[TelegramChat | None] = relationship()
