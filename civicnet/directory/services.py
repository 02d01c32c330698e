"""The public network page: groups that agreed to be listed, and the year's joint actions.

Only groups the organisers approved and that agreed to ``public_listing`` ever leave this
module, and only public fields (never e-mail, phone or representative). A newly registered
group appears once approved; a withdrawn one is no longer approved.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..dashboard.stats import year_bounds
from ..data_versions import cached
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
    def count() -> int:
        return db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(*conditions)) or 0

    # Without a search text the count is kept under the network's data version (a page of 30 must
    # not count 20,000 groups each time); a search reads the names anyway.
    total = count() if q else cached(network.id, ("listed", goal, cluster_id, kind), count)
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
    more_groups: int = 0  # nameable groups beyond ``groups`` (summaries name only the first few)


@dataclass
class JointActionSummary:
    """The year's joint actions, possibly cut to the first ``len(items)`` (pages and the PDF)."""
    items: list[JointActionItem]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __bool__(self) -> bool:
        return bool(self.items)


def _public_name(org: Organisation | None) -> str | None:
    if org is None or not org.public_listing or org.status != OrganisationStatus.APPROVED:
        return None
    if org.kind == OrganisationKind.INDIVIDUAL:
        return None
    return org.name


def joint_actions(network: Network, year: int, *, public: bool = True) -> list[JointActionItem]:
    """The year's joint actions, complete: agreed at breakout tables (meetings' ``JointAction``),
    then the joint actions groups wrote on their pledges of that edition (one item per text, its
    groups in signing order). With ``public``, group names appear only for publicly listed groups
    and pledge texts only of listed groups."""
    return summarise_joint_actions(network, year, public=public).items


def summarise_joint_actions(network: Network, year: int, *, public: bool = True, limit: int | None = None,
                            names: int | None = None) -> JointActionSummary:
    """``joint_actions`` counted and cut in the database: at most ``limit`` items, each naming at
    most ``names`` groups (the rest counted in ``more_groups``). A page or a PDF of a network of
    20,000 groups stays the size of a summary."""
    items = _meeting_joint_actions(network, year, public=public)
    total = len(items)
    if limit is not None:
        items = items[:limit]
    pledge_total, pledge_items = _pledge_joint_actions(
        network, year, public=public, limit=None if limit is None else max(0, limit - len(items)), names=names)
    return JointActionSummary(items + pledge_items, total + pledge_total)


def _pledge_joint_actions(network: Network, year: int, *, public: bool, limit: int | None,
                          names: int | None) -> tuple[int, list[JointActionItem]]:
    """The joint actions written on pledges, counted under the network's data version (see
    ``civicnet.data_versions``) and rebuilt here with the network's own clusters."""
    total, rows = cached(network.id, ("pledge_actions", year, public, limit, names),
                         lambda: _pledge_joint_action_rows(network, year, public=public, limit=limit, names=names))
    clusters = {c.id: c for c in network.clusters}
    return total, [JointActionItem(title=title, cluster=clusters.get(cluster_id), goals=list(goals), groups=list(groups),
                                   source="pledge", more_groups=more) for title, cluster_id, goals, groups, more in rows]


def _pledge_joint_action_rows(network: Network, year: int, *, public: bool, limit: int | None,
                              names: int | None) -> tuple[int, tuple]:
    text = sa.func.trim(Pledge.joint_action)
    conditions = [Pledge.network_id == network.id, Pledge.edition == year, Pledge.withdrawn_at.is_(None),
                  text != "", Organisation.status != OrganisationStatus.WITHDRAWN]
    if public:
        conditions += [Organisation.public_listing.is_(True), Organisation.status == OrganisationStatus.APPROVED]
    nameable = (Organisation.kind != OrganisationKind.INDIVIDUAL) if public else sa.true()
    base = sa.select().select_from(Pledge).join(Organisation, Organisation.id == Pledge.organisation_id) \
        .where(*conditions)
    if limit == 0:
        return db.session.scalar(sa.select(sa.func.count()).select_from(
            base.add_columns(text.label("action_text")).group_by(text).subquery())) or 0, ()
    # One row per text: its first pledge (for the cluster and SDGs shown), how many groups to name,
    # and (a window over the grouped rows) how many texts there are in all.
    first = sa.func.min(Pledge.id)
    groups = (base.add_columns(text.label("action_text"), sa.func.min(Pledge.signed_at).label("at"),
                               first.label("first"),
                               sa.func.count(sa.distinct(sa.case((nameable, Organisation.id)))).label("named"),
                               sa.func.count().over().label("total"))
              .group_by(text).order_by(sa.func.min(Pledge.signed_at), first))
    if limit is not None:
        groups = groups.limit(limit)
    rows = db.session.execute(groups).all()
    if not rows:
        return 0, ()
    total = rows[0].total
    firsts = {p.id: p for p in db.session.scalars(
        sa.select(Pledge).where(Pledge.id.in_([r.first for r in rows]))
        .options(selectinload(Pledge.organisation).selectinload(Organisation.cluster)))}
    # Names in signing order, at most ``names`` per text (a window function on both databases).
    order = sa.func.row_number().over(partition_by=text, order_by=(Pledge.signed_at, Pledge.id))
    ranked = (base.add_columns(text.label("action_text"), Organisation.name.label("name"), order.label("n"))
              .where(nameable, text.in_([r.action_text for r in rows])).subquery())
    named = sa.select(ranked.c.action_text, ranked.c.name).order_by(ranked.c.action_text, ranked.c.n)
    if names is not None:
        named = named.where(ranked.c.n <= names)
    by_text: dict[str, list[str]] = {}
    for t, name in db.session.execute(named):
        listed = by_text.setdefault(t, [])
        if name not in listed:
            listed.append(name)
    items = []
    for r in rows:
        pledge = firsts[r.first]
        listed = by_text.get(r.action_text, [])
        items.append((r.action_text, pledge.organisation.cluster_id, tuple(g.number for g in pledge.goals),
                      tuple(listed), max(0, r.named - len(listed))))
    return total, tuple(items)


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
