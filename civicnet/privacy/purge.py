"""Deleting personal data that has outlived its retention period (PIPA art. 21), and recording it.

What goes, per network (the cut-off is ``now`` minus ``Network.retention_months``):

- ``withdrawn_groups``: groups withdrawn before the cut-off, erased through the normal erasure
  path (``organisations.services.erase_personal_data``: pledges, meeting registrations, Telegram
  link, partner vectors follow through its signal);
- ``inactive_groups``: groups with no activity since the cut-off (no change of their record, no
  pledge, no use of their edit link, no meeting sign-up), erased the same way — the consent
  text says "after withdrawal or last activity";
- ``cancelled_registrations``: attendee names and accessibility notes of cancelled meeting
  registrations (their purpose ended with the cancellation);
- ``accessibility_notes``, ``attendee_names``: accessibility notes and attendee names of meetings
  that ended ``MEETING_DETAILS_DAYS`` ago (they serve the sign-in sheet and the preparation of that
  one meeting; a note can reveal a disability). The registration itself — group, number of people,
  check-in — stays as the attendance record;
- ``revoked_edit_tokens``, ``expired_link_tokens``: dead private links (digests only, but tied
  to a group).

And once for all networks (``purge_everything``): ``stale_bot_conversations``, the bot's saved
half-finished conversations untouched for ``BOT_CONVERSATION_DAYS`` (no consent was completed,
so there is no reason to keep what was typed).

Each run that changes data adds a ``PurgeRun`` row with the counts (never names or ids of people).
Services flush; the caller (CLI, worker task) commits.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..networks.models import Network
from ..organisations.consent import retention_months
from ..organisations.models import EditToken, Organisation, OrganisationStatus
from ..timeutil import utcnow
from .models import PurgeRun

BOT_CONVERSATION_DAYS = 30
MEETING_DETAILS_DAYS = 30
NETWORK_COUNTS = ("withdrawn_groups", "inactive_groups", "cancelled_registrations", "accessibility_notes",
                  "attendee_names", "revoked_edit_tokens", "expired_link_tokens")


@dataclass
class PurgeReport:
    network: str | None             # slug, or None for the data of no single network
    cutoff: datetime | None
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def months_before(when: datetime, months: int) -> datetime:
    """``when`` minus whole calendar months (31 March − 1 month = 28/29 February)."""
    years, month0 = divmod(when.month - 1 - months, 12)
    year, month = when.year + years, month0 + 1
    return when.replace(year=year, month=month, day=min(when.day, calendar.monthrange(year, month)[1]))


def retention_cutoff(network: Network, now: datetime) -> datetime:
    return months_before(now, retention_months(network))


def _not_erased():
    return ~Organisation.name_key.startswith("erased:")


def _withdrawn_groups(network: Network, cutoff: datetime) -> list[Organisation]:
    return list(db.session.scalars(sa.select(Organisation).where(
        Organisation.network_id == network.id, Organisation.status == OrganisationStatus.WITHDRAWN,
        Organisation.withdrawn_at < cutoff, _not_erased()).order_by(Organisation.id)))


def _inactive_groups(network: Network, cutoff: datetime) -> list[Organisation]:
    from ..meetings.models import Registration
    from ..pledges.models import Pledge

    return list(db.session.scalars(sa.select(Organisation).where(
        Organisation.network_id == network.id, Organisation.status != OrganisationStatus.WITHDRAWN,
        _not_erased(), Organisation.created_at < cutoff, Organisation.updated_at < cutoff,
        ~sa.exists().where(Pledge.organisation_id == Organisation.id, Pledge.signed_at >= cutoff),
        ~sa.exists().where(EditToken.organisation_id == Organisation.id, EditToken.last_used_at >= cutoff),
        ~sa.exists().where(Registration.organisation_id == Organisation.id, Registration.created_at >= cutoff),
    ).order_by(Organisation.id)))


def _registrations(network: Network, *conditions) -> list:
    from ..meetings.models import Meeting, Registration

    return list(db.session.scalars(
        sa.select(Registration).join(Meeting, Meeting.id == Registration.meeting_id)
        .where(Meeting.network_id == network.id, *conditions).order_by(Registration.id)))


def _has_names():
    from ..meetings.models import Registration

    return sa.cast(Registration.attendee_names, sa.String) != "[]"


def purge_expired(network: Network, now: datetime | None = None, *, dry_run: bool = False,
                  trigger: str = "cli") -> PurgeReport:
    """Delete what of ``network`` has outlived its retention period (see module doc)."""
    from ..meetings.models import Meeting, Registration, RegistrationStatus
    from ..notices.models import LinkToken
    from ..organisations.services import erase_personal_data

    now = now or utcnow()
    cutoff = retention_cutoff(network, now)
    report = PurgeReport(network.slug, cutoff, dry_run)
    counts = report.counts

    withdrawn = _withdrawn_groups(network, cutoff)
    inactive = _inactive_groups(network, cutoff)
    counts["withdrawn_groups"], counts["inactive_groups"] = len(withdrawn), len(inactive)
    if not dry_run:
        for org in withdrawn + inactive:
            erase_personal_data(org, actor_kind="system")

    cancelled = _registrations(network, Registration.status == RegistrationStatus.CANCELLED,
                               sa.or_(Registration.accessibility != "", _has_names()))
    counts["cancelled_registrations"] = len(cancelled)
    held = Meeting.ends_at < now - timedelta(days=MEETING_DETAILS_DAYS)
    notes = _registrations(network, Registration.status != RegistrationStatus.CANCELLED, held,
                           Registration.accessibility != "")
    counts["accessibility_notes"] = len(notes)
    names = _registrations(network, Registration.status != RegistrationStatus.CANCELLED, held, _has_names())
    counts["attendee_names"] = len(names)
    if not dry_run:
        for registration in cancelled:
            registration.attendee_names, registration.accessibility = [], ""
        for registration in notes:
            registration.accessibility = ""
        for registration in names:
            registration.attendee_names = []

    revoked = sa.select(EditToken.id).join(Organisation, Organisation.id == EditToken.organisation_id).where(
        Organisation.network_id == network.id, EditToken.revoked_at.is_not(None))
    links = sa.select(LinkToken.id).where(LinkToken.network_id == network.id,
                                          sa.or_(LinkToken.expires_at < now, LinkToken.used_at.is_not(None)))
    counts["revoked_edit_tokens"] = _count(revoked)
    counts["expired_link_tokens"] = _count(links)
    if not dry_run:
        db.session.execute(sa.delete(EditToken).where(EditToken.id.in_(revoked.scalar_subquery())),
                           execution_options={"synchronize_session": False})
        db.session.execute(sa.delete(LinkToken).where(LinkToken.id.in_(links.scalar_subquery())),
                           execution_options={"synchronize_session": False})
        _record(network.id, trigger, retention_months(network), counts, now)
    return report


def purge_bot_conversations(now: datetime | None = None, *, dry_run: bool = False,
                            trigger: str = "cli") -> PurgeReport:
    """Delete the bot's saved conversations and user data untouched for ``BOT_CONVERSATION_DAYS``."""
    from ..notices.models import BotState

    now = now or utcnow()
    stale = sa.select(BotState.id).where(
        sa.or_(BotState.namespace == "user", BotState.namespace.startswith("conversation")),
        BotState.updated_at < now - timedelta(days=BOT_CONVERSATION_DAYS))
    report = PurgeReport(None, None, dry_run, {"stale_bot_conversations": _count(stale)})
    if not dry_run:
        db.session.execute(sa.delete(BotState).where(BotState.id.in_(stale.scalar_subquery())),
                           execution_options={"synchronize_session": False})
        _record(None, trigger, None, report.counts, now)
    return report


def purge_everything(now: datetime | None = None, *, dry_run: bool = False, trigger: str = "cli") -> list[PurgeReport]:
    """Every network, then the bot's stale conversations (the daily job)."""
    now = now or utcnow()
    networks = db.session.scalars(sa.select(Network).order_by(Network.slug)).all()
    reports = [purge_expired(network, now, dry_run=dry_run, trigger=trigger) for network in networks]
    reports.append(purge_bot_conversations(now, dry_run=dry_run, trigger=trigger))
    return reports


def recent_runs(network: Network, limit: int = 10) -> list[PurgeRun]:
    return list(db.session.scalars(sa.select(PurgeRun).where(PurgeRun.network_id == network.id)
                                   .order_by(PurgeRun.ran_at.desc(), PurgeRun.id.desc()).limit(limit)))


def _count(select: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery())) or 0


def _record(network_id: int | None, trigger: str, months: int | None, counts: dict, now: datetime) -> None:
    """One row per run; ``now`` is the time the run purged as of, ``ran_at`` when it really ran."""
    db.session.add(PurgeRun(network_id=network_id, trigger=trigger, retention_months=months,
                            counts=dict(counts), ran_at=utcnow()))
    db.session.flush()
