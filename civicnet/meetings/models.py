"""Meetings (the pledge ceremony and exchange meeting), registrations, breakout tables, joint actions.

All datetimes are naive UTC (see ``civicnet.timeutil``); pages show them in the local zone (Asia/Seoul by default).
"""
from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..goals.models import Goal
from ..networks.models import Cluster, Network
from ..organisations.models import Organisation
from ..timeutil import utcnow


class RegistrationStatus(enum.StrEnum):
    CONFIRMED = "confirmed"     # holds seats
    WAITLISTED = "waitlisted"   # waits, in order of registration, for seats to free up
    CANCELLED = "cancelled"


class Meeting(db.Model):
    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    title_ko: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200))
    venue_ko: Mapped[str] = mapped_column(sa.String(200), default="")
    venue_en: Mapped[str] = mapped_column(sa.String(200), default="")
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    registration_opens_at: Mapped[datetime | None] = mapped_column()
    registration_closes_at: Mapped[datetime | None] = mapped_column()
    # Overall number of people (attendees, not registrations) the venue takes.
    capacity: Mapped[int] = mapped_column()
    # How many people one organisation may bring.
    per_organisation_limit: Mapped[int] = mapped_column(default=2)
    # Bumped under the meeting-row lock by every change of seats (see services.lock_meeting).
    seats_version: Mapped[int] = mapped_column(default=0)
    # The organiser's target for a breakout table: people (balanced within one) and groups.
    table_min_people: Mapped[int] = mapped_column(default=6, server_default="6")
    table_max_people: Mapped[int] = mapped_column(default=8, server_default="8")
    table_min_groups: Mapped[int] = mapped_column(default=3, server_default="3")
    # Figures of the last optimiser run: fit, bound, gap, seconds, unassigned, merges, mix.
    assignment_summary: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    network: Mapped[Network] = relationship()
    programme: Mapped[list[ProgrammeItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="ProgrammeItem.position",
        lazy="selectin",
    )
    breakouts: Mapped[list[BreakoutSetup]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", lazy="selectin",
    )
    tables: Mapped[list[BreakoutTable]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan",
        order_by="(BreakoutTable.cluster_id, BreakoutTable.number)",
    )

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title_ko

    def venue(self, lang: str) -> str:
        return self.venue_en if lang == "en" and self.venue_en else self.venue_ko

    def __repr__(self) -> str:
        return f"<Meeting {self.id}>"


class ProgrammeItem(db.Model):
    __tablename__ = "meeting_programme_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    at: Mapped[datetime] = mapped_column()
    item_ko: Mapped[str] = mapped_column(sa.String(200))
    item_en: Mapped[str] = mapped_column(sa.String(200), default="")
    note: Mapped[str] = mapped_column(sa.String(200), default="")

    meeting: Mapped[Meeting] = relationship(back_populates="programme")

    def item(self, lang: str) -> str:
        return self.item_en if lang == "en" and self.item_en else self.item_ko


class BreakoutSetup(db.Model):
    """Which clusters run breakout groups at a meeting, with how many tables of how many seats."""

    __tablename__ = "meeting_breakouts"

    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    cluster_id: Mapped[int] = mapped_column(sa.ForeignKey("clusters.id", ondelete="CASCADE"), primary_key=True)
    tables: Mapped[int] = mapped_column(default=0)
    seats_per_table: Mapped[int] = mapped_column(default=8)

    meeting: Mapped[Meeting] = relationship(back_populates="breakouts")
    cluster: Mapped[Cluster] = relationship(lazy="joined")


class BreakoutTable(db.Model):
    __tablename__ = "breakout_tables"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "cluster_id", "number", name="uq_breakout_tables_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    cluster_id: Mapped[int] = mapped_column(sa.ForeignKey("clusters.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    seats: Mapped[int] = mapped_column()
    # The number on the table tent: used tables 1..n in cluster order; None for a spare table.
    display_number: Mapped[int | None] = mapped_column()

    meeting: Mapped[Meeting] = relationship(back_populates="tables")
    cluster: Mapped[Cluster] = relationship(lazy="joined")

    @property
    def shown_number(self) -> int:
        """What people see: the printed number, or the cluster's own numbering for a spare table."""
        return self.display_number if self.display_number is not None else self.number

    def label(self, lang: str = "ko") -> str:
        """The table in words ("3번 테이블 · 자연과 공존하는 생명의 도시 청주"), never its key."""
        name = self.cluster.name(lang)
        return f"Table {self.shown_number} · {name}" if lang == "en" else f"{self.shown_number}번 테이블 · {name}"


class Registration(db.Model):
    """One organisation (or individual citizen) attending one meeting."""

    __tablename__ = "meeting_registrations"
    __table_args__ = (
        # One live registration per organisation and meeting; cancelled ones stay as history.
        sa.Index(
            "uq_meeting_registrations_active", "meeting_id", "organisation_id", unique=True,
            sqlite_where=sa.text("status <> 'cancelled'"),
            postgresql_where=sa.text("status <> 'cancelled'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(sa.String(16), index=True)
    attendees: Mapped[int] = mapped_column(default=1)
    # Optional names of the people coming (for the sign-in sheet only; purpose shown on the form).
    attendee_names: Mapped[list] = mapped_column(sa.JSON, default=list)
    preferred_cluster_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clusters.id", ondelete="SET NULL"))
    accessibility: Mapped[str] = mapped_column(sa.String(500), default="")
    # The umbrella body (federation, parent organisation) the group belongs to, if any: two groups
    # of one body are never seated at one table.
    umbrella: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    source: Mapped[str] = mapped_column(sa.String(16), default="web")  # web | organiser | bot | walkin
    # SHA-256 of the private link token; the check-in code is derived from the token.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    checkin_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    promoted_at: Mapped[datetime | None] = mapped_column()
    cancelled_at: Mapped[datetime | None] = mapped_column()
    checked_in_at: Mapped[datetime | None] = mapped_column()
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    table_id: Mapped[int | None] = mapped_column(sa.ForeignKey("breakout_tables.id", ondelete="SET NULL"), index=True)
    table_locked: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship()
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    preferred_cluster: Mapped[Cluster | None] = relationship()
    table: Mapped[BreakoutTable | None] = relationship()

    @property
    def is_confirmed(self) -> bool:
        return self.status == RegistrationStatus.CONFIRMED

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"


class AssignmentChange(db.Model):
    """Log of every change of a breakout table assignment: who, when, from, to."""

    __tablename__ = "meeting_assignment_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_registrations.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(sa.String(16))  # organiser | optimiser | system | group
    actor_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(sa.String(16))      # assign | move | lock | unlock | release
    from_table_id: Mapped[int | None] = mapped_column(sa.ForeignKey("breakout_tables.id", ondelete="SET NULL"))
    to_table_id: Mapped[int | None] = mapped_column(sa.ForeignKey("breakout_tables.id", ondelete="SET NULL"))

    registration: Mapped[Registration] = relationship()
    from_table: Mapped[BreakoutTable | None] = relationship(foreign_keys=[from_table_id])
    to_table: Mapped[BreakoutTable | None] = relationship(foreign_keys=[to_table_id])


joint_action_goals = sa.Table(
    "joint_action_goals",
    db.metadata,
    sa.Column("joint_action_id", sa.ForeignKey("joint_actions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("goal_number", sa.ForeignKey("goals.number"), primary_key=True),
)

joint_action_partners = sa.Table(
    "joint_action_partners",
    db.metadata,
    sa.Column("joint_action_id", sa.ForeignKey("joint_actions.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("organisation_id", sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
)


class JointAction(db.Model):
    """The joint action for the year a breakout table agreed on (올해 공동 실천 행동)."""

    __tablename__ = "joint_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    network_id: Mapped[int] = mapped_column(sa.ForeignKey("networks.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    table_id: Mapped[int] = mapped_column(
        sa.ForeignKey("breakout_tables.id", ondelete="CASCADE"), unique=True
    )
    cluster_id: Mapped[int | None] = mapped_column(sa.ForeignKey("clusters.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    lead_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    meeting: Mapped[Meeting] = relationship()
    table: Mapped[BreakoutTable] = relationship()
    cluster: Mapped[Cluster | None] = relationship()
    lead_organisation: Mapped[Organisation | None] = relationship()
    goals: Mapped[list[Goal]] = relationship(secondary=joint_action_goals, order_by=Goal.number, lazy="selectin")
    partners: Mapped[list[Organisation]] = relationship(
        secondary=joint_action_partners, order_by=Organisation.name, lazy="selectin"
    )
