"""The network pledge (협약) a group signs once per edition (year)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..goals.models import Goal
from ..organisations.models import Organisation
from ..timeutil import utcnow

pledge_goals = sa.Table(
    "pledge_goals",
    db.metadata,
    sa.Column("pledge_id", sa.ForeignKey("pledges.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("goal_number", sa.ForeignKey("goals.number"), primary_key=True),
)


class Pledge(db.Model):
    __tablename__ = "pledges"
    __table_args__ = (
        # One active pledge per group and edition; withdrawn ones stay as history.
        sa.Index(
            "uq_pledges_active", "organisation_id", "edition", unique=True,
            sqlite_where=sa.text("withdrawn_at IS NULL"),
            postgresql_where=sa.text("withdrawn_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    edition: Mapped[int] = mapped_column()
    pledge_version: Mapped[str] = mapped_column(sa.String(32))
    signer_name: Mapped[str] = mapped_column(sa.String(100))
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    joint_action: Mapped[str] = mapped_column(sa.Text, default="")
    withdrawn_at: Mapped[datetime | None] = mapped_column()

    organisation: Mapped[Organisation] = relationship()
    goals: Mapped[list[Goal]] = relationship(secondary=pledge_goals, order_by=Goal.number, lazy="selectin")

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None
