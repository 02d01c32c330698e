"""Member groups (organisations, groups and individual citizens) of a network."""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from ..extensions import db
from ..goals.models import Goal
from ..networks.models import Cluster, Network
from ..timeutil import utcnow


class OrganisationKind(enum.StrEnum):
    NGO = "ngo"
    COOPERATIVE = "cooperative"
    SOCIAL_ENTERPRISE = "social_enterprise"
    COMPANY = "company"
    SCHOOL = "school"
    PUBLIC_BODY = "public_body"
    VILLAGE_GROUP = "village_group"
    CLUB = "club"
    INDIVIDUAL = "individual"


class OrganisationStatus(enum.StrEnum):
    REGISTERED = "registered"
    APPROVED = "approved"
    WITHDRAWN = "withdrawn"


class AgeBand(enum.StrEnum):
    """Asked of individual citizens: under 14 needs a guardian's consent (PIPA art. 22-2)."""
    UNDER_14 = "under_14"
    FROM_14 = "14_or_older"


class GoalSource(enum.StrEnum):
    CHOSEN = "chosen"          # ticked by the group itself
    SUGGESTED = "suggested"    # pre-selected by the classifier and left as it was
    ORGANISER = "organiser"    # set by the secretariat


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = (
        # The same group (name + contact) registers once per network, even when two
        # submissions race: the loser of the race finds the winner's row.
        sa.UniqueConstraint("network_id", "name_key", "contact_key", name="uq_organisations_identity"),
        # The public directory pages through a network's groups by name (migration 0012_perf).
        sa.Index("ix_organisations_network_name", "network_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    name_key: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(32))
    representative: Mapped[str] = mapped_column(sa.String(100), default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    contact_key: Mapped[str] = mapped_column(sa.String(254))
    district: Mapped[str] = mapped_column(sa.String(100), default="")
    size: Mapped[int | None] = mapped_column()
    website: Mapped[str | None] = mapped_column(sa.String(300))
    activities: Mapped[str] = mapped_column(sa.Text, default="")
    language: Mapped[str] = mapped_column(sa.String(2), default="ko")
    status: Mapped[str] = mapped_column(sa.String(16), default=OrganisationStatus.REGISTERED, index=True)
    # Whether the group agreed to appear in the network's public directory.
    public_listing: Mapped[bool] = mapped_column(default=False)
    # The thematic cluster the group (or an organiser) confirmed.
    cluster_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clusters.id", ondelete="SET NULL"), index=True)
    cluster_source: Mapped[str | None] = mapped_column(sa.String(16))
    consent_version: Mapped[str | None] = mapped_column(sa.String(32))
    consent_text: Mapped[str | None] = mapped_column(sa.Text)
    consented_at: Mapped[datetime | None] = mapped_column()
    # Optional items, each with its own consent (PIPA: asked apart from the required ones).
    # Unset = not given (or withdrawn); the item is then not kept / not used.
    website_consented_at: Mapped[datetime | None] = mapped_column()
    listing_consented_at: Mapped[datetime | None] = mapped_column()
    telegram_consented_at: Mapped[datetime | None] = mapped_column()
    # Individuals only: age band, and for under-14s the legal guardian who consented.
    age_band: Mapped[str | None] = mapped_column(sa.String(16))
    guardian_name: Mapped[str | None] = mapped_column(sa.String(100))
    guardian_consented_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column()

    network: Mapped[Network] = relationship()
    cluster: Mapped[Cluster | None] = relationship()
    goal_links: Mapped[list[OrganisationGoal]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan", lazy="selectin",
        order_by="OrganisationGoal.goal_number",
    )
    changes: WriteOnlyMapped[OrganisationChange] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="OrganisationChange.id.desc()"
    )

    @property
    def goal_numbers(self) -> list[int]:
        """The SDGs the group currently works on, most relevant first."""
        kept = [link for link in self.goal_links if link.selected]
        return [link.goal_number for link in sorted(kept, key=lambda l: (l.rank, l.goal_number))]

    @property
    def is_individual(self) -> bool:
        return self.kind == OrganisationKind.INDIVIDUAL

    @property
    def is_erased(self) -> bool:
        """Whether the group's personal data was deleted (``services.erase_personal_data``)."""
        return self.name_key.startswith("erased:")

    def __repr__(self) -> str:
        return f"<Organisation {self.id}>"


class OrganisationGoal(db.Model):
    """One SDG for one group: what the classifier suggested and what people kept."""

    __tablename__ = "organisation_goals"

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    goal_number: Mapped[int] = mapped_column(sa.ForeignKey("goals.number"), primary_key=True)
    selected: Mapped[bool] = mapped_column(default=True)
    source: Mapped[str] = mapped_column(sa.String(16))
    rank: Mapped[int] = mapped_column(default=0)
    # Set when the classifier scored this goal for the group (suggested or not).
    suggested: Mapped[bool] = mapped_column(default=False)
    suggested_score: Mapped[float | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="goal_links")
    goal: Mapped[Goal] = relationship(lazy="joined")


class OrganisationChange(db.Model):
    """Edit history of a group: who changed what, when."""

    __tablename__ = "organisation_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(sa.String(16))  # group | organiser | system | bot | import
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(32))
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)


class EditToken(db.Model):
    """A private, revocable link that lets a group edit its record without a password."""

    __tablename__ = "edit_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    # Only a SHA-256 digest is stored; the token itself is shown once, in the link.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()

    organisation: Mapped[Organisation] = relationship()
