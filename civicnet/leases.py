"""Named leases in the database: one holder at a time, expiring unless renewed.

A process that must be alone (the notice sender of a bot, the bot's poller) takes a lease and
renews it on a heartbeat. When it dies — even with ``kill -9`` — the lease simply expires after
``ttl`` seconds and the next process takes over; nothing is left for a person to clean up.

The table is shared by every web, worker and bot process of a deployment (SQLite in development,
PostgreSQL in production), so no state lives in one process only. Times are the processes' own
UTC clocks: machines of one deployment are expected to keep time (NTP); ``ttl`` should be many
times the heartbeat interval and the worst clock skew.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from .db_session import dialect_insert
from .extensions import db
from .timeutil import utcnow

log = logging.getLogger(__name__)


class LeaseRow(db.Model):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(120), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120))
    acquired_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()


L = LeaseRow.__table__


def holder_name() -> str:
    """host:pid:random — unique per process start, readable in the table."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """``Lease(engine, "notices-sender:<bot>", ttl=30).acquire()`` → True when this process holds it."""

    def __init__(self, engine: Engine, name: str, ttl: float = 30.0, holder: str | None = None) -> None:
        self.engine, self.name, self.ttl = engine, name, float(ttl)
        self.holder = holder or holder_name()

    def acquire(self) -> bool:
        """Take the lease if it is free, expired or already ours (then it is extended)."""
        now = utcnow()
        expires = now + timedelta(seconds=self.ttl)
        stmt = dialect_insert(self.engine.dialect.name, L).values(name=self.name, holder=self.holder, acquired_at=now, expires_at=expires)
        stmt = stmt.on_conflict_do_update(
            index_elements=[L.c.name],
            set_={"holder": stmt.excluded.holder, "expires_at": stmt.excluded.expires_at,
                  "acquired_at": sa.case((L.c.holder == stmt.excluded.holder, L.c.acquired_at),
                                         else_=stmt.excluded.acquired_at)},
            where=sa.or_(L.c.holder == self.holder, L.c.expires_at < now))
        with self.engine.begin() as conn:
            conn.execute(stmt)
            current = conn.execute(sa.select(L.c.holder).where(L.c.name == self.name)).scalar_one_or_none()
        return current == self.holder

    def renew(self) -> bool:
        """Extend a lease we hold; False when it was lost (expired and taken by another)."""
        with self.engine.begin() as conn:
            result = conn.execute(L.update().where(L.c.name == self.name, L.c.holder == self.holder)
                                  .values(expires_at=utcnow() + timedelta(seconds=self.ttl)))
        return result.rowcount == 1

    def release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(L.delete().where(L.c.name == self.name, L.c.holder == self.holder))

    def row(self) -> sa.Row | None:
        """The lease's row as stored (``holder``, ``expires_at``), expired or not; None when free."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(L.c.holder, L.c.expires_at).where(L.c.name == self.name)).first()

    def current_holder(self) -> str | None:
        """Who holds it now (None when free or expired)."""
        row = self.row()
        return row.holder if row and row.expires_at >= utcnow() else None


@contextmanager
def keep_alive(lease: Lease, interval: float | None = None,
               on_lost: Callable[[], None] | None = None) -> Iterator[threading.Event]:
    """Renew ``lease`` every ``interval`` seconds (default ttl/3) on a daemon thread.

    Yields an Event that is set when the lease was lost (then ``on_lost`` is called once); the
    holder should stop its exclusive work when it sees it. The lease is released on exit.
    """
    interval = interval or max(0.5, lease.ttl / 3)
    stop, lost = threading.Event(), threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                ok = lease.renew()
            except Exception:  # a database hiccup: try again on the next beat
                log.warning("lease %s: renewal failed, retrying", lease.name, exc_info=True)
                continue
            if not ok:
                log.error("lease %s: lost (expired and taken over); stopping exclusive work", lease.name)
                lost.set()
                if on_lost:
                    on_lost()
                return

    thread = threading.Thread(target=beat, name=f"lease:{lease.name}", daemon=True)
    thread.start()
    try:
        yield lost
    finally:
        stop.set()
        thread.join(timeout=interval + 5)
        if not lost.is_set():
            try:
                lease.release()
            except Exception:  # noqa: BLE001 - it expires by itself anyway
                log.warning("lease %s: release failed; it will expire", lease.name)
