"""Meetings: creation, registration with capacity and waiting list, private links, check-in.

Services flush, never commit. Every change of seats first takes the meeting-row lock
(:func:`lock_meeting`), so concurrent sign-ups on PostgreSQL never overbook; SQLite serialises
writers and the same UPDATE takes its write lock.
"""
from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..errors import Conflict, Invalid, NotFound
from ..extensions import db
from ..networks.models import Network
from ..organisations.models import Organisation, OrganisationStatus
from ..organisations.validation import clean_text
from ..timeutil import utcnow
from ..tokens import new_token, token_digest
from . import signals
from .models import AssignmentChange, Meeting, ProgrammeItem, Registration, RegistrationStatus

MAX_NAME_LENGTH = 100
MAX_ROW_ID = 2**31 - 1  # ids beyond a PostgreSQL integer do not exist (and must not reach the database)


def valid_id(value) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ROW_ID


# --- meetings ---------------------------------------------------------------------------------

_MEETING_FIELDS = ("title_ko", "title_en", "venue_ko", "venue_en", "starts_at", "ends_at",
                   "registration_opens_at", "registration_closes_at", "capacity", "per_organisation_limit",
                   "table_min_people", "table_max_people", "table_min_groups")


def _validate_meeting(data: dict) -> None:
    if not (data.get("title_ko") or "").strip():
        raise Invalid("A meeting needs a title.", field="title_ko")
    if data["ends_at"] <= data["starts_at"]:
        raise Invalid("The meeting must end after it starts.", field="ends_at")
    opens, closes = data.get("registration_opens_at"), data.get("registration_closes_at")
    if opens and closes and closes <= opens:
        raise Invalid("Registration must close after it opens.", field="registration_closes_at")
    if int(data["capacity"]) < 1:
        raise Invalid("Capacity must be at least 1.", field="capacity")
    if not 1 <= int(data.get("per_organisation_limit", 1)) <= 50:
        raise Invalid("People per organisation must be between 1 and 50.", field="per_organisation_limit")
    low, high = int(data.get("table_min_people") or 6), int(data.get("table_max_people") or 8)
    if not 1 <= low <= high <= 100:
        raise Invalid("People per table: the smallest must be at least 1 and at most the largest (up to %(seats)s).",
                      field="table_min_people", seats=100)
    if not 1 <= int(data.get("table_min_groups") or 3) <= 100:
        raise Invalid("Groups per table must be between 1 and %(seats)s.", field="table_min_groups", seats=100)


def _set_programme(meeting: Meeting, programme: list[dict]) -> None:
    meeting.programme.clear()
    for position, item in enumerate(sorted(programme, key=lambda p: p["at"])):
        meeting.programme.append(ProgrammeItem(
            position=position, at=item["at"], item_ko=item["item_ko"].strip()[:200],
            item_en=(item.get("item_en") or "").strip()[:200], note=(item.get("note") or "").strip()[:200],
        ))


def create_meeting(network: Network, data: dict) -> Meeting:
    """Create a meeting. ``data``: the meeting fields (datetimes naive UTC), ``programme`` (list of
    {at, item_ko, item_en, note}) and ``breakouts`` ({cluster_id: (tables, seats_per_table)})."""
    from .breakouts import set_breakouts

    _validate_meeting(data)
    meeting = Meeting(network_id=network.id, seats_version=0,
                      **{f: data.get(f) for f in _MEETING_FIELDS if f in data})
    meeting.title_en = meeting.title_en or ""
    meeting.venue_ko, meeting.venue_en = meeting.venue_ko or "", meeting.venue_en or ""
    db.session.add(meeting)
    _set_programme(meeting, data.get("programme", []))
    db.session.flush()
    set_breakouts(meeting, data.get("breakouts", {}))
    return meeting


def update_meeting(meeting: Meeting, data: dict, *, actor_user_id: int | None = None) -> list[Registration]:
    """Change a meeting; a larger capacity promotes people from the waiting list (returned)."""
    from .breakouts import set_breakouts

    merged = {f: getattr(meeting, f) for f in _MEETING_FIELDS} | data
    _validate_meeting(merged)
    lock_meeting(meeting)
    for f in _MEETING_FIELDS:
        if f in data:
            setattr(meeting, f, data[f])
    if "programme" in data:
        _set_programme(meeting, data["programme"])
    if "breakouts" in data:
        set_breakouts(meeting, data["breakouts"], actor_user_id=actor_user_id)
    db.session.flush()
    return promote_waiting(meeting)


def get_meeting(network: Network, meeting_id: int) -> Meeting:
    """The meeting ``meeting_id`` of ``network``; other networks' meetings do not exist here."""
    meeting = db.session.get(Meeting, meeting_id) if valid_id(meeting_id) else None
    if meeting is None or meeting.network_id != network.id:
        raise NotFound("There is no such meeting.")
    return meeting


def list_meetings(network: Network) -> list[Meeting]:
    return list(db.session.scalars(
        sa.select(Meeting).where(Meeting.network_id == network.id).order_by(Meeting.starts_at.desc())
    ))


def registration_open(meeting: Meeting, now: datetime | None = None) -> bool:
    now = now or utcnow()
    if now >= meeting.starts_at:
        return False
    if meeting.registration_opens_at and now < meeting.registration_opens_at:
        return False
    return not (meeting.registration_closes_at and now >= meeting.registration_closes_at)


def open_meetings(network: Network, now: datetime | None = None) -> list[Meeting]:
    """Meetings of ``network`` that take registrations now, soonest first."""
    now = now or utcnow()
    meetings = db.session.scalars(
        sa.select(Meeting).where(Meeting.network_id == network.id, Meeting.starts_at > now)
        .order_by(Meeting.starts_at)
    )
    return [m for m in meetings if registration_open(m, now)]


def group_overview(organisation: Organisation, now: datetime | None = None) -> list[tuple[Meeting, Registration | None, bool]]:
    """For the group's private edit page: upcoming meetings of its network that take registrations
    or that it is registered for, soonest first, as (meeting, its live registration or None, open)."""
    now = now or utcnow()
    meetings = list(db.session.scalars(
        sa.select(Meeting).where(Meeting.network_id == organisation.network_id, Meeting.ends_at > now)
        .order_by(Meeting.starts_at)))
    registered = {r.meeting_id: r for r in db.session.scalars(sa.select(Registration).where(
        Registration.organisation_id == organisation.id, Registration.status != RegistrationStatus.CANCELLED,
        Registration.meeting_id.in_([m.id for m in meetings])))} if meetings else {}
    result = []
    for meeting in meetings:
        is_open = registration_open(meeting, now)
        if is_open or meeting.id in registered:
            result.append((meeting, registered.get(meeting.id), is_open))
    return result


# --- seats ------------------------------------------------------------------------------------

def lock_meeting(meeting: Meeting) -> int:
    """Take the meeting-row lock until the transaction ends; returns the current capacity.

    An UPDATE locks the row on PostgreSQL (as SELECT ... FOR UPDATE would) and takes the database
    write lock on SQLite, so two sign-ups never both see the same free seats.
    """
    capacity = db.session.execute(
        sa.update(Meeting).where(Meeting.id == meeting.id)
        .values(seats_version=Meeting.seats_version + 1)
        .returning(Meeting.capacity)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(capacity)


def seats_taken(meeting: Meeting) -> int:
    """People holding seats (confirmed registrations)."""
    return int(db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Registration.attendees), 0))
        .where(Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.CONFIRMED)
    ))


def checkin_code(token: str) -> str:
    """The code the QR carries: derived from the private token, but it does not reveal it."""
    return hashlib.sha256(b"civicnet-checkin:" + token.encode()).hexdigest()[:32]


def _clean_names(names, attendees: int) -> list[str]:
    # The same checks as every other text people type (control and direction-changing characters,
    # length), one name at a time; inner runs of spaces fold to one.
    cleaned = [" ".join(clean_text(n, "attendee_names", max_length=MAX_NAME_LENGTH).split()) for n in (names or [])]
    cleaned = [n for n in cleaned if n]
    if len(cleaned) > attendees:
        raise Invalid("You gave more names than attendees.", field="attendee_names")
    return cleaned


def active_registration(meeting: Meeting, organisation: Organisation) -> Registration | None:
    return db.session.scalar(sa.select(Registration).where(
        Registration.meeting_id == meeting.id, Registration.organisation_id == organisation.id,
        Registration.status != RegistrationStatus.CANCELLED,
    ))


def register(meeting: Meeting, organisation: Organisation, *, attendees: int = 1,
             attendee_names: list[str] | None = None, preferred_cluster_id: int | None = None,
             accessibility: str = "", umbrella: str = "", source: str = "web", ignore_window: bool = False,
             walk_in: bool = False, now: datetime | None = None) -> tuple[Registration, str]:
    """Register ``organisation`` for ``meeting``: confirmed if the seats are there, else waiting list.

    Returns the registration and its private token (shown once; only its hash is stored).
    ``ignore_window`` lets organisers register on behalf outside the registration window;
    ``walk_in`` (at the check-in desk: the people are in the room) confirms whatever the capacity.
    """
    if organisation.network_id != meeting.network_id:
        raise NotFound("There is no such meeting.")
    if organisation.status == OrganisationStatus.WITHDRAWN:
        raise Invalid("A withdrawn organisation cannot register.")
    if not ignore_window and not registration_open(meeting, now):
        raise Invalid("Registration for this meeting is not open.")
    attendees = int(attendees)
    if not 1 <= attendees <= meeting.per_organisation_limit:
        raise Invalid("An organisation can bring between 1 and %(limit)s people.", field="attendees",
                      limit=meeting.per_organisation_limit)
    names = _clean_names(attendee_names, attendees)
    if preferred_cluster_id is not None and preferred_cluster_id not in {c.id for c in meeting.network.clusters}:
        raise Invalid("Choose one of the network's clusters.", field="preferred_cluster_id")

    capacity = lock_meeting(meeting)
    if active_registration(meeting, organisation) is not None:
        raise Conflict("This organisation is already registered for this meeting.")
    fits = walk_in or seats_taken(meeting) + attendees <= capacity
    token = new_token(24)
    registration = Registration(
        meeting_id=meeting.id, organisation_id=organisation.id, attendees=attendees, attendee_names=names,
        status=RegistrationStatus.CONFIRMED if fits else RegistrationStatus.WAITLISTED,
        preferred_cluster_id=preferred_cluster_id, accessibility=(accessibility or "").strip()[:500],
        umbrella=" ".join((umbrella or "").split())[:200], source=source, token_hash=token_digest(token), checkin_hash=token_digest(checkin_code(token)),
        table_locked=False,
    )
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError as error:  # pragma: no cover - guarded by the lock above
        raise Conflict("This organisation is already registered for this meeting.") from error
    signals.registration_created.send(registration)
    return registration, token


def promote_waiting(meeting: Meeting, now: datetime | None = None) -> list[Registration]:
    """Give free seats to the waiting list in order of registration (call with the lock held).

    A group larger than the seats left keeps its place; smaller groups behind it may take the
    seats (first fit in order), so seats never stay empty while someone who fits waits.
    """
    free = lock_meeting(meeting) - seats_taken(meeting)
    promoted = []
    if free <= 0:
        return promoted
    waiting = db.session.scalars(
        sa.select(Registration).where(
            Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.WAITLISTED
        ).order_by(Registration.created_at, Registration.id)
    )
    for registration in waiting:
        if registration.attendees <= free:
            registration.status = RegistrationStatus.CONFIRMED
            registration.promoted_at = now or utcnow()
            free -= registration.attendees
            promoted.append(registration)
        if free <= 0:
            break
    db.session.flush()
    for registration in promoted:
        signals.registration_promoted.send(registration)
    return promoted


def cancel_registration(registration: Registration, *, actor_kind: str = "group",
                        actor_user_id: int | None = None) -> list[Registration]:
    """Cancel (idempotent); frees the table and promotes from the waiting list. Returns the promoted."""
    meeting = registration.meeting
    lock_meeting(meeting)
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.CANCELLED:
        return []
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    if registration.table_id is not None:
        db.session.add(AssignmentChange(
            meeting_id=meeting.id, registration_id=registration.id, actor_kind=actor_kind,
            actor_user_id=actor_user_id, action="release", from_table_id=registration.table_id,
            to_table_id=None,
        ))
        registration.table_id = None
        registration.table_locked = False
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = utcnow()
    db.session.flush()
    signals.registration_cancelled.send(registration, actor_kind=actor_kind)
    return promote_waiting(meeting) if was_confirmed else []


def reissue_private_link(registration: Registration) -> str:
    """A new private token for ``registration`` (e.g. for the bot to send a link); the old link and
    the old QR code stop working. Returns the token (only its hash is stored)."""
    token = new_token(24)
    registration.token_hash = token_digest(token)
    registration.checkin_hash = token_digest(checkin_code(token))
    db.session.flush()
    return token


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first in line; None unless waiting."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    ahead = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.meeting_id == registration.meeting_id,
        Registration.status == RegistrationStatus.WAITLISTED,
        sa.or_(Registration.created_at < registration.created_at,
               sa.and_(Registration.created_at == registration.created_at, Registration.id < registration.id)),
    ))
    return int(ahead) + 1


def registration_by_token(token: str) -> Registration:
    """The registration behind a private link, or 404."""
    registration = None
    if token and len(token) <= 100:
        registration = db.session.scalar(sa.select(Registration).where(Registration.token_hash == token_digest(token)))
    if registration is None:
        raise NotFound("This link is not valid.")
    return registration


def registration_by_checkin_code(meeting: Meeting, code: str) -> Registration:
    registration = None
    if code and len(code) <= 100:
        registration = db.session.scalar(sa.select(Registration).where(
            Registration.checkin_hash == token_digest(code), Registration.meeting_id == meeting.id
        ))
    if registration is None:
        raise NotFound("This check-in code is not for this meeting.")
    return registration


def registrations(meeting: Meeting, *, status: str | None = None) -> list[Registration]:
    query = sa.select(Registration).where(Registration.meeting_id == meeting.id)
    if status:
        query = query.where(Registration.status == status)
    return list(db.session.scalars(query.order_by(Registration.created_at, Registration.id)))


def get_registration(meeting: Meeting, registration_id: int) -> Registration:
    registration = db.session.get(Registration, registration_id) if valid_id(registration_id) else None
    if registration is None or registration.meeting_id != meeting.id:
        raise NotFound("There is no such registration.")
    return registration


# --- check-in ---------------------------------------------------------------------------------

def check_in(registration: Registration, *, user_id: int | None = None) -> bool:
    """Mark arrival. True if this call checked in; False if it was already checked in (safe)."""
    if registration.status != RegistrationStatus.CONFIRMED:
        raise Conflict("Only confirmed registrations can check in.")
    result = db.session.execute(
        sa.update(Registration)
        .where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=utcnow(), checked_in_by_id=user_id)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(registration)
    return result.rowcount == 1


def add_walk_in(meeting: Meeting, organisation: Organisation, *, attendees: int = 1,
                user_id: int | None = None) -> Registration:
    """One tap at the check-in desk: a group that is here (not registered, or on the waiting list)
    is confirmed, checked in and seated at the best table with room (``breakouts.seat_arrival``)."""
    from .breakouts import seat_arrival

    existing = active_registration(meeting, organisation)
    if existing is None:
        registration, _token = register(meeting, organisation, attendees=attendees, source="walkin",
                                        ignore_window=True, walk_in=True)
    else:
        registration = existing
        if registration.status == RegistrationStatus.WAITLISTED:
            lock_meeting(meeting)
            registration.status = RegistrationStatus.CONFIRMED
            registration.promoted_at = utcnow()
            db.session.flush()
    check_in(registration, user_id=user_id)
    seat_arrival(registration, actor_user_id=user_id)
    return registration


def walk_in_candidates(meeting: Meeting, query: str, limit: int = 10) -> list[Organisation]:
    """Groups of the network matching ``query`` that are not confirmed for ``meeting`` (walk-ins)."""
    query = " ".join((query or "").replace("\x00", "").split())[:100]
    if not query:
        return []
    confirmed = sa.select(Registration.organisation_id).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.CONFIRMED)
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(db.session.scalars(sa.select(Organisation).where(
        Organisation.network_id == meeting.network_id, Organisation.status != OrganisationStatus.WITHDRAWN,
        ~Organisation.name_key.startswith("erased:"), Organisation.id.not_in(confirmed),
        Organisation.name.ilike(pattern, escape="\\"),
    ).order_by(Organisation.name).limit(limit)))


def checkin_stats(meeting: Meeting) -> dict:
    """Arrivals against registrations (organisations and people)."""
    rows = db.session.execute(
        sa.select(
            sa.func.count(Registration.id), sa.func.coalesce(sa.func.sum(Registration.attendees), 0),
            sa.func.count(Registration.checked_in_at),
            sa.func.coalesce(sa.func.sum(sa.case((Registration.checked_in_at.is_not(None), Registration.attendees),
                                                 else_=0)), 0),
        ).where(Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.CONFIRMED)
    ).one()
    waiting = db.session.scalar(sa.select(sa.func.count()).select_from(Registration).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.WAITLISTED))
    return {"registered": int(rows[0]), "registered_people": int(rows[1]), "arrived": int(rows[2]),
            "arrived_people": int(rows[3]), "waitlisted": int(waiting), "capacity": meeting.capacity}


def search_registrations(meeting: Meeting, query: str, limit: int = 30) -> list[Registration]:
    """Confirmed registrations whose organisation name or an attendee's name contains ``query``."""
    query = " ".join((query or "").split()).casefold()
    if not query:
        return []
    found = []
    for registration in registrations(meeting, status=RegistrationStatus.CONFIRMED):
        haystack = [registration.organisation.name, registration.organisation.representative,
                    *registration.attendee_names]
        if any(query in (h or "").casefold() for h in haystack):
            found.append(registration)
    found.sort(key=lambda r: r.organisation.name)
    return found[:limit]


# --- personal data ----------------------------------------------------------------------------

def forget_organisation(organisation: Organisation) -> int:
    """On erasure of a group's personal data: cancel its live registrations (freeing seats for the
    waiting list) and delete attendee names and accessibility notes. Returns registrations touched."""
    touched = 0
    for registration in db.session.scalars(
            sa.select(Registration).where(Registration.organisation_id == organisation.id)):
        if registration.status != RegistrationStatus.CANCELLED:
            cancel_registration(registration, actor_kind="system")
        registration.attendee_names, registration.accessibility = [], ""
        touched += 1
    db.session.flush()
    return touched


def _on_personal_data_erased(organisation, **_extra) -> None:
    forget_organisation(organisation)
