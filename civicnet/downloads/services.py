"""Prepared exports: ask for one, build it (the worker), read it back, delete it when it expires.

Views call these; the worker's tasks (``tasks.py``) commit. ``build_export`` commits
through the ``checkpoint`` it is given, so the organiser's page sees the progress as it grows.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..errors import NotFound
from ..extensions import db
from ..networks.models import Network
from ..queue import enqueue_after_commit
from ..timeutil import utcnow
from .builders import BUILDERS
from .models import ExportChunk, ExportFile, ExportState

log = logging.getLogger(__name__)
CHUNK_BYTES = 1024 * 1024
STALLED_AFTER = timedelta(minutes=15)  # a builder silent this long was killed: its file is failed
FORMATS = {"csv", "xlsx"}


def row_count(stmt: sa.Select) -> int:
    """How many rows ``stmt`` selects (one COUNT query, ordering dropped)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0


def too_large(rows: int) -> bool:
    """An export of ``rows`` rows is built by the worker, not streamed by a web worker."""
    return rows > int(current_app.config["EXPORT_WORKER_THRESHOLD"])


def too_large_to_stream(stmt: sa.Select) -> bool:
    return too_large(row_count(stmt))


def _retention() -> timedelta:
    return timedelta(hours=float(current_app.config["EXPORT_RETENTION_HOURS"]))


def request_export(network: Network, kind: str, fmt: str, params: Mapping[str, str], *,
                   user_id: int | None, filename: str) -> ExportFile:
    """A file for the worker to build, or the same one already on its way (a second click, a reload)."""
    if kind not in BUILDERS or fmt not in FORMATS:
        raise NotFound("There is no such export.")
    params = {k: str(v) for k, v in params.items() if k not in {"lang", "page"} and v}
    waiting = db.session.scalars(sa.select(ExportFile).where(
        ExportFile.network_id == network.id, ExportFile.requested_by == user_id, ExportFile.kind == kind,
        ExportFile.fmt == fmt, ExportFile.state.in_([ExportState.QUEUED, ExportState.BUILDING]),
        ExportFile.expires_at > utcnow()).order_by(ExportFile.id.desc())).all()
    for export in waiting:
        if export.params == params:
            return export
    export = ExportFile(network_id=network.id, requested_by=user_id, kind=kind, fmt=fmt, params=params,
                        filename=filename, state=ExportState.QUEUED, expires_at=utcnow() + _retention())
    db.session.add(export)
    db.session.flush()
    enqueue_after_commit("downloads.build", export.id)
    return export


def get_export(network: Network, export_id: int) -> ExportFile:
    """The network's file ``export_id``; the same 404 for another network's file as for none."""
    export = db.session.get(ExportFile, export_id)
    if export is None or export.network_id != network.id or export.expires_at <= utcnow():
        raise NotFound("This file does not exist or has expired.")
    return export


def status(export: ExportFile) -> dict:
    return {"state": export.state, "percent": export.percent, "rows_done": export.rows_done,
            "rows_total": export.rows_total, "finished": export.finished}


def file_chunks(export: ExportFile) -> Iterator[bytes]:
    """The stored file, one chunk in memory at a time (each read by its own query)."""
    if export.state != ExportState.READY:
        raise NotFound("This file is not ready yet.")
    export_id, count = export.id, db.session.scalar(
        sa.select(sa.func.count()).where(ExportChunk.export_id == export.id))

    def read() -> Iterator[bytes]:
        for seq in range(count):
            yield db.session.scalar(sa.select(ExportChunk.data).where(ExportChunk.export_id == export_id,
                                                                    ExportChunk.seq == seq))
    return read()


def build_export(export_id: int, checkpoint: Callable[[], None]) -> ExportFile | None:
    """Build file ``export_id`` if it is still queued (one worker wins the claim); ``checkpoint``
    commits, after the claim, at each progress step and at the end.

    Progress and chunks are written with plain UPDATE/INSERT statements, so a commit expires no
    object that the next slice would have to load again."""
    claimed = db.session.execute(sa.update(ExportFile).where(
        ExportFile.id == export_id, ExportFile.state == ExportState.QUEUED)
        .values(state=ExportState.BUILDING, progress_at=utcnow()))
    if claimed.rowcount != 1:
        return None
    checkpoint()
    export = db.session.get(ExportFile, export_id)
    kind, fmt, params = export.kind, export.fmt, dict(export.params)
    network = db.session.get(Network, export.network_id)
    this = sa.update(ExportFile).where(ExportFile.id == export_id)
    seq, size, buffer = 0, 0, bytearray()

    def progress(done: int, total: int) -> None:
        db.session.execute(this.values(rows_done=done, rows_total=total, progress_at=utcnow(), size=size))
        checkpoint()

    def store(data: bytes) -> None:
        nonlocal seq, size
        db.session.execute(sa.insert(ExportChunk).values(export_id=export_id, seq=seq, data=data))
        seq, size = seq + 1, size + len(data)

    try:
        for piece in BUILDERS[kind](network, params, fmt, progress):
            buffer += piece
            while len(buffer) >= CHUNK_BYTES:
                store(bytes(buffer[:CHUNK_BYTES]))
                del buffer[:CHUNK_BYTES]
        if buffer or not seq:
            store(bytes(buffer))
        now = utcnow()
        db.session.execute(this.values(state=ExportState.READY, size=size, finished_at=now,
                                       expires_at=now + _retention()))
        checkpoint()
    except Exception as exc:
        db.session.rollback()
        _fail(export_id, f"{exc.__class__.__name__}")  # the class only: messages may quote data
        checkpoint()
        raise
    log.info("export %s ready: %s bytes in %s chunks", export_id, size, seq)
    return db.session.get(ExportFile, export_id)


def _fail(export_id: int, error: str) -> None:
    db.session.execute(sa.delete(ExportChunk).where(ExportChunk.export_id == export_id))
    db.session.execute(sa.update(ExportFile).where(ExportFile.id == export_id).values(
        state=ExportState.FAILED, error=error[:200], finished_at=utcnow()))


def purge_expired(now: datetime | None = None) -> dict:
    """Delete expired files (chunks first: SQLite may not enforce the cascade) and fail builds
    whose worker went silent. Returns counts."""
    now = now or utcnow()
    stalled = db.session.scalars(sa.select(ExportFile.id).where(
        ExportFile.state == ExportState.BUILDING, ExportFile.progress_at < now - STALLED_AFTER)).all()
    for export_id in stalled:
        _fail(export_id, "interrupted")
    expired = db.session.scalars(sa.select(ExportFile.id).where(ExportFile.expires_at <= now)).all()
    if expired:
        db.session.execute(sa.delete(ExportChunk).where(ExportChunk.export_id.in_(expired)))
        db.session.execute(sa.delete(ExportFile).where(ExportFile.id.in_(expired)))
    db.session.flush()
    return {"deleted": len(expired), "interrupted": len(stalled)}
