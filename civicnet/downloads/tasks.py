"""Worker tasks of downloads (imported by the worker only; the web enqueues them by name)."""
from __future__ import annotations

import logging

from huey import crontab

from ..extensions import db
from ..queue import periodic, task
from .services import build_export, purge_expired

log = logging.getLogger(__name__)


@task("downloads.build")
def build(export_id: int) -> dict:
    """Build one prepared export; a second worker given the same id finds it claimed and returns."""
    export = build_export(export_id, db.session.commit)
    return {"export": export_id, "built": export is not None}


@periodic("downloads.purge", crontab(minute="*/10"))
def purge() -> dict:
    """Every ten minutes: delete the files past their retention, fail builds whose worker died."""
    counts = purge_expired()
    db.session.commit()
    if any(counts.values()):
        log.info("exports purged: %s", " ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return counts
