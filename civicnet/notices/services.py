"""Operations on notices, Telegram chat links and deep-link tokens (flush, never commit).

API: ``create_notice(network, body_ko, body_en, audience, audience_ref, *, user=None)`` resolves the
audience to members and creates one ``Delivery`` per member (pending when the member has a linked,
subscribed chat; otherwise unreachable with the reason); ``notice_status(notice)`` counts and lists
who is in which state; ``retry_failed(notice)`` puts failed deliveries back to pending (an
organiser's explicit decision, see delivery.py on at-most-once); ``schedule_due_reminders(now)``
creates each automatic meeting reminder once. Chats: ``chat_for``, ``link_chat``,
``set_subscribed``, ``forget_chat``. Tokens: ``issue_link_token`` and ``consume_link_token``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..errors import Invalid, NotFound
from ..extensions import db
from ..networks.models import Cluster, Network
from ..organisations.models import Organisation, OrganisationStatus
from ..queue import enqueue_after_commit
from ..timeutil import format_local, utcnow
from ..tokens import new_token, token_digest
from .models import (
    AudienceKind,
    BotState,
    Delivery,
    DeliveryState,
    LinkToken,
    Notice,
    NoticeKind,
    TelegramChat,
)

MAX_BODY = 3500  # Telegram's limit is 4096 characters; leave room for the header.


# --- deep-link tokens ----------------------------------------------------------------------

def issue_link_token(network: Network, organisation: Organisation | None = None, *,
                     user_id: int | None = None, ttl_hours: float | None = None) -> tuple[str, str]:
    """A one-time token and its ``https://t.me/<bot>?start=<token>`` link (token shown once)."""
    if organisation is not None and organisation.network_id != network.id:
        raise NotFound("There is no such group in this network.")
    ttl = ttl_hours if ttl_hours is not None else current_app.config["TELEGRAM_LINK_TTL_HOURS"]
    token = new_token(24)  # 32 characters of [A-Za-z0-9_-]: fits Telegram's 64 limit
    db.session.add(LinkToken(token_hash=token_digest(token), network_id=network.id,
                             organisation_id=organisation.id if organisation else None,
                             created_by_user_id=user_id, created_at=utcnow(),
                             expires_at=utcnow() + timedelta(hours=ttl)))
    db.session.flush()
    username = current_app.config["TELEGRAM_BOT_USERNAME"]
    return token, f"https://t.me/{username}?start={token}"


def consume_link_token(token: str) -> LinkToken:
    """Use a token once. Unknown, used and expired tokens all give the same ``NotFound``."""
    invalid = NotFound("This link is not valid any more. Please ask the organisers for a new one.")
    if not token or len(token) > 64:
        raise invalid
    now = utcnow()
    # The conditional UPDATE is the one-time guarantee: two chats racing with one token, one wins.
    result = db.session.execute(
        sa.update(LinkToken)
        .where(LinkToken.token_hash == token_digest(token), LinkToken.used_at.is_(None), LinkToken.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise invalid
    return db.session.scalar(sa.select(LinkToken).where(LinkToken.token_hash == token_digest(token)))


# --- chats ---------------------------------------------------------------------------------

def chat_for(chat_id: int) -> TelegramChat | None:
    return db.session.scalar(sa.select(TelegramChat).where(TelegramChat.chat_id == chat_id))


def link_chat(chat_id: int, network: Network, organisation: Organisation | None, *, language: str,
              consent_version: str | None) -> TelegramChat:
    """Tie the chat to ``organisation`` (moving any older link of that member to this chat)."""
    chat = chat_for(chat_id)
    if organisation is not None:
        other = db.session.scalar(sa.select(TelegramChat).where(
            TelegramChat.organisation_id == organisation.id, TelegramChat.chat_id != chat_id))
        if other is not None:
            db.session.delete(other)
            db.session.flush()
    if chat is None:
        chat = TelegramChat(chat_id=chat_id, network_id=network.id, created_at=utcnow())
        db.session.add(chat)
    chat.network_id = network.id
    chat.organisation_id = organisation.id if organisation else None
    chat.language = language if language in {"ko", "en"} else "ko"
    chat.subscribed = True
    chat.unreachable_at = None
    if consent_version:
        chat.consent_version, chat.consented_at = consent_version[:32], utcnow()
    db.session.flush()
    return chat


def set_subscribed(chat_id: int, subscribed: bool) -> bool:
    chat = chat_for(chat_id)
    if chat is None:
        return False
    chat.subscribed = subscribed
    db.session.flush()
    return True


def forget_chat(chat_id: int) -> None:
    """Delete everything kept about a chat: the link and the bot's saved conversation data."""
    db.session.execute(sa.delete(TelegramChat).where(TelegramChat.chat_id == chat_id))
    keys = [str(chat_id), f"[{chat_id}, {chat_id}]"]
    db.session.execute(sa.delete(BotState).where(BotState.key.in_(keys)))
    db.session.flush()


def forget_organisation(organisation_id: int) -> None:
    """On erasure of a member: drop its chat link, bot data and open invitations."""
    chat_ids = list(db.session.scalars(sa.select(TelegramChat.chat_id).where(
        TelegramChat.organisation_id == organisation_id)))
    for chat_id in chat_ids:
        forget_chat(chat_id)
    db.session.execute(sa.delete(LinkToken).where(LinkToken.organisation_id == organisation_id))
    db.session.execute(
        sa.update(Delivery).where(Delivery.organisation_id == organisation_id,
                                  Delivery.state == DeliveryState.PENDING)
        .values(state=DeliveryState.UNREACHABLE, error="erased", finished_at=utcnow()))
    db.session.flush()


# --- audiences and notices -----------------------------------------------------------------

def audience_select(network: Network, audience: str, ref: int | None) -> tuple[sa.Select, str]:
    """SELECT of member ids in the audience, and a label for the organiser."""
    base = sa.select(Organisation.id).where(Organisation.network_id == network.id,
                                            Organisation.status != OrganisationStatus.WITHDRAWN)
    if audience == AudienceKind.NETWORK:
        return base, network.name_ko
    if audience == AudienceKind.CLUSTER:
        cluster = db.session.get(Cluster, ref) if ref else None
        if cluster is None or cluster.network_id != network.id:
            raise Invalid("Please choose a cluster of this network.", field="audience_ref")
        return base.where(Organisation.cluster_id == cluster.id), cluster.name_ko
    if audience == AudienceKind.NOT_PLEDGED:
        from ..pledges.models import Pledge

        pledged = sa.exists().where(Pledge.organisation_id == Organisation.id,
                                    Pledge.edition == network.current_edition, Pledge.withdrawn_at.is_(None))
        return base.where(~pledged), f"not pledged {network.current_edition}"
    if audience in (AudienceKind.MEETING, AudienceKind.TABLE):
        from ..meetings.models import BreakoutTable, Meeting, Registration, RegistrationStatus

        live = Registration.status != RegistrationStatus.CANCELLED
        if audience == AudienceKind.MEETING:
            meeting = db.session.get(Meeting, ref) if ref else None
            if meeting is None or meeting.network_id != network.id:
                raise Invalid("Please choose a meeting of this network.", field="audience_ref")
            ids = sa.select(Registration.organisation_id).where(Registration.meeting_id == meeting.id, live)
            return base.where(Organisation.id.in_(ids)), meeting.title_ko
        table = db.session.get(BreakoutTable, ref) if ref else None
        if table is None or table.meeting.network_id != network.id:
            raise Invalid("Please choose a breakout table of this network.", field="audience_ref")
        ids = sa.select(Registration.organisation_id).where(Registration.table_id == table.id, live)
        return base.where(Organisation.id.in_(ids)), f"{table.meeting.title_ko} · {table.label()}"
    raise Invalid("Please choose who should receive the notice.", field="audience")


def create_notice(network: Network, body_ko: str, body_en: str | None, audience: str,
                  audience_ref: int | None = None, *, user_id: int | None = None, kind: str = NoticeKind.MANUAL,
                  dedupe_key: str | None = None) -> Notice:
    """Write a notice and one delivery row per member of its audience (see module doc)."""
    body_ko = (body_ko or "").strip()
    body_en = (body_en or "").strip() or None
    if not body_ko:
        raise Invalid("Please write the notice in Korean.", field="body_ko")
    if len(body_ko) > MAX_BODY or (body_en and len(body_en) > MAX_BODY):
        raise Invalid("Please keep a notice under %(max)d characters.", field="body_ko", max=MAX_BODY)
    stmt, label = audience_select(network, audience, audience_ref)
    notice = Notice(network_id=network.id, kind=kind, body_ko=body_ko, body_en=body_en, audience=audience,
                    audience_ref=audience_ref, audience_label=label[:300], dedupe_key=dedupe_key,
                    created_by_user_id=user_id, created_at=utcnow())
    db.session.add(notice)
    db.session.flush()
    member_ids = stmt.subquery()
    rows = db.session.execute(
        sa.select(Organisation.id, TelegramChat.id, TelegramChat.subscribed, TelegramChat.unreachable_at,
                  TelegramChat.consented_at)
        .outerjoin(TelegramChat, TelegramChat.organisation_id == Organisation.id)
        .where(Organisation.id.in_(sa.select(member_ids.c.id)))
        .order_by(Organisation.id)).all()
    now = utcnow()
    values = []
    for org_id, chat_ref, subscribed, unreachable_at, consented_at in rows:
        reason = None
        if chat_ref is None:
            reason = "no_telegram"
        elif not subscribed:
            reason = "unsubscribed"
        elif unreachable_at is not None:
            reason = "blocked"
        elif consented_at is None:
            reason = "no_consent"
        values.append({
            "notice_id": notice.id, "organisation_id": org_id, "chat_ref_id": chat_ref,
            "state": DeliveryState.UNREACHABLE if reason else DeliveryState.PENDING,
            "error": reason, "finished_at": now if reason else None, "attempts": 0,
        })
    if values:
        db.session.execute(sa.insert(Delivery), values)
    db.session.flush()
    return notice


def get_notice(network: Network, notice_id: int) -> Notice:
    notice = db.session.get(Notice, notice_id)
    if notice is None or notice.network_id != network.id:
        raise NotFound("There is no such notice in this network.")
    return notice


def list_notices(network: Network, limit: int = 100) -> list[tuple[Notice, dict]]:
    notices = list(db.session.scalars(sa.select(Notice).where(Notice.network_id == network.id)
                                      .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit)))
    counts = _counts([n.id for n in notices])
    return [(n, counts.get(n.id, _empty_counts())) for n in notices]


def _empty_counts() -> dict:
    return {s.value: 0 for s in DeliveryState}


def _counts(notice_ids: list[int]) -> dict[int, dict]:
    out: dict[int, dict] = {}
    if not notice_ids:
        return out
    for notice_id, state, n in db.session.execute(
            sa.select(Delivery.notice_id, Delivery.state, sa.func.count())
            .where(Delivery.notice_id.in_(notice_ids)).group_by(Delivery.notice_id, Delivery.state)):
        out.setdefault(notice_id, _empty_counts())[state] = n
    return out


def notice_status(notice: Notice) -> dict:
    """Counts per state and, per state, who (member id and name) with the reason."""
    rows = db.session.execute(
        sa.select(Delivery.state, Delivery.error, Delivery.finished_at, Organisation.id, Organisation.name)
        .outerjoin(Organisation, Organisation.id == Delivery.organisation_id)
        .where(Delivery.notice_id == notice.id).order_by(Delivery.state, Organisation.name)).all()
    who: dict[str, list[dict]] = {s.value: [] for s in DeliveryState}
    for state, error, finished_at, org_id, name in rows:
        who[state].append({"organisation_id": org_id, "name": name or "—", "error": error,
                           "finished_at": finished_at})
    return {"counts": {k: len(v) for k, v in who.items()}, "who": who, "total": len(rows)}


def retry_failed(notice: Notice) -> int:
    """Put failed deliveries (including 'outcome unknown' ones) back to pending."""
    result = db.session.execute(
        sa.update(Delivery).where(Delivery.notice_id == notice.id, Delivery.state == DeliveryState.FAILED)
        .values(state=DeliveryState.PENDING, claimed_by=None, claimed_at=None, finished_at=None, error=None)
        .execution_options(synchronize_session=False))
    db.session.flush()
    return result.rowcount or 0


# --- automatic meeting reminders -----------------------------------------------------------

def _reminder_text(meeting, minutes: int, lang: str) -> str:
    """The reminder in the member's language: what, when (local date and time by Babel), where."""
    when = format_local(meeting.starts_at, lang)
    if lang == "en":
        venue = meeting.venue_en or meeting.venue_ko
        hours = max(1, minutes // 60)
        lead = "tomorrow" if minutes >= 1440 else f"in {hours} hour{'s' if hours > 1 else ''}"
        return f"Reminder: {meeting.title_en or meeting.title_ko} starts {lead} — {when}, {venue}."
    lead = "내일" if minutes >= 1440 else f"{max(1, minutes // 60)}시간 뒤"
    return f"알림: {meeting.title_ko} 모임이 {lead} 시작합니다 — {when}, {meeting.venue_ko}."


def schedule_due_reminders(now: datetime | None = None, offsets: list[int] | None = None) -> list[int]:
    """Create the reminder notices that are due now (each (meeting, offset) exactly once)."""
    try:
        from ..meetings.models import Meeting
    except ImportError:  # pragma: no cover - meetings domain not installed
        return []

    now = now or utcnow()
    offsets = offsets if offsets is not None else current_app.config["NOTICES_REMINDER_OFFSETS"]
    if not offsets:
        return []
    horizon = now + timedelta(minutes=max(offsets))
    meetings = db.session.scalars(sa.select(Meeting).where(Meeting.starts_at > now, Meeting.starts_at <= horizon))
    created = []
    for meeting in meetings:
        # Only the nearest due offset: a meeting created 1 hour ahead gets one reminder, not two.
        due = [m for m in offsets if meeting.starts_at - timedelta(minutes=m) <= now]
        if not due:
            continue
        minutes = min(due)
        key = f"reminder:{meeting.id}:{minutes}"
        # Already sent at this offset, or at a nearer one: nothing to do.
        sent_keys = [f"reminder:{meeting.id}:{m}" for m in offsets if m <= minutes]
        if db.session.scalar(sa.select(Notice.id).where(Notice.dedupe_key.in_(sent_keys)).limit(1)):
            continue
        savepoint = db.session.begin_nested()
        try:
            notice = create_notice(meeting.network, _reminder_text(meeting, minutes, "ko"),
                                   _reminder_text(meeting, minutes, "en"), AudienceKind.MEETING, meeting.id,
                                   kind=NoticeKind.REMINDER, dedupe_key=key)
        except IntegrityError:  # another worker created it first
            savepoint.rollback()
            continue
        savepoint.commit()
        created.append(notice.id)
    return created


def notify_member(organisation_id: int, network_id: int, body_ko: str, body_en: str | None, *,
                  kind: str = NoticeKind.DIRECT) -> Notice | None:
    """A one-recipient notice (e.g. promotion from a waiting list), sent by the worker."""
    chat = db.session.scalar(sa.select(TelegramChat).where(TelegramChat.organisation_id == organisation_id))
    if chat is None or not chat.can_receive:
        return None
    notice = Notice(network_id=network_id, kind=kind, body_ko=body_ko, body_en=body_en, audience=AudienceKind.MEMBER,
                    audience_ref=organisation_id, audience_label=f"#{organisation_id}", created_at=utcnow())
    db.session.add(notice)
    db.session.flush()
    db.session.add(Delivery(notice_id=notice.id, organisation_id=organisation_id, chat_ref_id=chat.id,
                            state=DeliveryState.PENDING, attempts=0))
    db.session.flush()
    enqueue_after_commit("notices.deliver", notice.id)
    return notice


def telegram_overview(network: Network) -> list[dict]:
    """Each member of the network with its Telegram status (for the organisers' page)."""
    rows = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.status, TelegramChat.subscribed,
                  TelegramChat.unreachable_at, TelegramChat.id)
        .outerjoin(TelegramChat, TelegramChat.organisation_id == Organisation.id)
        .where(Organisation.network_id == network.id).order_by(Organisation.name)).all()
    out = []
    for org_id, name, status, subscribed, unreachable_at, chat_ref in rows:
        state = ("none" if chat_ref is None else "blocked" if unreachable_at else
                 "unsubscribed" if not subscribed else "linked")
        out.append({"id": org_id, "name": name, "status": status, "telegram": state})
    return out
