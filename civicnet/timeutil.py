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


def _locale(locale: str | None) -> str:
    if locale:
        return locale
    if has_app_context():
        from flask_babel import get_locale

        return str(get_locale() or "ko")
    return "ko"


def format_local(value: datetime | None, locale: str | None = None, *, seconds: bool = False,
                 zone_name: bool = False) -> str:
    """A stored naive-UTC time as local date and 24-hour time, worded by Babel for ``locale``
    (default: the request's): "2026년 11월 30일 03:30", "Nov 30, 2026 03:30"; ``zone_name`` adds
    the zone ("(대한민국 시간)")."""
    from babel.dates import format_skeleton, get_timezone_name

    if value is None:
        return ""
    locale = _locale(locale)
    moment = value.replace(tzinfo=UTC)
    text = (format_skeleton("yMMMd", moment, tzinfo=local_zone(), locale=locale) + " "
            + format_skeleton("Hms" if seconds else "Hm", moment, tzinfo=local_zone(), locale=locale))
    if zone_name:
        text += f" ({get_timezone_name(local_zone(), locale=locale)})"
    return text


def format_local_pattern(value: datetime | None, pattern: str = "yyyy-MM-dd HH:mm", locale: str | None = None) -> str:
    """A stored naive-UTC time as local time in a fixed Babel ``pattern`` (sortable export columns)."""
    from babel.dates import format_datetime

    if value is None:
        return ""
    return format_datetime(value.replace(tzinfo=UTC), pattern, tzinfo=local_zone(), locale=_locale(locale))
