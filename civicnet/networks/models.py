"""A council's citizen practice network and its thematic clusters."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..goals.models import Goal
from ..timeutil import local_today, utcnow

cluster_goals = sa.Table(
    "cluster_goals",
    db.metadata,
    sa.Column("cluster_id", sa.ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("goal_number", sa.ForeignKey("goals.number"), primary_key=True),
)


class Network(db.Model):
    __tablename__ = "networks"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    city: Mapped[str] = mapped_column(sa.String(100))
    default_language: Mapped[str] = mapped_column(sa.String(2), default="ko")
    # The pledge text is versioned: a signature records the version it was given.
    pledge_version: Mapped[str] = mapped_column(sa.String(32))
    pledge_text_ko: Mapped[str] = mapped_column(sa.Text)
    pledge_text_en: Mapped[str] = mapped_column(sa.Text)
    # The same pledge in the first person singular, shown to individual citizens ("나는 …"
    # instead of "우리 단체는 …"); empty: the group text is shown.
    pledge_text_individual_ko: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    pledge_text_individual_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The edition (year) organisers opened last (``open_edition``); None until they open one, and
    # the edition then follows the calendar (see ``current_edition``).
    opened_edition: Mapped[int | None] = mapped_column("current_edition", nullable=True)
    # How long personal data is kept after a group withdraws or its last activity (PIPA art. 21);
    # ``flask privacy purge`` and the worker's daily job delete what is older.
    retention_months: Mapped[int] = mapped_column(default=36, server_default="36")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    clusters: Mapped[list[Cluster]] = relationship(
        back_populates="network", order_by="Cluster.position", cascade="all, delete-orphan",
        lazy="selectin",
    )

    @property
    def current_edition(self) -> int:
        """The edition (year) whose registration and pledges are open now: the one organisers
        opened, or the current local calendar year while none was opened."""
        return self.opened_edition or local_today().year

    @current_edition.setter
    def current_edition(self, edition: int | None) -> None:
        self.opened_edition = edition

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_ko

    def pledge_text(self, lang: str, individual: bool = False) -> str:
        """The pledge in ``lang``; ``individual``: the first-person-singular text for a citizen."""
        if individual:
            text = self.pledge_text_individual_en if lang == "en" else self.pledge_text_individual_ko
            if text:
                return text
        return self.pledge_text_en if lang == "en" else self.pledge_text_ko

    def __repr__(self) -> str:
        return f"<Network {self.slug}>"


class NetworkEdition(db.Model):
    """An edition (year) opened by an organiser: the audit trail of the network's yearly cycle."""

    __tablename__ = "network_editions"
    __table_args__ = (sa.UniqueConstraint("network_id", "edition", name="uq_network_editions_network_edition"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    edition: Mapped[int] = mapped_column()
    previous_edition: Mapped[int] = mapped_column()
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    opened_by_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # How many of the previous edition's pledged groups were invited to renew, and how many of
    # them could be reached on Telegram at that moment.
    invited: Mapped[int] = mapped_column(default=0)
    reachable: Mapped[int] = mapped_column(default=0)


class Cluster(db.Model):
    __tablename__ = "clusters"
    __table_args__ = (sa.UniqueConstraint("network_id", "key", name="uq_clusters_network_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(64))
    position: Mapped[int] = mapped_column(default=0)
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    description_ko: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")

    network: Mapped[Network] = relationship(back_populates="clusters")
    goals: Mapped[list[Goal]] = relationship(secondary=cluster_goals, order_by=Goal.number, lazy="selectin")

    @property
    def goal_numbers(self) -> list[int]:
        return [g.number for g in self.goals]

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_ko

    def description(self, lang: str) -> str:
        return self.description_en if lang == "en" else self.description_ko
