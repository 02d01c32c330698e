"""Worker task of privacy (imported by the worker only): the daily purge of expired personal data.

Runs at 03:30 Seoul time (18:30 UTC; Huey's crontab is in UTC). A database lease keeps two
workers from purging at once; the second one skips and says so. Logs counts only.
"""
from __future__ import annotations

import logging

from huey import crontab

from ..extensions import db
from ..leases import Lease
from ..queue import periodic
from .purge import purge_everything

log = logging.getLogger(__name__)
PURGE_LEASE = "privacy-purge"


def run_daily_purge() -> dict:
    """Purge every network and the bot's stale conversations; one ``PurgeRun`` row each."""
    lease = Lease(db.engine, PURGE_LEASE, ttl=15 * 60)
    if not lease.acquire():
        log.info("privacy purge: another worker is purging; skipped")
        return {"locked": True}
    try:
        reports = purge_everything(trigger="worker")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    finally:
        lease.release()
    totals: dict[str, int] = {}
    for report in reports:
        for key, value in report.counts.items():
            totals[key] = totals.get(key, 0) + value
    log.info("privacy purge: %s", " ".join(f"{k}={v}" for k, v in sorted(totals.items())))
    return totals


@periodic("privacy.purge", crontab(minute="30", hour="18"))
def daily_purge() -> dict:
    return run_daily_purge()
