"""Stored activity embeddings for partner suggestions."""
from __future__ import annotations

from datetime import datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class PartnerEmbedding(db.Model):
    """One organisation's L2-normalised activities vector (float32 bytes)."""

    __tablename__ = "partner_embeddings"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    encoder: Mapped[str] = mapped_column(sa.String(120))
    dim: Mapped[int] = mapped_column()
    vector: Mapped[bytes] = mapped_column(sa.LargeBinary)
    # SHA-256 of the text that was embedded: a changed text means a stale vector.
    text_hash: Mapped[str] = mapped_column(sa.String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # The network's index version this row was written under (see index._bump_version): readers in
    # other processes reload rows newer than the version they hold, whatever the writers' clocks.
    index_version: Mapped[int] = mapped_column(default=0, server_default=sa.text("0"))

    def as_array(self) -> np.ndarray:
        return np.frombuffer(self.vector, dtype=np.float32)


class PartnerIndexVersion(db.Model):
    """Bumped whenever a network's vectors change; in-process caches compare against it."""

    __tablename__ = "partner_index_versions"

    network_id: Mapped[int] = mapped_column(
        sa.ForeignKey("networks.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
