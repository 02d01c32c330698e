"""Huey tasks: drain pending deliveries, and a periodic tick that creates due reminders."""
from __future__ import annotations

import asyncio
import logging

from flask import current_app
from huey import crontab
from huey.exceptions import TaskLockedException

from ..extensions import db
from ..worker import flask_app, huey

log = logging.getLogger(__name__)
DRAIN_LOCK = "notices-drain"


def run_drain(notice_id: int | None = None) -> dict:
    """Send what is pending, holding Huey's lock so one sender per bot keeps the rate limits."""
    from .delivery import drain_with_config

    app = flask_app()
    try:
        with huey.lock_task(DRAIN_LOCK):
            with app.app_context():
                report = asyncio.run(drain_with_config(db.engine, app.config, notice_id))
    except TaskLockedException:
        log.info("another worker is sending; its loop will pick these deliveries up")
        return {"locked": True}
    log.info("notices sent=%s failed=%s unreachable=%s 429=%s interrupted=%s", report.sent, report.failed,
             report.unreachable, report.rate_limited, report.interrupted)
    return {"sent": report.sent, "failed": report.failed, "unreachable": report.unreachable}


@huey.task()
def deliver_notices(notice_id: int | None = None) -> dict:
    return run_drain(notice_id)


@huey.periodic_task(crontab(minute="*"))
def notices_tick() -> dict:
    """Every minute: create the reminders that are due, then send anything pending."""
    from .services import schedule_due_reminders

    app = flask_app()
    with app.app_context():
        created = schedule_due_reminders()
        db.session.commit()
    result = run_drain()
    result["reminders"] = created
    return result


def enqueue_delivery(notice_id: int | None = None) -> bool:
    """Ask the worker to send now (the minute tick would pick it up anyway).

    Off in tests (``app.testing``) unless NOTICES_QUEUE_ENABLED is set, so a test never writes
    into the real queue.
    """
    if not current_app.config.get("NOTICES_QUEUE_ENABLED", not current_app.testing):
        return False
    deliver_notices(notice_id)
    return True


def enqueue_after_commit(notice_id: int | None = None) -> None:
    """Enqueue once the current transaction commits (the worker must see the new rows)."""
    import sqlalchemy as sa

    app = current_app._get_current_object()

    def _go(session) -> None:
        with app.app_context():
            try:
                enqueue_delivery(notice_id)
            except Exception:  # the queue being down must not undo the notice; the tick retries
                log.exception("could not enqueue notice delivery")

    sa.event.listen(db.session(), "after_commit", _go, once=True)
