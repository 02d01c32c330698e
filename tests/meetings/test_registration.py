"""Registration, capacity, waiting list, cancellation, check-in (services, both databases)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from civicnet.errors import Conflict, Invalid, NotFound
from civicnet.extensions import db
from civicnet.meetings import breakouts, services, signals
from civicnet.meetings.models import AssignmentChange, RegistrationStatus
from civicnet.timeutil import utcnow
from tests.builders import make_network, make_organisation

from .conftest import make_meeting


def test_register_confirms_until_full_then_waitlists(network):
    meeting = make_meeting(network, capacity=5, per_org=3)
    orgs = [make_organisation(network) for _ in range(4)]
    r1, token = services.register(meeting, orgs[0], attendees=3)
    r2, _ = services.register(meeting, orgs[1], attendees=2)
    r3, _ = services.register(meeting, orgs[2], attendees=1)
    r4, _ = services.register(meeting, orgs[3], attendees=2)
    db.session.commit()
    assert [r.status for r in (r1, r2, r3, r4)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert services.seats_taken(meeting) == 5
    assert services.waitlist_position(r3) == 1 and services.waitlist_position(r4) == 2
    assert services.registration_by_token(token) is r1
    assert len(r1.token_hash) == 64 and token not in (r1.token_hash, r1.checkin_hash)


def test_more_registrations_than_seats_never_overbooks(network):
    meeting = make_meeting(network, capacity=10, per_org=2)
    for _ in range(15):
        services.register(meeting, make_organisation(network), attendees=2)
    db.session.commit()
    assert services.seats_taken(meeting) == 10
    assert len(services.registrations(meeting, status=RegistrationStatus.WAITLISTED)) == 10


def test_cancellation_promotes_in_order_and_signals(network):
    meeting = make_meeting(network, capacity=4, per_org=3)
    a, b, c, d = (make_organisation(network) for _ in range(4))
    ra, _ = services.register(meeting, a, attendees=3)
    rb, _ = services.register(meeting, b, attendees=1)
    rc, _ = services.register(meeting, c, attendees=3)  # waiting 1st
    rd, _ = services.register(meeting, d, attendees=1)  # waiting 2nd
    db.session.commit()
    promoted_seen, cancelled_seen = [], []
    with signals.registration_promoted.connected_to(lambda r, **kw: promoted_seen.append(r.id)), \
            signals.registration_cancelled.connected_to(lambda r, **kw: cancelled_seen.append(r.id)):
        # One seat frees: the first in line needs 3, so the second (needs 1) takes it.
        assert services.cancel_registration(rb) == [rd]
        # Three more free: the first in line now fits.
        assert services.cancel_registration(ra) == [rc]
    db.session.commit()
    assert promoted_seen == [rd.id, rc.id] and cancelled_seen == [rb.id, ra.id]
    assert rc.status == rd.status == "confirmed" and rc.promoted_at is not None
    assert services.seats_taken(meeting) == 4
    # Cancelling twice is harmless.
    assert services.cancel_registration(rb) == []


def test_registration_rules(network):
    meeting = make_meeting(network, capacity=10, per_org=2)
    org = make_organisation(network)
    with pytest.raises(Invalid):
        services.register(meeting, org, attendees=3)
    with pytest.raises(Invalid):
        services.register(meeting, org, attendees=1, attendee_names=["가", "나"])
    # Names get the checks of every typed text: no direction-changing or control characters, a length.
    for bad in ["김\u202e수철", "김\x00철수", "가" * 101]:
        with pytest.raises(Invalid) as refused:
            services.register(meeting, org, attendees=1, attendee_names=[bad])
        assert refused.value.field == "attendee_names"
    registration, _ = services.register(meeting, org, attendees=2, attendee_names=[" 김  철수 ", ""])
    assert registration.attendee_names == ["김 철수"]
    with pytest.raises(Conflict):
        services.register(meeting, org, attendees=1)
    other = make_organisation(make_network("daejeon"))
    with pytest.raises(NotFound):
        services.register(meeting, other)
    withdrawn = make_organisation(network, status="withdrawn")
    with pytest.raises(Invalid):
        services.register(meeting, withdrawn)


def test_registration_window(network):
    now = utcnow()
    meeting = make_meeting(network, registration_opens_at=now + timedelta(days=1))
    org = make_organisation(network)
    with pytest.raises(Invalid):
        services.register(meeting, org)
    # Organisers may register on behalf outside the window.
    registration, _ = services.register(meeting, org, source="organiser", ignore_window=True)
    assert registration.status == "confirmed"


def test_re_register_after_cancel(meeting, network):
    org = make_organisation(network)
    first, _ = services.register(meeting, org)
    services.cancel_registration(first)
    second, _ = services.register(meeting, org)
    db.session.commit()
    assert second.id != first.id and second.status == "confirmed"


def test_larger_capacity_promotes(network):
    meeting = make_meeting(network, capacity=1, per_org=1)
    services.register(meeting, make_organisation(network))
    waiting, _ = services.register(meeting, make_organisation(network))
    assert waiting.status == "waitlisted"
    assert services.update_meeting(meeting, {"capacity": 2}) == [waiting]


def test_check_in_twice_is_safe(meeting, network):
    registration, token = services.register(meeting, make_organisation(network), attendees=2)
    db.session.commit()
    found = services.registration_by_checkin_code(meeting, services.checkin_code(token))
    assert found is registration
    assert services.check_in(registration) is True
    first = registration.checked_in_at
    assert services.check_in(registration) is False
    assert registration.checked_in_at == first
    stats = services.checkin_stats(meeting)
    assert stats["arrived"] == 1 and stats["arrived_people"] == 2 and stats["registered"] == 1


def test_waitlisted_cannot_check_in(network):
    meeting = make_meeting(network, capacity=1, per_org=1)
    services.register(meeting, make_organisation(network))
    waiting, _ = services.register(meeting, make_organisation(network))
    with pytest.raises(Conflict):
        services.check_in(waiting)


def test_cancellation_after_assignment_frees_the_table(meeting, network):
    regs = [services.register(meeting, make_organisation(network, goals=[13, 15]))[0] for _ in range(3)]
    breakouts.run_assignment(meeting)
    db.session.commit()
    assert all(r.table_id for r in regs)
    table_id = regs[0].table_id
    services.cancel_registration(regs[0], actor_kind="organiser")
    db.session.commit()
    assert regs[0].table_id is None
    release = db.session.scalars(db.select(AssignmentChange).where(AssignmentChange.action == "release")).one()
    assert release.from_table_id == table_id and release.to_table_id is None
    # A re-run seats the others as before and nobody at the freed place.
    summary = breakouts.run_assignment(meeting)
    assert summary["seated"] == 2


def test_search_by_name(meeting, network):
    org = make_organisation(network, name="무심천 지킴이")
    services.register(meeting, org, attendees=2, attendee_names=["김하늘", "이바다"])
    assert services.search_registrations(meeting, "바다")[0].organisation is org
    assert services.search_registrations(meeting, "무심천")[0].organisation is org
    assert services.search_registrations(meeting, "없는이름") == []


def test_classifier_scores_from_matching_or_sdg_scores(network):
    from civicnet.matching.models import MatchingSuggestion
    from civicnet.organisations.models import OrganisationGoal

    scored = make_organisation(network)
    db.session.add(MatchingSuggestion(organisation_id=scored.id, network_id=network.id, model_version="t",
                                      suggested=[15], top_cluster="nature",
                                      result={"clusters": [{"key": "nature", "score": 0.9},
                                                           {"key": "unknown", "score": 0.5}]}))
    fallback = make_organisation(network)
    fallback.goal_links.append(OrganisationGoal(goal_number=14, selected=False, source="suggested",
                                                suggested=True, suggested_score=0.7))
    plain = make_organisation(network)
    db.session.commit()
    clusters = list(network.clusters)
    nature = next(k for k, c in enumerate(clusters) if c.key == "nature")
    scores = breakouts.classifier_cluster_scores([scored, fallback, plain], clusters)
    assert scores[0] == {nature: 0.9}
    assert scores[1] == {nature: 0.7}  # SDG 14 sits only in the nature cluster
    assert scores[2] == {}


def test_erasing_a_group_clears_its_attendee_names_and_frees_seats(network):
    from civicnet.organisations.services import erase_personal_data

    meeting = make_meeting(network, capacity=1, per_org=2)
    org = make_organisation(network)
    registration, _ = services.register(meeting, org, attendees=1, attendee_names=["김하늘"], accessibility="휠체어")
    waiting, _ = services.register(meeting, make_organisation(network))
    db.session.commit()
    erase_personal_data(org, actor_kind="group")
    db.session.commit()
    assert registration.attendee_names == [] and registration.accessibility == ""
    assert registration.status == "cancelled" and waiting.status == "confirmed"


def test_reissued_link_replaces_the_old_one(meeting, network):
    registration, old = services.register(meeting, make_organisation(network))
    new = services.reissue_private_link(registration)
    assert services.registration_by_token(new) is registration
    with pytest.raises(NotFound):
        services.registration_by_token(old)
    with pytest.raises(NotFound):
        services.registration_by_checkin_code(meeting, services.checkin_code(old))
