"""Worker tasks of notices (imported by the worker only; the web enqueues them by name).

One sender per bot at a time keeps Telegram's rate limits: it holds the database lease
``notices-sender:<bot>`` and renews it on a heartbeat. A sender killed with ``kill -9`` stops
renewing, its lease expires after ``NOTICES_SENDER_LEASE_SECONDS``, and the next worker takes
over; deliveries the dead sender had claimed are flagged as interrupted (never resent blindly).
"""
from __future__ import annotations

import asyncio
import logging
import time

from flask import current_app
from huey import crontab

from ..extensions import db
from ..leases import Lease, keep_alive
from ..queue import periodic, task
from ..tokens import token_digest

log = logging.getLogger(__name__)


def sender_lease(config) -> Lease:
    bot = token_digest(config["TELEGRAM_BOT_TOKEN"])[:16]  # never the token itself
    return Lease(db.engine, f"notices-sender:{bot}", ttl=float(config["NOTICES_SENDER_LEASE_SECONDS"]))


def run_drain(notice_id: int | None = None, wait_for_lease: float = 0.0) -> dict:
    """Send what is pending while holding the sender lease; wait up to ``wait_for_lease`` s for it."""
    from .delivery import drain_with_config

    config = current_app.config
    lease = sender_lease(config)
    deadline = time.monotonic() + wait_for_lease
    while not lease.acquire():
        if time.monotonic() >= deadline:
            log.info("another worker holds the sender lease; it will send these deliveries")
            return {"locked": True}
        time.sleep(1.0)
    with keep_alive(lease) as lost:
        report = asyncio.run(drain_with_config(db.engine, config, notice_id, worker=lease.holder, stop=lost))
    log.info("notices sent=%s failed=%s unreachable=%s 429=%s interrupted=%s", report.sent, report.failed,
             report.unreachable, report.rate_limited, report.interrupted)
    return {"sent": report.sent, "failed": report.failed, "unreachable": report.unreachable,
            "interrupted": report.interrupted}


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
