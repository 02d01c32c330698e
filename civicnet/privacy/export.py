"""Everything stored about a group, for its owner (PIPA art. 35: the right to see one's data).

``export_personal_data(org) -> dict`` is plain JSON-ready data; the edit link's "our data" page
renders it and offers it as a JSON download, and the bot can call it (through ``bots/actions.py``)
to send the same file. It reads other domains' rows only to show them to their owner.
Times are RFC 3339 in the deployment's local zone (``CIVICNET_TIMEZONE``, Asia/Seoul).
"""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from ..extensions import db
from ..organisations.consent import retention_label, retention_months
from ..organisations.models import Organisation
from ..organisations.services import history
from ..timeutil import local_zone, utcnow

FORMAT_VERSION = 1


def _time(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(local_zone()).isoformat(timespec="seconds")


def _organisation(org: Organisation) -> dict:
    return {
        "id": org.id, "name": org.name, "kind": org.kind, "representative": org.representative,
        "email": org.email, "phone": org.phone, "district": org.district, "size": org.size,
        "website": org.website, "activities": org.activities, "language": org.language, "status": org.status,
        "public_listing": org.public_listing,
        "cluster": ({"key": org.cluster.key, "name_ko": org.cluster.name_ko, "name_en": org.cluster.name_en}
                    if org.cluster else None),
        "age_band": org.age_band, "guardian_name": org.guardian_name,
        "created_at": _time(org.created_at), "updated_at": _time(org.updated_at),
        "withdrawn_at": _time(org.withdrawn_at),
    }


def _consents(org: Organisation) -> dict:
    return {
        "version": org.consent_version, "text": org.consent_text,
        "personal_data": _time(org.consented_at), "website": _time(org.website_consented_at),
        "public_listing": _time(org.listing_consented_at), "telegram": _time(org.telegram_consented_at),
        "guardian": _time(org.guardian_consented_at),
    }


def _sdgs(org: Organisation) -> list[dict]:
    return [{"number": link.goal_number, "title_ko": link.goal.title("ko"), "title_en": link.goal.title("en"),
             "selected": link.selected, "source": link.source, "rank": link.rank, "suggested": link.suggested,
             "suggested_score": link.suggested_score}
            for link in sorted(org.goal_links, key=lambda l: (not l.selected, l.rank, l.goal_number))]


def _pledges(org: Organisation) -> list[dict]:
    from ..pledges.models import Pledge

    rows = db.session.scalars(sa.select(Pledge).where(Pledge.organisation_id == org.id)
                              .order_by(Pledge.signed_at, Pledge.id))
    return [{"edition": p.edition, "pledge_version": p.pledge_version, "signer_name": p.signer_name,
             "signed_at": _time(p.signed_at), "joint_action": p.joint_action, "sdgs": [g.number for g in p.goals],
             "withdrawn_at": _time(p.withdrawn_at)} for p in rows]


def _registrations(org: Organisation) -> list[dict]:
    from ..meetings.models import Registration

    rows = db.session.scalars(sa.select(Registration).where(Registration.organisation_id == org.id)
                              .order_by(Registration.created_at, Registration.id))
    return [{"meeting": {"title_ko": r.meeting.title("ko"), "title_en": r.meeting.title("en"),
                         "starts_at": _time(r.meeting.starts_at), "ends_at": _time(r.meeting.ends_at)},
             "status": r.status, "source": r.source, "attendees": r.attendees, "attendee_names": list(r.attendee_names or []),
             "accessibility": r.accessibility,
             "preferred_cluster": r.preferred_cluster.key if r.preferred_cluster else None,
             "table_ko": r.table.label("ko") if r.table else None,
             "table_en": r.table.label("en") if r.table else None,
             "created_at": _time(r.created_at), "promoted_at": _time(r.promoted_at),
             "cancelled_at": _time(r.cancelled_at), "checked_in_at": _time(r.checked_in_at)} for r in rows]


def _telegram(org: Organisation) -> list[dict]:
    from ..notices.models import TelegramChat

    rows = db.session.scalars(sa.select(TelegramChat).where(TelegramChat.organisation_id == org.id)
                              .order_by(TelegramChat.id))
    return [{"chat_id": c.chat_id, "language": c.language, "subscribed": c.subscribed,
             "consent_version": c.consent_version, "consented_at": _time(c.consented_at),
             "linked_at": _time(c.created_at)} for c in rows]


def _history(org: Organisation) -> list[dict]:
    # Who among the organisers acted is their personal data, not the group's: only the kind of actor.
    return [{"at": _time(change.at), "action": change.action, "actor": change.actor_kind,
             "details": change.details or {}} for change in reversed(history(org))]


def export_personal_data(org: Organisation) -> dict:
    """Everything stored about ``org``: details, consents, SDGs, pledges, meeting registrations
    (with attendee names), Telegram link and the history entries that concern it."""
    network = org.network
    months = retention_months(network)
    return {
        "format": "civicnet-personal-data", "format_version": FORMAT_VERSION, "exported_at": _time(utcnow()),
        "network": {"slug": network.slug, "name_ko": network.name_ko, "name_en": network.name_en},
        "retention": {"months": months, "ko": retention_label(months, "ko"), "en": retention_label(months, "en")},
        "organisation": _organisation(org),
        "consents": _consents(org),
        "sdgs": _sdgs(org),
        "pledges": _pledges(org),
        "meeting_registrations": _registrations(org),
        "telegram": _telegram(org),
        "history": _history(org),
    }
