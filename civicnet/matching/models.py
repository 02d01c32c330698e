"""What the matching domain stores: confirmed examples per network and the last suggestion per group."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class MatchingExample(db.Model):
    """An organiser-confirmed (or corrected) labelling of a group's activities.

    The network's later suggestions learn from these (few-shot nearest neighbours). One row per
    group; deleted with the group.
    """

    __tablename__ = "matching_examples"
    __table_args__ = (sa.UniqueConstraint("network_id", "organisation_id", name="uq_matching_examples_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(sa.Text)
    sdgs: Mapped[list] = mapped_column(sa.JSON, default=list)      # most relevant first
    clusters: Mapped[list] = mapped_column(sa.JSON, default=list)  # cluster keys
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class MatchingSuggestion(db.Model):
    """The classifier's last suggestion for a group (what was suggested, beside what was kept)."""

    __tablename__ = "matching_suggestions"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    model_version: Mapped[str] = mapped_column(sa.String(64))
    suggested: Mapped[list] = mapped_column(sa.JSON, default=list)
    top_cluster: Mapped[str | None] = mapped_column(sa.String(64))
    result: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
