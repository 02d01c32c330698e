"""The numbers behind the dashboard and the yearly report, counted in the database.

Definitions (the tests count the same things independently):

- a *group* is an organisation of the network that has not withdrawn; with a year filter, a
  group counts when it registered in that year (Korean time) or holds an active pledge of that
  edition;
- a *pledge* is an active (not withdrawn) pledge of a counted group; with a year filter, only
  pledges of that edition;
- groups per SDG use the goals a group currently works on (``selected`` goal links); pledges per
  SDG use the goals recorded on the pledge;
- *gaps* are the goals with the fewest groups: every goal whose count is at most the third
  smallest count.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..goals.models import Goal
from ..networks.models import Cluster, Network
from ..organisations.models import Organisation, OrganisationGoal, OrganisationKind, OrganisationStatus
from ..pledges.models import Pledge, pledge_goals
from ..timeutil import local_zone, to_local
from ..data_versions import cached

GAP_RANK = 3


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    kind: str | None = None
    cluster_id: int | None = None

    @classmethod
    def from_args(cls, args, network: Network, *, default_year: bool = True) -> Filters:
        """Read ``year``/``kind``/``cluster`` from a query string; bad values are ignored."""
        year: int | None = network.current_edition if default_year else None
        raw_year = (args.get("year") or "").strip()
        if raw_year == "all":
            year = None
        elif raw_year.isdigit() and 1900 < int(raw_year) < 3000:
            year = int(raw_year)
        kind = args.get("kind") or None
        if kind not in {k.value for k in OrganisationKind}:
            kind = None
        cluster_id = None
        raw_cluster = (args.get("cluster") or "").strip()
        for cluster in network.clusters:
            if raw_cluster in (cluster.key, str(cluster.id)):
                cluster_id = cluster.id
        return cls(year=year, kind=kind, cluster_id=cluster_id)


@dataclass
class GoalRow:
    number: int
    short_ko: str
    short_en: str
    colour: str
    groups: int = 0
    pledges: int = 0
    gap: bool = False
    cluster_keys: list[str] = field(default_factory=list)

    def short(self, lang: str) -> str:
        return self.short_en if lang == "en" else self.short_ko


@dataclass
class ClusterRow:
    cluster: Cluster | None  # None: groups without a cluster yet
    groups: int
    pledges: int

    def name(self, lang: str) -> str | None:
        return self.cluster.name(lang) if self.cluster else None


@dataclass
class NetworkStats:
    network: Network
    filters: Filters
    groups: int
    pledges: int
    goals: list[GoalRow]
    clusters: list[ClusterRow]
    kinds: dict[str, int]
    months: list[str]
    registrations_by_month: list[int]
    pledges_by_month: list[int]

    @property
    def gaps(self) -> list[GoalRow]:
        return [g for g in self.goals if g.gap]

    @property
    def goals_covered(self) -> int:
        return sum(1 for g in self.goals if g.groups)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """Start and end of ``year`` in local time, as naive UTC (how timestamps are stored)."""
    zone, utc = local_zone(), ZoneInfo("UTC")
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(utc).replace(tzinfo=None)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(utc).replace(tzinfo=None)
    return start, end


def local_month(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m")


def group_conditions(network: Network, filters: Filters) -> list:
    conditions = [Organisation.network_id == network.id, Organisation.status != OrganisationStatus.WITHDRAWN]
    if filters.kind:
        conditions.append(Organisation.kind == filters.kind)
    if filters.cluster_id:
        conditions.append(Organisation.cluster_id == filters.cluster_id)
    if filters.year:
        start, end = year_bounds(filters.year)
        if db.session.get_bind().dialect.name == "postgresql":
            # The same test as an uncorrelated IN (one hashed subplan): PostgreSQL's planner costs
            # the correlated EXISTS per group, which put the recount above jit_above_cost and spent
            # ~25 ms compiling it at 20,000 groups. SQLite probes the index per group faster.
            pledged = Organisation.id.in_(sa.select(Pledge.organisation_id).where(
                Pledge.edition == filters.year, Pledge.withdrawn_at.is_(None)))
        else:
            pledged = sa.select(Pledge.id).where(
                Pledge.organisation_id == Organisation.id, Pledge.edition == filters.year,
                Pledge.withdrawn_at.is_(None),
            ).exists()
        conditions.append(sa.or_(sa.and_(Organisation.created_at >= start, Organisation.created_at < end), pledged))
    return conditions


def pledge_conditions(network: Network, filters: Filters) -> list:
    conditions = [Pledge.network_id == network.id, Pledge.withdrawn_at.is_(None),
                  *group_conditions(network, Filters(kind=filters.kind, cluster_id=filters.cluster_id))]
    if filters.year:
        conditions.append(Pledge.edition == filters.year)
    return conditions


def _goal_rows(network: Network) -> list[GoalRow]:
    keys: dict[int, list[str]] = {}
    for cluster in network.clusters:
        for number in cluster.goal_numbers:
            keys.setdefault(number, []).append(cluster.key)
    return [
        GoalRow(g.number, g.short_ko, g.short_en, g.colour, cluster_keys=keys.get(g.number, []))
        for g in db.session.scalars(sa.select(Goal).order_by(Goal.number))
    ]


def _month_bucket(moment):
    """The local month ("YYYY-MM") of ``moment``, a naive-UTC column of a CTE, as a SQL expression,
    or None when that CTE holds no rows (a zone with daylight saving needs their range)."""
    bucket = _local_month_sql(moment, db.session.get_bind().dialect.name)
    if bucket is not None:
        return bucket
    first, last = db.session.execute(sa.select(sa.func.min(moment), sa.func.max(moment))).one()
    if first is None:
        return None
    edges = local_month_edges(first, last)
    return sa.case(*[(moment < end, label) for label, end in edges], else_=edges[-1][0])


def _counted_rows(network: Network, filters: Filters) -> tuple[tuple, tuple, tuple, tuple]:
    """The counts behind ``network_stats``, as plain rows: groups per (cluster, kind, local month),
    pledges per (cluster, local month), groups per goal and pledges per goal.

    One statement (plus a range look-up per CTE in a zone with daylight saving): the counted groups
    and the counted pledges are each selected once (a CTE named twice, which SQLite and PostgreSQL
    materialise), so the per-group "pledged this edition" test runs once per group, not per count."""
    groups = (sa.select(Organisation.id, Organisation.cluster_id, Organisation.kind, Organisation.created_at)
              .where(*group_conditions(network, filters)).cte("counted_groups"))
    pledges = (sa.select(Pledge.id, Organisation.cluster_id, Pledge.signed_at)
               .join(Organisation, Organisation.id == Pledge.organisation_id)
               .where(*pledge_conditions(network, filters)).cte("counted_pledges"))
    no_int, no_str = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.String)
    parts = []
    # Each row: (part, cluster_id, kind, month, goal_number, count); parts 0-3 as returned below.
    group_month = _month_bucket(groups.c.created_at)
    if group_month is not None:
        # Bucketed in a subquery and grouped by its column: a CASE with bound edges is not
        # recognised as the same expression in GROUP BY on PostgreSQL.
        rows = sa.select(groups.c.cluster_id, groups.c.kind, group_month.label("month")).subquery()
        # Month first: SQLite sorts the rows to group them, and a sort led by the month compares
        # fewer keys than one led by the (often NULL) cluster (~2 ms of ~25 at 20,000 groups).
        parts.append(sa.select(sa.literal_column("0"), rows.c.cluster_id, rows.c.kind, rows.c.month, no_int,
                               sa.func.count()).group_by(rows.c.month, rows.c.kind, rows.c.cluster_id))
    pledge_month = _month_bucket(pledges.c.signed_at)
    if pledge_month is not None:
        rows = sa.select(pledges.c.cluster_id, pledge_month.label("month")).subquery()
        parts.append(sa.select(sa.literal_column("1"), rows.c.cluster_id, no_str, rows.c.month, no_int,
                               sa.func.count()).group_by(rows.c.month, rows.c.cluster_id))
    # (organisation, goal) and (pledge, goal) are primary keys: plain counts are counts of groups/pledges.
    parts.append(sa.select(sa.literal_column("2"), no_int, no_str, no_str, OrganisationGoal.goal_number,
                           sa.func.count())
                 .join(groups, groups.c.id == OrganisationGoal.organisation_id)
                 .where(OrganisationGoal.selected.is_(True)).group_by(OrganisationGoal.goal_number))
    parts.append(sa.select(sa.literal_column("3"), no_int, no_str, no_str, pledge_goals.c.goal_number,
                           sa.func.count())
                 .join(pledges, pledges.c.id == pledge_goals.c.pledge_id).group_by(pledge_goals.c.goal_number))
    out: tuple[list, list, list, list] = ([], [], [], [])
    for part, cluster_id, kind, month, goal_number, n in db.session.execute(sa.union_all(*parts)):
        row = ((cluster_id, kind, month, n), (cluster_id, month, n), (goal_number, n), (goal_number, n))[int(part)]
        out[int(part)].append(row)
    return tuple(tuple(rows) for rows in out)


def network_stats(network: Network, filters: Filters | None = None) -> NetworkStats:
    """Every figure of the dashboard from one statement over the network (kept under the network's
    data version, see ``civicnet.data_versions``): groups counted per (cluster, kind, local month),
    pledges per (cluster, local month), and the two per-goal counts; totals, cluster rows, kinds and
    the timeline are summed from those few rows here."""
    filters = filters or Filters()
    group_rows, pledge_rows, goal_groups, goal_pledges = cached(
        network.id, ("stats", filters, local_zone().key), lambda: _counted_rows(network, filters))
    groups = sum(n for *_, n in group_rows)
    pledges = sum(n for *_, n in pledge_rows)
    group_by_cluster: Counter = Counter()
    kinds: Counter = Counter()
    registrations: Counter = Counter()
    for cluster_id, kind, month, n in group_rows:
        group_by_cluster[cluster_id] += n
        kinds[kind] += n
        registrations[month] += n
    pledge_by_cluster: Counter = Counter()
    signed: Counter = Counter()
    for cluster_id, month, n in pledge_rows:
        pledge_by_cluster[cluster_id] += n
        signed[month] += n

    goals = _goal_rows(network)
    by_number = {g.number: g for g in goals}
    for number, count in goal_groups:
        by_number[number].groups = count
    for number, count in goal_pledges:
        by_number[number].pledges = count
    counts = sorted(g.groups for g in goals)
    threshold = counts[min(GAP_RANK, len(counts)) - 1] if counts else 0
    for g in goals:
        g.gap = g.groups <= threshold

    clusters = [
        ClusterRow(c, group_by_cluster.get(c.id, 0), pledge_by_cluster.get(c.id, 0))
        for c in network.clusters if not filters.cluster_id or c.id == filters.cluster_id
    ]
    if group_by_cluster.get(None) or pledge_by_cluster.get(None):
        clusters.append(ClusterRow(None, group_by_cluster.get(None, 0), pledge_by_cluster.get(None, 0)))

    months = month_range(set(registrations) | set(signed))
    return NetworkStats(
        network=network, filters=filters, groups=groups, pledges=pledges, goals=goals, clusters=clusters,
        kinds=_ordered_kinds(dict(kinds)),
        months=months, registrations_by_month=[registrations.get(m, 0) for m in months],
        pledges_by_month=[signed.get(m, 0) for m in months],
    )


def local_month_edges(first: datetime, last: datetime) -> list[tuple[str, datetime]]:
    """(label, end) of every local month from the one holding ``first`` to the one holding ``last``
    (naive UTC in, naive UTC ends out), computed with the zone's rules, daylight saving included."""
    zone, utc = local_zone(), ZoneInfo("UTC")
    start, stop = to_local(first), to_local(last)
    year, month = start.year, start.month
    edges = []
    while (year, month) <= (stop.year, stop.month):
        nxt = (year + 1, 1) if month == 12 else (year, month + 1)
        end = datetime(*nxt, 1, tzinfo=zone).astimezone(utc).replace(tzinfo=None)
        edges.append((f"{year:04d}-{month:02d}", end))
        year, month = nxt
    return edges


@lru_cache(maxsize=16)
def fixed_offset_minutes(zone_name: str) -> int | None:
    """The zone's UTC offset in minutes when it has been the same since 1990 and stays so to 2100
    (Asia/Seoul: +540); None for zones with daylight saving or changes."""
    zone = ZoneInfo(zone_name)
    offsets = {datetime(y, m, 1, tzinfo=zone).utcoffset() for y in range(1990, 2101) for m in (1, 4, 7, 10)}
    if len(offsets) != 1:
        return None
    return int(offsets.pop().total_seconds() // 60)


def _local_month_sql(moment, dialect: str):
    """A "YYYY-MM" SQL expression of the local month of a naive-UTC ``moment``, or None when the
    zone's offset changes (daylight saving) or the database is neither SQLite nor PostgreSQL.
    Literals only (no bound parameters), so it groups the same on both databases."""
    minutes = fixed_offset_minutes(local_zone().key)
    if minutes is None:
        return None
    if dialect == "sqlite":
        return sa.func.strftime(sa.literal_column("'%Y-%m'"), moment, sa.literal_column(f"'{minutes:+d} minutes'"))
    if dialect == "postgresql":
        return sa.func.to_char(moment + sa.literal_column(f"interval '{minutes} minutes'"),
                               sa.literal_column("'YYYY-MM'"))
    return None


def grouped_counts(stmt: sa.Select, column) -> list[tuple]:
    """Rows of ``stmt`` counted per its other columns and the local month of ``column`` (one of its
    columns, naive UTC): [(*other values, "YYYY-MM", count)], bucketed in the database.

    A zone with a fixed offset (Korea) buckets with the database's own date functions; others get
    month edges computed here from the zone's rules, in one CASE expression (a first query finds
    the range). Either way SQLite and PostgreSQL return the same few rows, never one per group."""
    sub = stmt.subquery()
    moment = sub.c[column.key]
    others = [c for c in sub.c if c.key != column.key]
    bucket = _local_month_sql(moment, db.session.get_bind().dialect.name)
    if bucket is None:
        first, last = db.session.execute(sa.select(sa.func.min(moment), sa.func.max(moment))).one()
        if first is None:
            return []
        edges = local_month_edges(first, last)
        bucket = sa.case(*[(moment < end, label) for label, end in edges], else_=edges[-1][0])
    buckets = sa.select(*others, bucket.label("month")).subquery()
    keys = [buckets.c[c.key] for c in others] + [buckets.c.month]
    return [tuple(row) for row in db.session.execute(sa.select(*keys, sa.func.count()).group_by(*keys))]


def monthly_counts(column, stmt: sa.Select) -> Counter:
    """Rows of ``stmt`` (a SELECT of ``column``) per local month ("YYYY-MM"), counted in the database."""
    return Counter({month: n for month, n in grouped_counts(stmt, column)})


def month_range(months: set[str]) -> list[str]:
    """Every month from the first to the last present, so gaps in time show as zero."""
    if not months:
        return []
    first, last = min(months), max(months)
    year, month = int(first[:4]), int(first[5:])
    out = []
    while True:
        label = f"{year:04d}-{month:02d}"
        out.append(label)
        if label >= last:
            return out
        month += 1
        if month == 13:
            year, month = year + 1, 1



def _ordered_kinds(kinds: dict[str, int]) -> dict[str, int]:
    order = [k.value for k in OrganisationKind]
    return dict(sorted(kinds.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order), kv[0])))


@dataclass
class PlacingItem:
    """A group that still needs an organiser: no cluster yet, or no SDG kept."""
    organisation: Organisation
    needs_cluster: bool
    needs_goals: bool
    suggested_goals: list[int]   # the classifier's suggestions the group has not kept (yet)
    suggested_cluster: Cluster | None = None


def groups_to_place(network: Network, limit: int = 10) -> tuple[int, list[PlacingItem]]:
    """The organisers' work-list: how many groups (not withdrawn) lack a cluster or any SDG, and the
    ``limit`` oldest of them with the suggestions waiting on their page."""
    def work_list() -> tuple[int, tuple[int, ...]]:
        kept_goal = sa.exists().where(OrganisationGoal.organisation_id == Organisation.id, OrganisationGoal.selected)
        conds = (Organisation.network_id == network.id, Organisation.status != OrganisationStatus.WITHDRAWN,
                 sa.or_(Organisation.cluster_id.is_(None), ~kept_goal))
        # One scan: the window counts every matching row before LIMIT keeps the oldest few.
        rows = db.session.execute(sa.select(Organisation.id, sa.func.count().over()).where(*conds)
                                  .order_by(Organisation.created_at, Organisation.id).limit(limit)).all()
        return (rows[0][1] if rows else 0), tuple(r[0] for r in rows)

    # Counted under the network's data version; the few groups and their suggestions are read fresh.
    total, ids = cached(network.id, ("to_place", limit), work_list)
    found = {o.id: o for o in db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(ids)).options(selectinload(Organisation.goal_links)))}
    orgs = [found[i] for i in ids if i in found]
    from ..matching.models import MatchingSuggestion  # the classifier's last word on each group

    top = dict(db.session.execute(sa.select(MatchingSuggestion.organisation_id, MatchingSuggestion.top_cluster)
                                  .where(MatchingSuggestion.organisation_id.in_([o.id for o in orgs]))).all())
    clusters = {c.key: c for c in network.clusters}
    items = []
    for org in orgs:
        waiting = sorted((link for link in org.goal_links if link.suggested and not link.selected),
                         key=lambda link: -(link.suggested_score or 0))
        items.append(PlacingItem(organisation=org, needs_cluster=org.cluster_id is None,
                                 needs_goals=not org.goal_numbers,
                                 suggested_goals=[link.goal_number for link in waiting],
                                 suggested_cluster=clusters.get(top.get(org.id) or "") if org.cluster_id is None else None))
    return total, items
