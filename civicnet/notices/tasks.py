"""Worker tasks of notices (imported by the worker only; the web enqueues them by name).

One sender per bot at a time keeps Telegram's rate limits: it holds the database lease
``notices-sender:<bot>`` and renews it on a heartbeat. A sender killed with ``kill -9`` stops
renewing, its lease expires after ``NOTICES_SENDER_LEASE_SECONDS``, and the next worker takes
over; deliveries the dead sender had claimed are flagged as interrupted (never resent blindly).

Takeover without polling: a sender that starts with deliveries to send schedules
``notices.watch_sender`` on the queue (Redis or SQLite: it outlives the sender's process) for just
after its lease would expire. Whichever worker runs it looks at the lease once: renewed, it looks
again at the new expiry (about one small query per lease period while a broadcast goes out);
expired with deliveries left, it takes over at once — within about the lease's TTL of a
``kill -9`` instead of at the next minute tick, which stays as the backstop.
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from huey import crontab

from ..extensions import db
from ..leases import Lease, keep_alive
from ..queue import enqueue_at, periodic, task
from ..timeutil import utcnow
from ..tokens import token_digest
from .models import Delivery, DeliveryState

log = logging.getLogger(__name__)
# The watch runs this long after the watched lease's expiry: the holder's renewal, if it is alive,
# has landed by then (it renews every third of the TTL, long before the expiry).
WATCH_MARGIN = timedelta(seconds=1)


def sender_lease(config) -> Lease:
    bot = token_digest(config["TELEGRAM_BOT_TOKEN"])[:16]  # never the token itself
    return Lease(db.engine, f"notices-sender:{bot}", ttl=float(config["NOTICES_SENDER_LEASE_SECONDS"]))


def run_drain(notice_id: int | None = None, wait_for_lease: float = 0.0) -> dict:
    """Send what is pending while holding the sender lease; wait up to ``wait_for_lease`` s for it."""
    from .delivery import drain_with_config

    config = current_app.config
    if not config["TELEGRAM_BOT_TOKEN"]:
        # No bot yet (a council that has not set one up): nothing can be sent, and building a
        # client without a token would fail on every tick. Deliveries wait until one is set.
        if work_left():
            log.warning("TELEGRAM_BOT_TOKEN is not set: notice deliveries wait until it is")
        return {"sent": 0, "failed": 0, "unreachable": 0, "interrupted": False, "no_bot": True}
    lease = sender_lease(config)
    deadline = time.monotonic() + wait_for_lease
    while not lease.acquire():
        if time.monotonic() >= deadline:
            log.info("another worker holds the sender lease; it will send these deliveries")
            return {"locked": True}
        time.sleep(1.0)
    if work_left():
        watch(lease.holder, utcnow() + timedelta(seconds=lease.ttl))
    with keep_alive(lease) as lost:
        report = asyncio.run(drain_with_config(db.engine, config, notice_id, worker=lease.holder, stop=lost))
    log.info("notices sent=%s failed=%s unreachable=%s 429=%s interrupted=%s", report.sent, report.failed,
             report.unreachable, report.rate_limited, report.interrupted)
    return {"sent": report.sent, "failed": report.failed, "unreachable": report.unreachable,
            "interrupted": report.interrupted}


def work_left() -> bool:
    """Any delivery still to send, or left 'sending' by a sender that may have died."""
    with db.engine.connect() as conn:
        return bool(conn.execute(sa.select(sa.exists().where(
            Delivery.state.in_([DeliveryState.PENDING, DeliveryState.SENDING])))).scalar())


def watch(holder: str, expires_at: datetime) -> None:
    """Schedule a look at ``holder``'s lease just after ``expires_at`` (see the module doc)."""
    try:
        enqueue_at(expires_at + WATCH_MARGIN, "notices.watch_sender", holder)
    except Exception:  # the queue is down: the minute tick takes over instead
        log.warning("could not schedule the sender watch; the minute tick will take over", exc_info=True)


@task("notices.watch_sender")
def watch_sender(holder: str) -> dict:
    """Take over from ``holder`` if its sender lease expired with deliveries left; else look again
    at its new expiry while it still holds the lease, and stop watching once it is gone."""
    row = sender_lease(current_app.config).row()
    if row is not None and row.expires_at >= utcnow():
        if row.holder == holder:
            watch(holder, row.expires_at)  # alive and renewing
        return {"watching": row.holder == holder}  # another sender watches itself
    if not work_left():
        return {"watching": False}  # released (or died) with nothing left to send
    log.warning("notice sender lease expired with deliveries left; taking over")
    return run_drain() | {"took_over": True}


@task("notices.deliver")
def deliver_notices(notice_id: int | None = None, wait_for_lease: float = 0.0) -> dict:
    return run_drain(notice_id, wait_for_lease)


@periodic("notices.tick", crontab(minute="*"))
def notices_tick() -> dict:
    """Every minute: create the reminders that are due, then send anything pending."""
    from .services import schedule_due_reminders

    created = schedule_due_reminders()
    db.session.commit()
    result = run_drain()
    result["reminders"] = created
    return result
