"""Signing and withdrawing the network pledge (협약), once per group and edition.

API (web-agnostic; domain errors out; ``flush`` never ``commit``): ``sign_pledge(organisation,
signer_name, goals, joint_action='', *, actor_kind='group', edition=None) -> Pledge`` records a
signature of the network's current pledge version for the current edition (or ``edition``), with
the SDGs the group commits to (defaults to the group's own SDGs when ``goals`` is empty) and an
optional joint action; a second signature for the same edition raises ``Conflict`` (also under a
race, via the partial unique index ``uq_pledges_active``). ``withdraw_pledge(pledge, *,
actor_kind)`` marks one pledge withdrawn and keeps it as history; ``withdraw_pledges_of(org)``
withdraws all active ones; ``active_pledge(org, edition=None)``, ``active_pledges(orgs)`` and
``pledges_of(org)`` read.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from ..db_session import insert_persistent, savepoint
from ..errors import Conflict, Invalid
from ..extensions import db
from ..goals.services import goals_by_number
from ..organisations import validation
from ..organisations.history import record_change, write_changes
from ..organisations.models import Organisation, OrganisationStatus
from ..timeutil import utcnow
from .models import Pledge, pledge_goals


def active_pledge(org: Organisation, edition: int | None = None) -> Pledge | None:
    edition = edition or org.network.current_edition
    return db.session.scalar(sa.select(Pledge).where(
        Pledge.organisation_id == org.id, Pledge.edition == edition, Pledge.withdrawn_at.is_(None)))


def active_pledges(orgs: Iterable[Organisation], *, chunk: int = 500) -> dict[int, Pledge]:
    """``active_pledge`` for many groups: {organisation id: pledge} (lists, exports).

    One query per network edition and per ``chunk`` groups, each naming its edition, instead of
    one ``IN`` list of every id (SQLite allows 32,766 variables; long lists are slow everywhere)."""
    by_edition: dict[int, list[int]] = {}
    for org in orgs:
        by_edition.setdefault(org.network.current_edition, []).append(org.id)
    out: dict[int, Pledge] = {}
    for edition, ids in by_edition.items():
        for start in range(0, len(ids), chunk):
            out.update((p.organisation_id, p) for p in db.session.scalars(sa.select(Pledge).where(
                Pledge.organisation_id.in_(ids[start:start + chunk]), Pledge.edition == edition,
                Pledge.withdrawn_at.is_(None))))
    return out


def pledges_of(org: Organisation) -> list[Pledge]:
    return list(db.session.scalars(
        sa.select(Pledge).where(Pledge.organisation_id == org.id).order_by(Pledge.signed_at.desc(), Pledge.id.desc())))


def sign_pledge(organisation: Organisation, signer_name: str, goals: Iterable[int] = (), joint_action: str = "",
                *, actor_kind: str = "group", actor_user_id: int | None = None,
                edition: int | None = None, renewed_from: int | None = None, new_group: bool = False) -> Pledge:
    """Sign the network pledge for ``organisation`` (see module doc).

    ``new_group``: the group was registered in this same transaction, so no other pledge of it can
    exist or race this one, and the INSERT needs no savepoint (two round trips fewer)."""
    if organisation.status == OrganisationStatus.WITHDRAWN:
        raise Conflict("A withdrawn group cannot sign the pledge.")
    signer = validation.clean_text(signer_name, "signer_name", required=True)
    action = validation.clean_text(joint_action, "joint_action", multiline=True)
    numbers = validation.clean_goals(goals) or organisation.goal_numbers
    if not numbers:
        raise Invalid("Please choose at least one SDG.", field="goals")
    network = organisation.network
    edition = edition or network.current_edition
    # One active pledge per group and edition is the index ``uq_pledges_active``: a second one fails
    # its INSERT (in a savepoint) whether it comes from this request or a concurrent one.
    pledge = Pledge(organisation_id=organisation.id, network_id=organisation.network_id, edition=edition,
                    pledge_version=network.pledge_version, signer_name=signer, joint_action=action,
                    signed_at=utcnow(), withdrawn_at=None)
    if new_group:
        # Plain INSERTs (the pledge, its goals by number, its history entry): the goals' rows are
        # neither loaded nor tracked (``pledge.goals`` loads them if read).
        insert_persistent([pledge], network_id=organisation.network_id)
        db.session.execute(sa.insert(pledge_goals), [{"pledge_id": pledge.id, "goal_number": n}
                                                     for n in sorted(numbers)],
                           execution_options={"network_id": organisation.network_id})
        set_committed_value(pledge, "organisation", organisation)
    else:
        pledge.goals = goals_by_number(numbers)
        nested = savepoint()
        try:
            db.session.add(pledge)
            db.session.flush()
        except IntegrityError:
            nested.rollback()
            raise Conflict("This group has already signed the pledge for %(edition)d.", edition=edition) from None
        nested.commit()
    action = "pledge_renewed" if renewed_from else "pledge_signed"
    details = {"edition": edition, "pledge_version": network.pledge_version, "goals": numbers}
    if renewed_from:
        details["renewed_from"] = renewed_from
    if new_group:
        write_changes(organisation, actor_kind, actor_user_id, [(action, details)])
    else:
        record_change(organisation, action, actor_kind, actor_user_id, **details)
    db.session.flush()
    return pledge


def withdraw_pledge(pledge: Pledge, *, actor_kind: str = "group", actor_user_id: int | None = None) -> Pledge:
    if pledge.withdrawn_at is None:
        pledge.withdrawn_at = utcnow()
        record_change(pledge.organisation, "pledge_withdrawn", actor_kind, actor_user_id, edition=pledge.edition)
        db.session.flush()
    return pledge


def withdraw_pledges_of(org: Organisation, *, actor_kind: str = "group", actor_user_id: int | None = None) -> int:
    active = [p for p in pledges_of(org) if p.withdrawn_at is None]
    for pledge in active:
        withdraw_pledge(pledge, actor_kind=actor_kind, actor_user_id=actor_user_id)
    return len(active)


def count_pledges(network, edition: int, among: Iterable[int] | None = None) -> int:
    """Active pledges of ``edition`` in ``network`` (optionally only of the groups ``among``)."""
    stmt = sa.select(sa.func.count(Pledge.id)).where(
        Pledge.network_id == network.id, Pledge.edition == edition, Pledge.withdrawn_at.is_(None))
    if among is not None:
        ids = list(among)
        if not ids:
            return 0
        stmt = stmt.where(Pledge.organisation_id.in_(ids))
    return db.session.scalar(stmt) or 0


# --- hooks into the organisations domain (connected in init_app) ------------------------------

def on_organisation_withdrawn(org: Organisation, *, actor_kind: str, actor_user_id: int | None = None) -> None:
    withdraw_pledges_of(org, actor_kind=actor_kind, actor_user_id=actor_user_id)


def on_personal_data_erased(org: Organisation, **_) -> None:
    db.session.execute(sa.update(Pledge).where(Pledge.organisation_id == org.id)
                       .values(signer_name="", joint_action=""))


def pledged_filter(stmt: sa.Select, network, filters) -> sa.Select:
    """The organisation list's ``pledged`` filter: an active pledge in the current edition."""
    if filters.pledged is None:
        return stmt
    active = sa.exists().where(Pledge.organisation_id == Organisation.id,
                               Pledge.edition == network.current_edition, Pledge.withdrawn_at.is_(None))
    return stmt.where(active if filters.pledged else ~active)
