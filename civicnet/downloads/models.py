"""Export files built by the worker: one row per requested file, its bytes in ordered chunks."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class ExportState(enum.StrEnum):
    QUEUED = "queued"      # waiting for a worker
    BUILDING = "building"  # a worker is writing it (rows_done of rows_total)
    READY = "ready"        # every chunk is stored: it can be downloaded until expires_at
    FAILED = "failed"      # the build stopped (error says why, without personal data)


class ExportFile(db.Model):
    __tablename__ = "export_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    requested_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(sa.String(32))        # what is exported: "organisations"
    fmt: Mapped[str] = mapped_column(sa.String(8))          # "csv" | "xlsx"
    params: Mapped[dict] = mapped_column(sa.JSON)           # the list's filters, as in the query string
    state: Mapped[str] = mapped_column(sa.String(16), default=ExportState.QUEUED)
    rows_total: Mapped[int | None] = mapped_column()
    rows_done: Mapped[int] = mapped_column(default=0)
    size: Mapped[int] = mapped_column(default=0)            # bytes stored so far
    filename: Mapped[str] = mapped_column(sa.String(200))
    error: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    progress_at: Mapped[datetime] = mapped_column(default=utcnow)  # the builder's last sign of life
    finished_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)

    @property
    def finished(self) -> bool:
        return self.state in {ExportState.READY, ExportState.FAILED}

    @property
    def percent(self) -> int:
        if self.state == ExportState.READY:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(100 * self.rows_done / self.rows_total))


class ExportChunk(db.Model):
    __tablename__ = "export_chunks"

    export_id: Mapped[int] = mapped_column(sa.ForeignKey("export_files.id", ondelete="CASCADE"), primary_key=True)
    seq: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)  # about CHUNK_BYTES (services.py)
