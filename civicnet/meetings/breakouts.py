"""Breakout groups: set-up per cluster, optimiser runs, manual moves and locks, joint actions.

Every change of a table assignment is logged in ``AssignmentChange`` (who, when, from, to).
"""
from __future__ import annotations

import numpy as np
import sqlalchemy as sa

from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..goals.models import Goal
from ..networks.models import Cluster, Network
from ..organisations.models import Organisation
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
    table = db.session.get(BreakoutTable, table_id)
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


def run_assignment(meeting: Meeting, *, actor_user_id: int | None = None) -> dict:
    """Seat every confirmed registration that is not locked; returns the run's figures.

    Locked registrations keep their table; the optimiser places the rest (see ``assignment``).
    """
    table_rows = tables(meeting)
    running = []
    for t in table_rows:
        if t.cluster_id not in running:
            running.append(t.cluster_id)
    clusters = [db.session.get(Cluster, cid) for cid in running]
    cluster_index = {cid: k for k, cid in enumerate(running)}
    table_index = {t.id: j for j, t in enumerate(table_rows)}
    regs = list(db.session.scalars(sa.select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.CONFIRMED,
    ).order_by(Registration.id)))
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
    locked = np.array([table_index.get(r.table_id, -1) if r.table_locked else -1 for r in regs], dtype=int)
    problem = assignment.Problem(
        sizes=np.array(sizes, dtype=int), fit=fit.reshape(len(regs), len(clusters)),
        table_cluster=np.array([cluster_index[t.cluster_id] for t in table_rows], dtype=int),
        table_seats=np.array([t.seats for t in table_rows], dtype=int), locked=locked,
    )
    solution = assignment.solve(problem)
    changed = 0
    for registration, j in zip(regs, solution.table, strict=True):
        new_id = table_rows[j].id if j >= 0 else None
        if new_id != registration.table_id:
            _log(meeting, registration, action="assign", actor_kind="optimiser", actor_user_id=actor_user_id,
                 from_table_id=registration.table_id, to_table_id=new_id)
            registration.table_id = new_id
            changed += 1
    summary = solution.as_dict() | {"changed": changed, "seated": len(regs) - len(solution.unassigned),
                                    "at": utcnow().isoformat(timespec="seconds")}
    meeting.assignment_summary = summary
    db.session.flush()
    return summary


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
