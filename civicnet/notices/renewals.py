"""Invitations to renew the pledge when organisers open a new edition (a notices concern).

``invite_renewals(network, opening)`` writes a ``renewal_invited`` history entry for each group
that pledged in the previous edition and sends those with a Telegram chat a notice with a fresh
edit link. Connected to ``networks.services.edition_opened`` in ``signals.connect``; it runs in
the transaction that opened the edition.
"""
from __future__ import annotations

from flask import current_app

from ..db_session import savepoint
from ..extensions import db
from ..networks.models import Network, NetworkEdition
from ..organisations.history import record_change
from ..organisations.services import issue_edit_token
from ..pledges.renewals import renewal_candidates
from .models import NoticeKind
from .services import notify_member


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
    from ..organisations.views import edit_link  # the public URL of an edit token

    previous, orgs = renewal_candidates(network, opening.edition)
    if previous is None:
        return 0, 0
    opening.previous_edition = previous
    reached = 0
    for org in orgs:
        nested = savepoint()
        token = issue_edit_token(org, revoke_existing=False, actor_kind="system")
        body_ko, body_en = _invitation(network, opening.edition, previous, edit_link(token))
        if notify_member(org.id, network.id, body_ko, body_en, kind=NoticeKind.RENEWAL) is None:
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
    """``networks.services.edition_opened`` receiver (connected in ``notices.signals.connect``)."""
    if opening is not None:
        invite_renewals(sender, opening)
