"""Renewing the pledge when a network opens a new edition (year).

API (flush, never commit; domain errors out): ``previous_pledge(org, edition=None)`` is the
group's latest active pledge of an edition before ``edition`` (default: the current one);
``renewal_offer(org)`` is that pledge when the group may renew it now (not withdrawn, no pledge
for the current edition yet), else None; ``renew_pledge(org, edition=None, *, goals=None,
signer_name=None, joint_action='', actor_kind='group')`` signs ``edition``'s pledge with the
previous pledge's SDGs (or ``goals``, which then also become the group's SDGs) and signer;
``renewal_candidates(network, edition)`` lists the groups to invite (the invitations themselves
are notices: ``civicnet/notices/renewals.py``).
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..errors import Conflict
from ..extensions import db
from ..networks.models import Network
from ..organisations.models import Organisation, OrganisationStatus
from ..organisations.services import set_goals
from ..organisations.validation import clean_goals
from .models import Pledge
from .services import active_pledge, sign_pledge


def previous_pledge(org: Organisation, edition: int | None = None) -> Pledge | None:
    edition = edition or org.network.current_edition
    return db.session.scalar(
        sa.select(Pledge).where(Pledge.organisation_id == org.id, Pledge.edition < edition,
                                Pledge.withdrawn_at.is_(None))
        .order_by(Pledge.edition.desc(), Pledge.signed_at.desc(), Pledge.id.desc()).limit(1))


def renewal_offer(org: Organisation) -> Pledge | None:
    if org.status == OrganisationStatus.WITHDRAWN or org.is_erased:
        return None
    if active_pledge(org) is not None:
        return None
    return previous_pledge(org)


def renew_pledge(org: Organisation, edition: int | None = None, *, goals: Iterable[int] | None = None,
                 signer_name: str | None = None, joint_action: str = "", actor_kind: str = "group",
                 actor_user_id: int | None = None) -> Pledge:
    """Renew the group's latest pledge for ``edition`` (see the module doc). Raises ``Conflict``
    when there is nothing to renew or the edition is already signed, ``Invalid`` on bad SDGs."""
    edition = edition or org.network.current_edition
    previous = previous_pledge(org, edition)
    if previous is None:
        raise Conflict("There is no earlier pledge to renew; please sign this year's pledge.")
    numbers = clean_goals(goals) if goals is not None else []
    if numbers and sorted(numbers) != sorted(org.goal_numbers):
        set_goals(org, numbers, actor_kind=actor_kind, actor_user_id=actor_user_id)
    numbers = numbers or [g.number for g in previous.goals]
    return sign_pledge(org, signer_name or previous.signer_name or org.representative, numbers, joint_action,
                       actor_kind=actor_kind, actor_user_id=actor_user_id, edition=edition,
                       renewed_from=previous.edition)


def renewal_candidates(network: Network, edition: int) -> tuple[int | None, list[Organisation]]:
    """The latest edition before ``edition`` with pledges, and its groups still in the network."""
    previous = db.session.scalar(sa.select(sa.func.max(Pledge.edition)).where(
        Pledge.network_id == network.id, Pledge.edition < edition, Pledge.withdrawn_at.is_(None)))
    if previous is None:
        return None, []
    orgs = list(db.session.scalars(
        sa.select(Organisation).where(
            Organisation.network_id == network.id, Organisation.status != OrganisationStatus.WITHDRAWN,
            Organisation.id.in_(sa.select(Pledge.organisation_id).where(
                Pledge.network_id == network.id, Pledge.edition == previous, Pledge.withdrawn_at.is_(None))),
        ).order_by(Organisation.id)))
    return previous, [o for o in orgs if not o.is_erased]
