"""Concurrent sign-ups for the last seats: never overbooked (PostgreSQL row lock; SQLite write lock)."""
from __future__ import annotations

import threading

from civicnet.extensions import db
from civicnet.meetings import services
from civicnet.meetings.models import Meeting, RegistrationStatus
from civicnet.organisations.models import Organisation
from tests.builders import make_organisation

from .conftest import make_meeting

THREADS = 12


def _race(app, meeting_id: int, org_ids: list[int], attendees: list[int]) -> list[BaseException]:
    barrier = threading.Barrier(len(org_ids))
    errors: list[BaseException] = []

    def sign_up(org_id: int, people: int) -> None:
        with app.app_context():
            try:
                meeting = db.session.get(Meeting, meeting_id)
                organisation = db.session.get(Organisation, org_id)
                barrier.wait(timeout=10)
                services.register(meeting, organisation, attendees=people)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported to the test
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=sign_up, args=(o, a)) for o, a in zip(org_ids, attendees, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_last_seats_are_never_overbooked(app, network):
    meeting = make_meeting(network, capacity=12, per_org=3)
    # Eight seats already taken: four left for twelve groups signing up at the same moment.
    for _ in range(4):
        services.register(meeting, make_organisation(network), attendees=2)
    db.session.commit()
    orgs = [make_organisation(network).id for _ in range(THREADS)]
    attendees = [1 if i % 3 else 2 for i in range(THREADS)]
    errors = _race(app, meeting.id, orgs, attendees)
    assert errors == []
    db.session.expire_all()
    assert services.seats_taken(meeting) <= meeting.capacity
    confirmed = services.registrations(meeting, status=RegistrationStatus.CONFIRMED)
    waiting = services.registrations(meeting, status=RegistrationStatus.WAITLISTED)
    assert len(confirmed) + len(waiting) == 4 + THREADS
    # The seats were filled as far as the groups allow (no seat lost to the race).
    free = meeting.capacity - services.seats_taken(meeting)
    assert all(r.attendees > free for r in waiting)


def test_concurrent_cancellations_promote_each_waiting_group_once(app, network):
    meeting = make_meeting(network, capacity=4, per_org=1)
    holders = [services.register(meeting, make_organisation(network))[0] for _ in range(4)]
    waiting = [services.register(meeting, make_organisation(network))[0] for _ in range(3)]
    db.session.commit()
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def cancel(registration_id: int) -> None:
        with app.app_context():
            try:
                from civicnet.meetings.models import Registration

                registration = db.session.get(Registration, registration_id)
                barrier.wait(timeout=10)
                services.cancel_registration(registration)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=cancel, args=(r.id,)) for r in holders[:3]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    assert services.seats_taken(meeting) == 4
    assert all(r.status == "confirmed" for r in waiting)
