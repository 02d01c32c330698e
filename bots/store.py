"""The bot's own state in the app database (table ``bot_state``), read fresh for every update.

Two kinds of rows, keyed by the Telegram user id (= the private chat id):

- ``user``: ``{"lang": "ko"|"en", "seen": [update ids]}`` — the chat's language and the last update
  ids handled, so an update delivered twice (a standby poller taking over before the dead one
  confirmed it, a webhook retried by Telegram) is answered once;
- ``registration``: a :class:`bots.flow.Registration` in progress (its JSON form); ``updated_at`` is
  both the time of the last answer (idle reminders) and the version a writer must still see to
  save (two instances answering one user one after the other never lose or repeat a step).

No process keeps any of this in memory, so any number of bot instances can serve one user.
Every function runs inside an app context in a worker thread (``bots/dbcall.py``), which commits.
``civicnet.notices.services.forget_chat`` deletes both rows with the chat.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from civicnet.extensions import db
from civicnet.notices.models import BotState
from civicnet.timeutil import utcnow

from .flow import LANGUAGES, Registration

USER, REGISTRATION = "user", "registration"
SEEN_KEEP = 32  # update ids remembered per user (Telegram's ids are not always increasing)


@dataclass(frozen=True)
class Loaded:
    registration: Registration
    version: datetime


def _ensure(namespace: str, key: str, data: dict) -> None:
    """Insert the row unless it exists (two instances may race to create it)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    db.session.execute(insert(BotState).values(namespace=namespace, key=key, data=data, updated_at=utcnow())
                       .on_conflict_do_nothing(index_elements=["namespace", "key"]))


def _row(namespace: str, user_id: int, *, lock: bool = False) -> BotState | None:
    query = sa.select(BotState).where(BotState.namespace == namespace, BotState.key == str(user_id))
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query.execution_options(populate_existing=True))


def _locked_row(namespace: str, user_id: int, data: dict) -> BotState:
    """The row, locked for this transaction; created with ``data`` first if missing."""
    row = _row(namespace, user_id, lock=True)
    if row is None:
        _ensure(namespace, str(user_id), data)
        row = _row(namespace, user_id, lock=True)
    return row


# --- per user: language and updates already handled -----------------------------------------

def claim_update(user_id: int, update_id: int) -> str | None:
    """Record ``update_id`` as handled for this user and return the user's language, or None when
    it was handled before (then it must not be answered again)."""
    row = _locked_row(USER, user_id, {"lang": "ko", "seen": []})
    data = dict(row.data or {})
    seen = [int(n) for n in data.get("seen", [])]
    if update_id in seen:
        return None
    data["seen"] = (seen + [update_id])[-SEEN_KEEP:]
    row.data, row.updated_at = data, utcnow()
    db.session.flush()
    return language(data)


def language(data: dict | None) -> str:
    lang = (data or {}).get("lang")
    return lang if lang in LANGUAGES else "ko"


def get_language(user_id: int) -> str:
    row = _row(USER, user_id)
    return language(row.data if row else None)


def set_language(user_id: int, lang: str) -> None:
    row = _locked_row(USER, user_id, {"lang": lang, "seen": []})
    if language(row.data) != lang:
        row.data = {**(row.data or {}), "lang": lang if lang in LANGUAGES else "ko"}
    db.session.flush()


# --- registrations in progress ---------------------------------------------------------------

def load_registration(user_id: int) -> Loaded | None:
    """The registration in progress, fresh from the database (None: none, or a row from an older
    version of the bot that cannot be read, which is then dropped)."""
    row = _row(REGISTRATION, user_id)
    if row is None:
        return None
    try:
        return Loaded(Registration.from_json(row.data), row.updated_at)
    except (TypeError, ValueError, KeyError, AttributeError):
        db.session.delete(row)
        db.session.flush()
        return None


def start_registration(user_id: int, reg: Registration) -> None:
    """Begin (or begin again) a registration for this user."""
    row = _locked_row(REGISTRATION, user_id, reg.to_json())
    row.data, row.updated_at, row.reminded_at = reg.to_json(), utcnow(), None
    db.session.flush()


def save_registration(user_id: int, reg: Registration | None, version: datetime) -> bool:
    """Write ``reg`` (None: delete the row) if nobody changed the row since ``version`` was read."""
    where = (BotState.namespace == REGISTRATION, BotState.key == str(user_id), BotState.updated_at == version)
    if reg is None:
        result = db.session.execute(sa.delete(BotState).where(*where))
    else:
        now = max(utcnow(), version + timedelta(microseconds=1))
        result = db.session.execute(sa.update(BotState).where(*where)
                                    .values(data=reg.to_json(), updated_at=now, reminded_at=None))
    return result.rowcount == 1


def drop_registration(user_id: int) -> None:
    db.session.execute(sa.delete(BotState).where(BotState.namespace == REGISTRATION,
                                                 BotState.key == str(user_id)))


@dataclass(frozen=True)
class Idle:
    user_id: int
    lang: str
    drop: bool  # True: dropped now; False: to be reminded now


def claim_idle(remind_before: datetime, drop_before: datetime) -> list[Idle]:
    """Registrations silent since ``remind_before`` (reminded once) or ``drop_before`` (deleted).

    Each row is claimed with a conditional statement, so with several bot instances sweeping at
    once every silent user is reminded once and told of the drop once.
    """
    rows = db.session.execute(sa.select(BotState.id, BotState.key, BotState.data, BotState.updated_at,
                                        BotState.reminded_at)
                              .where(BotState.namespace == REGISTRATION, BotState.updated_at <= remind_before)
                              .order_by(BotState.updated_at).limit(500)).all()
    claimed: list[Idle] = []
    for row in rows:
        lang = language(row.data if isinstance(row.data, dict) else None)
        same = (BotState.id == row.id, BotState.updated_at == row.updated_at)
        if row.updated_at <= drop_before:
            if db.session.execute(sa.delete(BotState).where(*same)).rowcount == 1:
                claimed.append(Idle(int(row.key), lang, drop=True))
        elif row.reminded_at is None:
            result = db.session.execute(sa.update(BotState).where(*same, BotState.reminded_at.is_(None))
                                        .values(reminded_at=utcnow()))
            if result.rowcount == 1:
                claimed.append(Idle(int(row.key), lang, drop=False))
    return claimed
