"""Timestamps are stored as naive UTC (portable across SQLite and PostgreSQL) and shown in the
deployment's local zone (``CIVICNET_TIMEZONE``, Asia/Seoul by default)."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

DEFAULT_ZONE = "Asia/Seoul"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_zone() -> ZoneInfo:
    name = current_app.config.get("BABEL_DEFAULT_TIMEZONE") if has_app_context() else None
    return ZoneInfo(name or DEFAULT_ZONE)


def to_local(value: datetime) -> datetime:
    """A stored naive-UTC time → naive local wall-clock time, for display."""
    return value.replace(tzinfo=UTC).astimezone(local_zone()).replace(tzinfo=None)


def to_utc(local: datetime) -> datetime:
    """A naive local wall-clock time (as typed by an organiser) → naive UTC, for storage."""
    return local.replace(tzinfo=local_zone()).astimezone(UTC).replace(tzinfo=None)


def local_now() -> datetime:
    """The current local wall-clock time (naive), in the deployment's zone."""
    return to_local(utcnow())


def local_today() -> date:
    return local_now().date()
