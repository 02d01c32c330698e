"""The public network page: groups that agreed to be listed, and the year's joint actions.

Only groups the organisers approved and that agreed to ``public_listing`` ever leave this
module, and only public fields (never e-mail, phone or representative). A newly registered
group appears once approved; a withdrawn one is no longer approved.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from ..dashboard.stats import year_bounds
from ..extensions import db
from ..meetings.models import JointAction, Meeting
from ..networks.models import Cluster, Network
from ..organisations.models import Organisation, OrganisationGoal, OrganisationKind, OrganisationStatus
from ..pledges.models import Pledge

PER_PAGE = 30


def listed_conditions(network_id: int) -> list:
    return [
        Organisation.network_id == network_id,
        Organisation.public_listing.is_(True),
        Organisation.status == OrganisationStatus.APPROVED,
    ]


@dataclass
class DirectoryPage:
    groups: list[Organisation]
    total: int
    page: int
    pages: int


def listed_groups(network: Network, *, q: str = "", goal: int | None = None, cluster_id: int | None = None,
                  kind: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> DirectoryPage:
    conditions = listed_conditions(network.id)
    q = (q or "").strip()[:100]
    if q:
        conditions.append(sa.or_(Organisation.name.icontains(q, autoescape=True),
                                 Organisation.activities.icontains(q, autoescape=True)))
    if goal:
        conditions.append(sa.exists().where(
            OrganisationGoal.organisation_id == Organisation.id, OrganisationGoal.goal_number == goal,
            OrganisationGoal.selected.is_(True),
        ))
    if cluster_id:
        conditions.append(Organisation.cluster_id == cluster_id)
    if kind:
        conditions.append(Organisation.kind == kind)
    total = db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    groups = list(db.session.scalars(
        sa.select(Organisation).where(*conditions).order_by(Organisation.name, Organisation.id)
        .offset((page - 1) * per_page).limit(per_page)
    ))
    return DirectoryPage(groups, total, page, pages)


@dataclass
class JointActionItem:
    title: str
    description: str = ""
    cluster: Cluster | None = None
    goals: list[int] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # names of listed groups only
    source: str = "meeting"  # meeting | pledge


def _public_name(org: Organisation | None) -> str | None:
    if org is None or not org.public_listing or org.status != OrganisationStatus.APPROVED:
        return None
    if org.kind == OrganisationKind.INDIVIDUAL:
        return None
    return org.name


def joint_actions(network: Network, year: int, *, public: bool = True) -> list[JointActionItem]:
    """The year's joint actions: agreed at breakout tables (meetings' ``JointAction``), then the
    joint actions groups wrote on their pledges of that edition. With ``public``, group names
    appear only for publicly listed groups and pledge texts only of listed groups."""
    items = _meeting_joint_actions(network, year, public=public)
    query = (
        sa.select(Pledge).join(Organisation, Organisation.id == Pledge.organisation_id)
        .where(Pledge.network_id == network.id, Pledge.edition == year, Pledge.withdrawn_at.is_(None),
               Pledge.joint_action != "", Organisation.status != OrganisationStatus.WITHDRAWN)
        .options(contains_eager(Pledge.organisation).lazyload(Organisation.goal_links))
        .order_by(Pledge.signed_at, Pledge.id)
    )
    if public:
        query = query.where(Organisation.public_listing.is_(True), Organisation.status == OrganisationStatus.APPROVED)
    seen: dict[str, JointActionItem] = {}
    for pledge in db.session.scalars(query):
        text = pledge.joint_action.strip()
        if not text:
            continue
        item = seen.get(text)
        if item is None:
            item = seen[text] = JointActionItem(title=text, cluster=pledge.organisation.cluster,
                                                goals=[g.number for g in pledge.goals], source="pledge")
        name = _public_name(pledge.organisation) if public else pledge.organisation.name
        if name and name not in item.groups:
            item.groups.append(name)
    return items + list(seen.values())


def _meeting_joint_actions(network: Network, year: int, *, public: bool) -> list[JointActionItem]:
    """Joint actions agreed at breakout tables of the year's meetings."""
    start, end = year_bounds(year)
    rows = db.session.scalars(
        sa.select(JointAction).join(Meeting, Meeting.id == JointAction.meeting_id)
        .where(JointAction.network_id == network.id, Meeting.starts_at >= start, Meeting.starts_at < end)
        .options(selectinload(JointAction.lead_organisation))
        .order_by(JointAction.cluster_id, JointAction.id)
    )
    items = []
    for action in rows:
        orgs = [action.lead_organisation, *action.partners]
        names = []
        for org in orgs:
            name = _public_name(org) if public else (org.name if org else None)
            if name and name not in names:
                names.append(name)
        items.append(JointActionItem(
            title=action.title, description=action.description or "", cluster=action.cluster,
            goals=[g.number for g in action.goals], groups=names, source="meeting",
        ))
    return items
