"""The record of each purge: when, for which network, and how many rows of each kind (no personal data)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class PurgeRun(db.Model):
    __tablename__ = "privacy_purges"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the run covered data that belongs to no single network (stale bot conversations).
    network_id: Mapped[int | None] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    ran_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    trigger: Mapped[str] = mapped_column(sa.String(16))   # cli | worker
    retention_months: Mapped[int | None] = mapped_column()
    # {"withdrawn_groups": 2, "inactive_groups": 0, "cancelled_registrations": 1, ...}
    counts: Mapped[dict] = mapped_column(sa.JSON, default=dict)
