"""Organiser accounts, their role in each network, and API tokens."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..networks.models import Network
from ..timeutil import utcnow


class Role(enum.StrEnum):
    ADMIN = "admin"   # network admin: everything, including accounts and tokens
    STAFF = "staff"   # secretariat staff: day-to-day work on groups


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    # Set by accounts.services.start_session/session_user for the request's own session.
    session_id = None  # str | None (plain attributes, not columns)
    current_session = None  # UserSession | None

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str | None:  # Flask-Login: "<id>:<session token>", revocable
        return self.session_id

    def role_in(self, network: Network) -> str | None:
        for m in self.memberships:
            if m.network_id == network.id:
                return m.role
        return None


class Membership(db.Model):
    __tablename__ = "memberships"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(sa.String(16))

    user: Mapped[User] = relationship(back_populates="memberships")
    network: Mapped[Network] = relationship(lazy="joined")


class ApiToken(db.Model):
    """A bearer token for the organiser API, scoped to one network."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(lazy="joined")
    network: Mapped[Network] = relationship(lazy="joined")


class UserSession(db.Model):
    """One logged-in browser of an organiser. Its random token (only the SHA-256 is stored) is
    part of the id Flask-Login keeps in the session cookie and the remember cookie, so revoking
    the row logs that browser out at once, remember cookie included."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    # The browser's own description (User-Agent), shortened; no IP address is kept.
    user_agent: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()


class AuditEvent(db.Model):
    """An organiser action in a network (a page or export with personal data, or a change)."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    via: Mapped[str] = mapped_column(sa.String(8), default="web")  # web | api
    action: Mapped[str] = mapped_column(sa.String(100))  # the endpoint, e.g. organisers.withdraw
    method: Mapped[str] = mapped_column(sa.String(8))
    path: Mapped[str] = mapped_column(sa.String(300))  # never the query string (it can hold tokens)
    status: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User | None] = relationship(lazy="joined")
