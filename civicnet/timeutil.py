"""Timestamps are stored as naive UTC (portable across SQLite and PostgreSQL)."""
from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
