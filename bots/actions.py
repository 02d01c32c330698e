"""What the bot does to the network's data: plain functions over civicnet services.

Each runs in a worker thread inside an app context (see ``dbcall.py``), takes and returns plain
data (never ORM objects, which would outlive their session), and is committed once by the caller.
Nothing here writes organisation rows itself: registration, pledges, erasure and RSVPs go through
the same services as the web.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app

from civicnet.errors import Conflict, NotFound
from civicnet.extensions import db
from civicnet.goals.models import Goal
from civicnet.networks.models import Network
from civicnet.notices import services as notices
from civicnet.notices.models import TelegramChat
from civicnet.organisations import services as organisations
from civicnet.organisations.history import ActorKind
from civicnet.organisations.models import Organisation

from .flow import Registration
from .formats import display_phone, local_datetime
from .texts import t

CONSENT_VERSION = "telegram-1"


def _network(network_id: int | None) -> Network:
    if network_id:
        network = db.session.get(Network, network_id)
        if network is not None:
            return network
    slug = current_app.config["DEFAULT_NETWORK"]
    network = db.session.scalar(sa.select(Network).where(Network.slug == slug))
    if network is None:
        network = db.session.scalar(sa.select(Network).order_by(Network.id))
    if network is None:
        raise NotFound("There is no network yet.")
    return network


def _linked(chat_id: int) -> tuple[TelegramChat, Organisation] | tuple[None, None]:
    chat = notices.chat_for(chat_id)
    if chat is None or chat.organisation is None:
        return None, None
    return chat, chat.organisation


def chat_profile(chat_id: int) -> dict | None:
    chat, org = _linked(chat_id)
    if chat is None:
        return None
    return {"organisation_id": org.id, "name": org.name, "network_id": chat.network_id,
            "language": chat.language, "subscribed": chat.subscribed}


def network_info(network_id: int | None) -> dict:
    network = _network(network_id)
    return {"id": network.id, "name_ko": network.name_ko, "name_en": network.name_en,
            "pledge_ko": network.pledge_text_ko, "pledge_en": network.pledge_text_en,
            "clusters": [{"key": c.key, "name_ko": c.name_ko, "name_en": c.name_en, "goals": c.goal_numbers}
                         for c in network.clusters],
            "goals": [{"n": g.number, "ko": g.short_ko, "en": g.short_en}
                      for g in db.session.scalars(sa.select(Goal).order_by(Goal.number))]}


def use_link_token(chat_id: int, token: str, language: str) -> dict:
    """A deep link: tie the chat to a web-registered member, or start an invited registration."""
    row = notices.consume_link_token(token)
    network = db.session.get(Network, row.network_id)
    if row.organisation_id is None:
        return {"kind": "invite", "network_id": network.id}
    org = db.session.get(Organisation, row.organisation_id)
    # The member consented on the web; opening its private link is consent to notices by Telegram.
    notices.link_chat(chat_id, network, org, language=org.language or language,
                      consent_version=org.consent_version or CONSENT_VERSION)
    return {"kind": "linked", "name": org.name, "language": org.language or language}


def classify(activities: str, network_id: int) -> dict | None:
    """The classifier's suggestions, or None when it is not available (the picker starts empty)."""
    try:
        from civicnet.matching.services import classify_texts

        result = classify_texts([activities], _network(network_id))[0]
    except Exception:  # noqa: BLE001 - model missing, still loading, or any failure: degrade
        current_app.logger.warning("SDG classifier unavailable for the bot; showing the plain picker")
        return None
    scores = {int(s["goal"]): float(s["score"]) for s in result.get("sdgs", [])}
    suggested = [int(g) for g in result.get("suggested", [])]
    return {"suggested": suggested, "scores": {g: scores.get(g, 0.0) for g in suggested},
            "clusters": [c["key"] for c in result.get("clusters", [])]}


def complete_registration(chat_id: int, reg: Registration, signer: str, consent_text: str) -> dict:
    """Register the member, put it in its cluster, sign the pledge and link the chat."""
    from civicnet.pledges.services import sign_pledge

    network = _network(reg.network_id)
    data = {"name": reg.name, "kind": reg.org_kind or "individual", "representative": signer,
            "email": reg.email, "phone": reg.phone, "activities": reg.activities, "language": reg.lang}
    result = organisations.register_organisation(
        network, data, goals=reg.goals, suggestions=dict(reg.scores), consent_version=CONSENT_VERSION,
        consent_text=consent_text, actor_kind=ActorKind.BOT, require_goals=True)
    if not result.created:
        # Never hand an existing record to whoever typed its name and phone: ask for a link instead.
        return {"ok": False, "exists": True}
    org = result.organisation
    if reg.cluster:
        organisations.set_cluster(org, reg.cluster, actor_kind=ActorKind.BOT, source="chosen")
    sign_pledge(org, signer, reg.goals, actor_kind=ActorKind.BOT)
    notices.link_chat(chat_id, network, org, language=reg.lang, consent_version=CONSENT_VERSION)
    return {"ok": True, "organisation_id": org.id, "name": org.name}


def my_data(chat_id: int, lang: str) -> dict | None:
    from civicnet.meetings.models import Registration as MeetingRegistration
    from civicnet.meetings.models import RegistrationStatus
    from civicnet.pledges.services import active_pledge

    chat, org = _linked(chat_id)
    if chat is None:
        return None
    pledge = active_pledge(org)

    meetings = [{"title": r.meeting.title(lang), "when": local_datetime(r.meeting.starts_at, lang),
                 "status": r.status, "table": table_name(r.table, lang)}
                for r in db.session.scalars(sa.select(MeetingRegistration).where(
                    MeetingRegistration.organisation_id == org.id,
                    MeetingRegistration.status != RegistrationStatus.CANCELLED))]
    return {"name": org.name, "kind": org.kind, "representative": org.representative, "email": org.email,
            "phone": display_phone(org.phone), "activities": org.activities, "goals": org.goal_numbers,
            "cluster": org.cluster.name(lang) if org.cluster else None,
            "pledged": pledge is not None, "consented_at": local_datetime(chat.consented_at, lang),
            "subscribed": chat.subscribed, "chat_id": chat.chat_id, "meetings": meetings}


def delete_me(chat_id: int) -> dict:
    """Erase the member's personal data through the foundation's service, then forget the chat."""
    chat, org = _linked(chat_id)
    erased = False
    if org is not None:
        organisations.erase_personal_data(org, actor_kind=ActorKind.BOT)
        erased = True
    notices.forget_chat(chat_id)
    return {"erased": erased}


def set_subscribed(chat_id: int, subscribed: bool) -> bool:
    return notices.set_subscribed(chat_id, subscribed)


# --- meetings ------------------------------------------------------------------------------

def _meeting_view(meeting, org, lang: str) -> dict:
    from civicnet.meetings import services as meetings

    reg = meetings.active_registration(meeting, org)
    return {"id": meeting.id, "title": meeting.title(lang), "when": local_datetime(meeting.starts_at, lang),
            "venue": meeting.venue(lang),
            "seats_left": max(0, meeting.capacity - meetings.seats_taken(meeting)),
            "status": reg.status if reg else None,
            "position": meetings.waitlist_position(reg) if reg else None,
            "cluster": org.cluster.name(lang) if org.cluster else None,
            "table": table_name(reg.table, lang) if reg else None}


def table_name(table, lang: str) -> str | None:
    """A breakout table as people say it ("자연과 공존하는 생명의 도시 청주 3번 테이블"), not its code."""
    if table is None:
        return None
    return t(lang, "%(cluster)s, table %(n)s", cluster=table.cluster.name(lang), n=table.number)


def list_meetings(chat_id: int, lang: str) -> list[dict] | None:
    from civicnet.meetings import services as meetings

    chat, org = _linked(chat_id)
    if org is None:
        return None
    return [_meeting_view(m, org, lang) for m in meetings.open_meetings(org.network)]


def attend(chat_id: int, meeting_id: int, lang: str) -> dict:
    from civicnet.meetings import services as meetings

    chat, org = _linked(chat_id)
    if org is None:
        raise NotFound("Please register first with /start.")
    meeting = meetings.get_meeting(org.network, meeting_id)
    if meetings.active_registration(meeting, org) is None:
        meetings.register(meeting, org, attendees=1, source="bot")
    return _meeting_view(meeting, org, lang)


def cancel(chat_id: int, meeting_id: int, lang: str) -> dict:
    from civicnet.meetings import services as meetings

    chat, org = _linked(chat_id)
    if org is None:
        raise NotFound("Please register first with /start.")
    meeting = meetings.get_meeting(org.network, meeting_id)
    reg = meetings.active_registration(meeting, org)
    if reg is None:
        raise Conflict("You are not registered for this meeting.")
    meetings.cancel_registration(reg, actor_kind=ActorKind.GROUP)
    return _meeting_view(meeting, org, lang)


def clean_contact(text: str) -> dict:
    """A typed e-mail address or phone number, checked by the foundation's validation."""
    from civicnet.organisations import validation

    text = (text or "").strip()
    if "@" in text:
        return {"email": validation.clean_email(text), "phone": None}
    return {"phone": validation.clean_phone(text), "email": None}
