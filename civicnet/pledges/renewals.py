"""Renewing the pledge when a network opens a new edition (year).

API (flush, never commit; domain errors out): ``previous_pledge(org, edition=None)`` is the
group's latest active pledge of an edition before ``edition`` (default: the current one);
``renewal_offer(org)`` is that pledge when the group may renew it now (not withdrawn, no pledge
for the current edition yet), else None; ``renew_pledge(org, edition=None, *, goals=None,
signer_name=None, joint_action='', actor_kind='group')`` signs ``edition``'s pledge with the
previous pledge's SDGs (or ``goals``, which then also become the group's SDGs) and signer;
``invite_renewals(network, opening)`` sends the previous edition's pledged groups a Telegram
notice with a fresh edit link (connected to ``networks.services.edition_opened``).
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app

from ..errors import Conflict
from ..extensions import db
from ..networks.models import Network, NetworkEdition
from ..organisations.models import Organisation, OrganisationStatus
from ..db_session import savepoint
from ..organisations.history import record_change
from ..organisations.services import issue_edit_token, set_goals
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


def _invitation(network: Network, edition: int, previous: int, link: str) -> tuple[str, str]:
    ko = (f"{network.name_ko}의 {edition}년 협약이 시작되었습니다. {previous}년에 함께해 주셔서 감사합니다. "
          f"아래 단체 수정 링크에서 지난해와 같은 SDGs로 한 번에 협약을 갱신할 수 있고, SDGs를 바꿀 수도 있습니다.\n{link}")
    en = (f"{network.name_en}: the {edition} edition is open. Thank you for taking part in {previous}. "
          f"Renew your pledge with last year's SDGs in one click from your group's edit link below "
          f"(you can change the SDGs there too).\n{link}")
    return ko, en


def invite_renewals(network: Network, opening: NetworkEdition) -> tuple[int, int]:
    """Invite the previous edition's pledged groups to renew (see the module doc).

    Every invited group gets a ``renewal_invited`` history entry; a group whose Telegram chat can
    receive notices also gets a notice with a new edit link (older links keep working). Returns
    (invited, reached by Telegram)."""
    from ..notices.services import notify_member
    from ..organisations.views import edit_link

    previous, orgs = renewal_candidates(network, opening.edition)
    if previous is None:
        return 0, 0
    opening.previous_edition = previous
    reached = 0
    for org in orgs:
        nested = savepoint()
        token = issue_edit_token(org, revoke_existing=False, actor_kind="system")
        body_ko, body_en = _invitation(network, opening.edition, previous, edit_link(token))
        if notify_member(org.id, network.id, body_ko, body_en, kind="renewal") is None:
            nested.rollback()  # no chat to send the link to: keep no unused link
            notified = False
        else:
            nested.commit()
            notified = True
            reached += 1
        record_change(org, "renewal_invited", "system", opening.opened_by_user_id, edition=opening.edition,
                      previous_edition=previous, telegram=notified)
    opening.invited, opening.reachable = len(orgs), reached
    db.session.flush()
    current_app.logger.info("edition %s opened for network %s: %s groups invited, %s by Telegram",
                            opening.edition, network.slug, len(orgs), reached)
    return len(orgs), reached


def on_edition_opened(sender: Network, opening: NetworkEdition | None = None, **extra) -> None:
    """``networks.services.edition_opened`` receiver (connected in ``pledges.init_app``)."""
    if opening is not None:
        invite_renewals(sender, opening)
