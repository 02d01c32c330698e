"""Breakout groups: set-up per cluster, optimiser runs, manual moves and locks, joint actions.

Every change of a table assignment is logged in ``AssignmentChange`` (who, when, from, to).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..goals.models import Goal
from ..networks.models import Cluster, Network
from ..organisations.models import Organisation, OrganisationKind
from ..timeutil import utcnow
from . import assignment
from .models import (AssignmentChange, BreakoutSetup, BreakoutTable, JointAction, Meeting, Registration,
                     RegistrationStatus)

MAX_TABLES = 2000
MAX_SEATS = 100


def _log(meeting: Meeting, registration: Registration, *, action: str, actor_kind: str,
         actor_user_id: int | None, from_table_id: int | None, to_table_id: int | None) -> None:
    db.session.add(AssignmentChange(
        meeting_id=meeting.id, registration_id=registration.id, actor_kind=actor_kind,
        actor_user_id=actor_user_id, action=action, from_table_id=from_table_id, to_table_id=to_table_id,
        at=utcnow(),
    ))


def set_breakouts(meeting: Meeting, setup: dict[int, tuple[int, int]], *, actor_user_id: int | None = None) -> None:
    """Which clusters run groups: {cluster_id: (tables, seats_per_table)}; 0 tables = no group.

    Tables are created or removed to match; people seated at a removed table lose their seat
    (logged as "release") and are placed again by the next optimiser run.
    """
    cluster_ids = {c.id for c in meeting.network.clusters}
    for cluster_id, (tables, seats) in setup.items():
        if cluster_id not in cluster_ids:
            raise Invalid("Choose one of the network's clusters.")
        if not 0 <= int(tables) <= MAX_TABLES or not 1 <= int(seats) <= MAX_SEATS:
            raise Invalid("Tables must be between 0 and %(tables)s and seats between 1 and %(seats)s.",
                          tables=MAX_TABLES, seats=MAX_SEATS)
    existing = {b.cluster_id: b for b in meeting.breakouts}
    for cluster_id, (tables, seats) in setup.items():
        row = existing.get(cluster_id)
        if row is None:
            meeting.breakouts.append(BreakoutSetup(cluster_id=cluster_id, tables=int(tables), seats_per_table=int(seats)))
        else:
            row.tables, row.seats_per_table = int(tables), int(seats)
    db.session.flush()
    wanted = {b.cluster_id: b for b in meeting.breakouts}
    current = db.session.scalars(sa.select(BreakoutTable).where(BreakoutTable.meeting_id == meeting.id))
    have: dict[tuple[int, int], BreakoutTable] = {(t.cluster_id, t.number): t for t in current}
    for (cluster_id, number), table in have.items():
        spec = wanted.get(cluster_id)
        if spec is None or number > spec.tables:
            for registration in db.session.scalars(sa.select(Registration).where(Registration.table_id == table.id)):
                _log(meeting, registration, action="release", actor_kind="organiser", actor_user_id=actor_user_id,
                     from_table_id=table.id, to_table_id=None)
                registration.table_id, registration.table_locked = None, False
            db.session.flush()
            db.session.delete(table)
        else:
            table.seats = spec.seats_per_table
    for cluster_id, spec in wanted.items():
        for number in range(1, spec.tables + 1):
            if (cluster_id, number) not in have:
                db.session.add(BreakoutTable(meeting_id=meeting.id, cluster_id=cluster_id, number=number,
                                             seats=spec.seats_per_table))
    db.session.flush()
    db.session.expire(meeting, ["tables"])


def tables(meeting: Meeting) -> list[BreakoutTable]:
    """The meeting's tables in cluster order (the network's cluster positions), then number."""
    return list(db.session.scalars(
        sa.select(BreakoutTable).join(Cluster, Cluster.id == BreakoutTable.cluster_id)
        .where(BreakoutTable.meeting_id == meeting.id).order_by(Cluster.position, Cluster.id, BreakoutTable.number)
    ))


def get_table(meeting: Meeting, table_id: int) -> BreakoutTable:
    table = db.session.get(BreakoutTable, table_id) if 0 < table_id <= 2**31 - 1 else None
    if table is None or table.meeting_id != meeting.id:
        raise NotFound("There is no such table.")
    return table


def seating(meeting: Meeting) -> tuple[list[tuple[BreakoutTable, list[Registration]]], list[Registration]]:
    """([(table, its confirmed registrations by name)], confirmed registrations without a table)."""
    confirmed = db.session.scalars(sa.select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.CONFIRMED))
    by_table: dict[int, list[Registration]] = {}
    unseated = []
    for registration in confirmed:
        if registration.table_id is None:
            unseated.append(registration)
        else:
            by_table.setdefault(registration.table_id, []).append(registration)
    result = [(t, sorted(by_table.get(t.id, []), key=lambda r: r.organisation.name)) for t in tables(meeting)]
    return result, sorted(unseated, key=lambda r: r.organisation.name)


def classifier_cluster_scores(organisations: list[Organisation], clusters: list[Cluster]) -> list[dict[int, float]]:
    """Classifier scores per cluster index for each organisation; {} where there are none.

    Reads the matching domain's last stored suggestion (``MatchingSuggestion.result["clusters"]``,
    keyed by cluster key). Groups without one fall back on the classifier's stored SDG scores
    (``OrganisationGoal.suggested_score``) mapped through the network's cluster→SDG mapping
    (best SDG score within the cluster).
    """
    index = {c.key: k for k, c in enumerate(clusters)}
    stored: dict[int, dict[int, float]] = {}
    try:
        from ..matching.models import MatchingSuggestion
    except ImportError:  # pragma: no cover - the matching domain is optional
        MatchingSuggestion = None
    if MatchingSuggestion is not None and organisations:
        ids = [o.id for o in organisations]
        for start in range(0, len(ids), 500):
            rows = db.session.scalars(sa.select(MatchingSuggestion).where(
                MatchingSuggestion.organisation_id.in_(ids[start:start + 500])))
            for row in rows:
                clusters_scored = (row.result or {}).get("clusters") or []
                stored[row.organisation_id] = {
                    index[item["key"]]: float(item["score"]) for item in clusters_scored
                    if isinstance(item, dict) and item.get("key") in index and item.get("score") is not None
                }
    cluster_goals = [set(c.goal_numbers) for c in clusters]
    result = []
    for organisation in organisations:
        if organisation.id in stored:
            result.append(stored[organisation.id])
            continue
        goal_scores = {link.goal_number: link.suggested_score for link in organisation.goal_links
                       if link.suggested_score is not None}
        scores = {}
        for k, goals in enumerate(cluster_goals):
            best = max((goal_scores[g] for g in goals if g in goal_scores), default=None)
            if best is not None:
                scores[k] = best
        result.append(scores)
    return result


def _conflict_keys(registration: Registration) -> tuple[str, ...]:
    """Keys two groups at one table must not share: the umbrella body, the contact person, the
    named attendees (the same person registered by two groups)."""
    keys = []
    umbrella = " ".join((registration.umbrella or "").split()).casefold()
    if umbrella:
        keys.append("umbrella:" + umbrella)
    contact = registration.organisation.contact_key
    if contact and not registration.organisation.is_erased:
        keys.append("contact:" + contact)
    keys.extend("person:" + " ".join(n.split()).casefold() for n in registration.attendee_names or [] if n.strip())
    return tuple(dict.fromkeys(keys))


KINDS = list(OrganisationKind)


def _problem_inputs(meeting: Meeting, regs: list[Registration], table_rows: list[BreakoutTable]):
    running = []
    for t in table_rows:
        if t.cluster_id not in running:
            running.append(t.cluster_id)
    clusters = [db.session.get(Cluster, cid) for cid in running]
    cluster_index = {cid: k for k, cid in enumerate(running)}
    orgs = [r.organisation for r in regs]
    sizes = [r.attendees for r in regs]
    fit = assignment.fit_matrix(
        sizes=sizes,
        organisation_goals=[o.goal_numbers for o in orgs],
        cluster_goals=[set(c.goal_numbers) for c in clusters],
        classifier_scores=classifier_cluster_scores(orgs, clusters),
        confirmed_cluster=[cluster_index.get(o.cluster_id) for o in orgs],
        preferred_cluster=[cluster_index.get(r.preferred_cluster_id) for r in regs],
    )
    goals = np.zeros((len(regs), 17), dtype=bool)
    for i, o in enumerate(orgs):
        for number in o.goal_numbers:
            goals[i, number - 1] = True
    kinds = np.array([KINDS.index(o.kind) if o.kind in KINDS else len(KINDS) for o in orgs], dtype=int)
    return clusters, cluster_index, fit.reshape(len(regs), len(clusters)), goals, kinds


def target_of(meeting: Meeting) -> assignment.TableTarget:
    return assignment.TableTarget(min_people=meeting.table_min_people, max_people=meeting.table_max_people,
                                  min_groups=meeting.table_min_groups)


def run_assignment(meeting: Meeting, *, actor_user_id: int | None = None, arrived_only: bool = False) -> dict:
    """Seat every confirmed registration that is not locked; returns the run's figures.

    Locked registrations keep their table; the optimiser places the rest (see ``assignment``).
    ``arrived_only`` (on the day): groups that have not checked in lose their seat unless locked,
    and only the tables the arrivals need are used. Used tables are numbered 1..n for printing.
    """
    table_rows = tables(meeting)
    table_index = {t.id: j for j, t in enumerate(table_rows)}
    confirmed = list(db.session.scalars(sa.select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.CONFIRMED,
    ).order_by(Registration.id)))
    regs, absent = [], []
    for r in confirmed:
        (absent if arrived_only and r.checked_in_at is None and not r.table_locked else regs).append(r)
    clusters, _cluster_index, fit, goals, kinds = _problem_inputs(meeting, regs, table_rows)
    locked = np.array([table_index.get(r.table_id, -1) if r.table_locked else -1 for r in regs], dtype=int)
    problem = assignment.Problem(
        sizes=np.array([r.attendees for r in regs], dtype=int), fit=fit,
        table_cluster=np.array([clusters.index(t.cluster) for t in table_rows], dtype=int),
        table_seats=np.array([t.seats for t in table_rows], dtype=int), locked=locked,
        kinds=kinds, goals=goals, keys=[_conflict_keys(r) for r in regs],
        cluster_goals=[set(c.goal_numbers) for c in clusters], target=target_of(meeting),
    )
    solution = assignment.solve(problem)
    changed = 0
    for registration, j in [*zip(regs, solution.table, strict=True), *((r, -1) for r in absent)]:
        new_id = table_rows[j].id if j >= 0 else None
        if new_id != registration.table_id:
            _log(meeting, registration, action="assign" if new_id else "release", actor_kind="optimiser",
                 actor_user_id=actor_user_id, from_table_id=registration.table_id, to_table_id=new_id)
            registration.table_id = new_id
            changed += 1
    used = {int(j) for j in solution.table if j >= 0}
    for number, j in enumerate(sorted(used), start=1):
        table_rows[j].display_number = number
    for j, table in enumerate(table_rows):
        if j not in used:
            table.display_number = None
    weights = problem.weights
    summary = solution.as_dict() | {
        "changed": changed, "seated": len(regs) - len(solution.unassigned), "absent": len(absent),
        "arrived_only": arrived_only, "at": utcnow().isoformat(timespec="seconds"),
        "tables_total": len(table_rows),
        "merges": [{"cluster_id": clusters[m.cluster].id, "into_id": clusters[m.into].id, "groups": m.groups,
                    "people": m.people, "shared_goals": list(m.shared_goals)} for m in solution.merges],
        "weights": {"kinds": weights.kinds, "partner": weights.partner, "size": weights.size, "few": weights.few},
        "target": {"min_people": meeting.table_min_people, "max_people": meeting.table_max_people,
                   "min_groups": meeting.table_min_groups},
    }
    meeting.assignment_summary = summary
    db.session.flush()
    return summary


def _seated_by_table(meeting: Meeting) -> dict[int, list[Registration]]:
    by_table: dict[int, list[Registration]] = {}
    for r in db.session.scalars(sa.select(Registration).where(
            Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.CONFIRMED,
            Registration.table_id.is_not(None))):
        by_table.setdefault(r.table_id, []).append(r)
    return by_table


def seat_arrival(registration: Registration, *, actor_user_id: int | None = None) -> BreakoutTable | None:
    """Seat a confirmed registration without a table at the table with room that fits it best: the
    cluster fit plus what it adds to the table's mix (a new kind, a complementary partner, size
    towards the target); a spare table is opened only when no used table has room.
    Returns the table, or None when the meeting has no table with room."""
    if registration.table_id is not None:
        return registration.table
    meeting = registration.meeting
    table_rows = tables(meeting)
    if not table_rows:
        return None
    by_table = _seated_by_table(meeting)
    clusters, cluster_index, fit, goals, kinds = _problem_inputs(meeting, [registration], table_rows)
    members = {t.id: by_table.get(t.id, []) for t in table_rows}
    all_members = [r for rs in members.values() for r in rs]
    _c, _i, _f, member_goals, member_kinds = _problem_inputs(meeting, all_members, table_rows)
    position = {r.id: x for x, r in enumerate(all_members)}
    own_keys = set(_conflict_keys(registration))
    target = target_of(meeting)
    best, best_score = None, -np.inf
    for spare_pass in (False, True):
        for table in table_rows:
            seated = members[table.id]
            if bool(seated) == spare_pass:
                continue
            load = sum(r.attendees for r in seated)
            if load + registration.attendees > table.seats:
                continue
            if any(own_keys & set(_conflict_keys(r)) for r in seated):
                continue
            idx = [position[r.id] for r in seated]
            score = float(fit[0, cluster_index[table.cluster_id]])
            if idx:
                kinds_here = set(member_kinds[idx].tolist())
                partners = [x for x in idx if member_kinds[x] != kinds[0] and (member_goals[x] & goals[0]).any()]
                score += float(kinds[0] not in kinds_here) + float(bool(partners))
                # Room towards the target size first, then the table with fewest people.
                score -= max(0, load + registration.attendees - target.max_people) + 1e-3 * load
            if score > best_score:
                best, best_score = table, score
        if best is not None:
            break
    if best is None:
        return None
    if best.display_number is None:
        best.display_number = 1 + max((t.display_number or 0 for t in table_rows), default=0)
    _log(meeting, registration, action="assign", actor_kind="system", actor_user_id=actor_user_id,
         from_table_id=None, to_table_id=best.id)
    registration.table_id = best.id
    db.session.flush()
    return best


def move_registration(registration: Registration, table: BreakoutTable | None, *,
                      actor_user_id: int | None, lock: bool = True) -> None:
    """Move a group to ``table`` (None: take it off its table), locked by default so re-runs keep it."""
    meeting = registration.meeting
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Conflict("Only confirmed registrations have a table.")
    if table is not None:
        if table.meeting_id != meeting.id:
            raise NotFound("There is no such table.")
        seated = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Registration.attendees), 0)).where(
            Registration.table_id == table.id, Registration.id != registration.id,
            Registration.status == RegistrationStatus.CONFIRMED))
        if seated + registration.attendees > table.seats:
            raise Conflict("That table has no room for this group.")
    new_id = table.id if table is not None else None
    if new_id != registration.table_id:
        _log(meeting, registration, action="move", actor_kind="organiser", actor_user_id=actor_user_id,
             from_table_id=registration.table_id, to_table_id=new_id)
        registration.table_id = new_id
    registration.table_locked = lock and new_id is not None
    db.session.flush()


def set_locked(registration: Registration, locked: bool, *, actor_user_id: int | None) -> None:
    if registration.table_locked == locked:
        return
    if locked and registration.table_id is None:
        raise Conflict("Seat the group at a table before locking it.")
    _log(registration.meeting, registration, action="lock" if locked else "unlock", actor_kind="organiser",
         actor_user_id=actor_user_id, from_table_id=registration.table_id, to_table_id=registration.table_id)
    registration.table_locked = locked
    db.session.flush()


def assignment_changes(meeting: Meeting, limit: int = 200) -> list[AssignmentChange]:
    return list(db.session.scalars(
        sa.select(AssignmentChange).where(AssignmentChange.meeting_id == meeting.id)
        .order_by(AssignmentChange.id.desc()).limit(limit)
    ))


# --- joint actions ----------------------------------------------------------------------------

def record_joint_action(table: BreakoutTable, *, title: str, description: str = "",
                        goal_numbers: list[int] = (), lead_organisation_id: int | None = None,
                        partner_ids: list[int] = ()) -> JointAction:
    """Create or replace the joint action a table agreed on. Lead and partners must sit at the table."""
    title = " ".join((title or "").split())[:200]
    if not title:
        raise Invalid("A joint action needs a title.", field="title")
    members = {r.organisation_id for r in db.session.scalars(sa.select(Registration).where(
        Registration.table_id == table.id, Registration.status == RegistrationStatus.CONFIRMED))}
    chosen = set(partner_ids) | ({lead_organisation_id} if lead_organisation_id else set())
    if not chosen <= members:
        raise Invalid("Lead and partners must be groups seated at this table.", field="partners")
    goals = list(db.session.scalars(sa.select(Goal).where(Goal.number.in_(list(goal_numbers)))))
    action = db.session.scalar(sa.select(JointAction).where(JointAction.table_id == table.id))
    if action is None:
        action = JointAction(table_id=table.id, meeting_id=table.meeting_id, network_id=table.meeting.network_id,
                             cluster_id=table.cluster_id)
        db.session.add(action)
    action.title, action.description = title, (description or "").strip()[:5000]
    action.lead_organisation_id = lead_organisation_id
    action.goals = goals
    action.partners = list(db.session.scalars(
        sa.select(Organisation).where(Organisation.id.in_(list(set(partner_ids) - {lead_organisation_id})))))
    db.session.flush()
    return action


def joint_actions_for_network(network: Network) -> list[JointAction]:
    """The network's joint actions, newest meeting first, then by cluster and table."""
    return list(db.session.scalars(
        sa.select(JointAction).join(Meeting, Meeting.id == JointAction.meeting_id)
        .join(BreakoutTable, BreakoutTable.id == JointAction.table_id)
        .where(JointAction.network_id == network.id)
        .order_by(Meeting.starts_at.desc(), JointAction.cluster_id, BreakoutTable.number)
    ))


def joint_action_for_table(table: BreakoutTable) -> JointAction | None:
    return db.session.scalar(sa.select(JointAction).where(JointAction.table_id == table.id))


def joint_actions_by_table(meeting: Meeting) -> dict[int, JointAction]:
    """The meeting's joint actions keyed by table id (one query, not one per table)."""
    return {action.table_id: action for action in db.session.scalars(
        sa.select(JointAction).where(JointAction.meeting_id == meeting.id))}


# --- the plan in words --------------------------------------------------------------------------

@dataclass
class TableMix:
    table: BreakoutTable
    members: list[Registration]
    people: int
    kinds: list[str]                 # kinds of group at the table (OrganisationKind values)
    guests: list[Cluster]            # clusters merged into this table's cluster
    partnered: int                   # groups sitting with a complementary group


@dataclass
class Plan:
    """What an organiser reads on the breakout page instead of solver figures."""

    tables: list[TableMix]
    spare: list[BreakoutTable]
    unseated: list[Registration]
    merges: list[dict]               # {"cluster": Cluster, "into": Cluster, "groups", "people", "shared_goals"}

    @property
    def groups(self) -> int:
        return sum(len(t.members) for t in self.tables)

    @property
    def people(self) -> int:
        return sum(t.people for t in self.tables)

    @property
    def min_groups(self) -> int:
        return min((len(t.members) for t in self.tables), default=0)

    @property
    def max_groups(self) -> int:
        return max((len(t.members) for t in self.tables), default=0)

    @property
    def min_people(self) -> int:
        return min((t.people for t in self.tables), default=0)

    @property
    def max_people(self) -> int:
        return max((t.people for t in self.tables), default=0)

    @property
    def mixed_tables(self) -> int:
        """Tables with at least three kinds of group."""
        return sum(1 for t in self.tables if len(set(t.kinds)) >= 3)

    @property
    def company_and_ngo(self) -> int:
        return sum(1 for t in self.tables if {OrganisationKind.COMPANY, OrganisationKind.NGO} <= set(t.kinds))

    @property
    def partnered(self) -> int:
        return sum(t.partnered for t in self.tables)


def plan(meeting: Meeting) -> Plan:
    """The meeting's seating described for people: used tables with their mix, spare tables,
    groups without a seat, clusters merged by the last run and why."""
    seated, unseated = seating(meeting)
    clusters = {c.id: c for c in meeting.network.clusters}
    merges = []
    guests_of: dict[int, list[Cluster]] = {}
    for m in (meeting.assignment_summary or {}).get("merges", []):
        if m.get("cluster_id") in clusters and m.get("into_id") in clusters:
            merges.append(m | {"cluster": clusters[m["cluster_id"]], "into": clusters[m["into_id"]]})
            guests_of.setdefault(m["into_id"], []).append(clusters[m["cluster_id"]])
    mixes, spare = [], []
    for table, members in seated:
        if not members:
            spare.append(table)
            continue
        kinds = [r.organisation.kind for r in members]
        goal_sets = [set(r.organisation.goal_numbers) for r in members]
        partnered = sum(1 for i in range(len(members)) if any(
            j != i and kinds[j] != kinds[i] and goal_sets[i] & goal_sets[j] for j in range(len(members))))
        mixes.append(TableMix(table=table, members=members, people=sum(r.attendees for r in members), kinds=kinds,
                              guests=guests_of.get(table.cluster_id, []), partnered=partnered))
    mixes.sort(key=lambda t: (t.table.display_number or 10**6, t.table.cluster.position, t.table.number))
    return Plan(tables=mixes, spare=spare, unseated=unseated, merges=merges)
