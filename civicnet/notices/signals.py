"""Subscriptions to other domains' signals: erasure of a member, promotion from a waiting list."""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)
_connected = False


def on_personal_data_erased(sender, organisation_id: int | None = None, **extra) -> None:
    from .services import forget_organisation

    forget_organisation(organisation_id if organisation_id is not None else sender.id)


def on_registration_promoted(sender, **extra) -> None:
    """A waiting-list registration got seats: tell the member by Telegram (if linked)."""
    from .models import NoticeKind
    from .services import notify_member

    registration = extra.get("registration", sender)
    meeting = getattr(registration, "meeting", None)
    org_id = getattr(registration, "organisation_id", None)
    if meeting is None or org_id is None:
        return
    notify_member(org_id, meeting.network_id,
                  f"좋은 소식입니다: 대기자 명단에서 '{meeting.title_ko}' 참가가 확정되었습니다.",
                  f"Good news: you moved up from the waiting list; your place at "
                  f"'{meeting.title_en or meeting.title_ko}' is confirmed.", kind=NoticeKind.PROMOTION)


def connect() -> None:
    """Connect once per process (blinker signals are global; handlers are weakly referenced)."""
    global _connected
    if _connected:
        return
    from ..networks.services import edition_opened
    from ..organisations.services import personal_data_erased, telegram_consent_withdrawn
    from .renewals import on_edition_opened

    personal_data_erased.connect(on_personal_data_erased)
    edition_opened.connect(on_edition_opened)
    # Same clean-up when only the consent to Telegram notices is withdrawn (edit link).
    telegram_consent_withdrawn.connect(on_personal_data_erased)
    try:
        from ..meetings import signals as meeting_signals
    except ImportError:
        meeting_signals = None
    promoted = getattr(meeting_signals, "registration_promoted", None)
    if promoted is not None:
        promoted.connect(on_registration_promoted)
    _connected = True
