"""Meeting pages through the test client: organisers (both languages), groups, the public."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from civicnet.extensions import db
from civicnet.meetings import breakouts, services
from civicnet.meetings.models import AssignmentChange, JointAction, Meeting, Registration
from civicnet.organisations.services import issue_edit_token
from tests.builders import login, make_network, make_organisation, make_user

from .conftest import make_meeting, meeting_url as _url


@pytest.mark.parametrize("lang,words", [("ko", ["행사", "참가 신청"]), ("en", ["Meetings", "Registrations"])])
def test_organiser_pages_in_both_languages(client, network, organiser, meeting, lang, words):
    services.register(meeting, make_organisation(network, name="가나다 모임"), attendees=2)
    db.session.commit()
    index = client.get(f"/o/cheongju/meetings/?lang={lang}")
    assert index.status_code == 200 and words[0] in index.text
    show = client.get(_url(meeting, f"?lang={lang}"))
    assert show.status_code == 200 and words[1] in show.text and "가나다 모임" in show.text
    for path in ("/edit", "/checkin", "/checkin?q=가나다", "/breakouts"):
        assert client.get(_url(meeting, path + ("&" if "?" in path else "?") + f"lang={lang}")).status_code == 200
    assert client.get(f"/o/cheongju/meetings/new?lang={lang}").status_code == 200


def test_create_meeting_through_the_form(client, network, organiser):
    clusters = network.clusters
    form = {
        "title_ko": "2025 교류회", "title_en": "2025 exchange", "venue_ko": "서원구청", "day": "2030-05-30",
        "start": "14:00", "end": "15:30", "registration_opens": "2030-04-22", "registration_closes": "2030-05-10",
        "capacity": "120", "per_organisation_limit": "2",
        "programme": "13:30 | 접수 | Check-in\n14:50 | 분야별 모임 | Breakouts | 40분",
    } | {f"tables_{c.id}": "3" for c in clusters} | {f"seats_{c.id}": "8" for c in clusters}
    form[f"tables_{clusters[0].id}"] = "0"  # this cluster runs no group
    response = client.post("/o/cheongju/meetings/new", data=form)
    assert response.status_code == 302
    meeting = db.session.scalars(db.select(Meeting)).one()
    assert meeting.starts_at.isoformat() == "2030-05-30T05:00:00"  # 14:00 in Seoul, stored as UTC
    assert meeting.registration_closes_at.isoformat() == "2030-05-10T15:00:00"  # end of 10 May in Seoul
    assert [p.item_ko for p in meeting.programme] == ["접수", "분야별 모임"]
    assert len(breakouts.tables(meeting)) == 3 * (len(clusters) - 1)
    bad = client.post("/o/cheongju/meetings/new", data=form | {"programme": "later | 접수"})
    assert bad.status_code == 422


@pytest.mark.parametrize("bad,message", [
    ({"day": "2030-02-30"}, "Not a valid date value"),
    ({"day": "0001-01-01"}, "Please choose a date between 2000-01-01 and 2099-12-31."),
    ({"registration_closes": "9999-12-31"}, "Please choose a date between"),
    ({"start": "25:00"}, "Not a valid time value"),
    ({"programme": "24:30 | 접수"}, "Programme line 1 must start with a time like 14:00."),
    ({"tables_first": "99999999999999999999"}, None),
])
def test_a_refused_meeting_form_keeps_what_was_typed_and_says_why(client, network, organiser, bad, message):
    first = network.clusters[0].id
    form = {"title_ko": "가을 교류회", "venue_ko": "서원구청", "day": "2030-05-30", "start": "14:00", "end": "15:30",
            "registration_closes": "2030-05-10", "capacity": "120", "per_organisation_limit": "2",
            "programme": "13:30 | 접수"}
    form |= {k.replace("first", str(first)): v for k, v in bad.items()}
    response = client.post("/o/cheongju/meetings/new?lang=en", data=form)
    assert response.status_code == 422
    assert 'value="가을 교류회"' in response.text and "서원구청" in response.text
    if message:
        assert message in response.text
    assert db.session.scalars(db.select(Meeting)).first() is None


def test_other_networks_organisers_get_404(client, network, meeting):
    other = make_network("daejeon")
    login(client, make_user(other))
    for path in ("", "/checkin", "/breakouts", "/export/tables.csv", "/checkin/stats.json"):
        assert client.get(_url(meeting, path)).status_code == 404
    assert client.post(_url(meeting, "/breakouts/assign")).status_code == 404
    # Their own network's URL with this meeting's id is not found either.
    assert client.get(f"/o/daejeon/meetings/{meeting.id}").status_code == 404


def test_register_on_behalf_cancel_and_promotion(client, network, organiser):
    meeting = make_meeting(network, capacity=1, per_org=1)
    first, second = make_organisation(network), make_organisation(network)
    response = client.post(_url(meeting, "/registrations"), data={"organisation_id": first.id, "attendees": 1,
                                                                 "preferred_cluster_id": 0})
    assert response.status_code == 302
    client.post(_url(meeting, "/registrations"), data={"organisation_id": second.id, "attendees": 1,
                                                      "preferred_cluster_id": 0})
    regs = db.session.scalars(db.select(Registration).order_by(Registration.id)).all()
    assert [r.status for r in regs] == ["confirmed", "waitlisted"]
    assert client.post(_url(meeting, f"/registrations/{regs[0].id}/cancel")).status_code == 302
    db.session.expire_all()
    assert regs[1].status == "confirmed" and regs[1].promoted_at is not None
    # Too many people for the limit: a form error, not a 500.
    third = make_organisation(network)
    bad = client.post(_url(meeting, "/registrations"), data={"organisation_id": third.id, "attendees": 2,
                                                            "preferred_cluster_id": 0})
    assert bad.status_code == 422


def test_group_registers_through_its_edit_link(client, network, meeting):
    org = make_organisation(network, name="청주 환경 모임")
    token = issue_edit_token(org)
    db.session.commit()
    listing = client.get(f"/meetings?t={token}")
    assert listing.status_code == 200 and meeting.title_ko in listing.text
    page = client.get(f"/meetings/{meeting.id}/register?t={token}")
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    # Names without consent are refused; without names no consent is needed.
    refused = client.post(f"/meetings/{meeting.id}/register?t={token}",
                          data={"attendees": 2, "attendee_names": "김하늘", "preferred_cluster_id": 0})
    assert refused.status_code == 422
    cluster = network.clusters[0]
    done = client.post(f"/meetings/{meeting.id}/register?t={token}",
                       data={"attendees": 2, "attendee_names": "김하늘\n이바다", "consent": "y",
                             "preferred_cluster_id": cluster.id, "accessibility": "휠체어"})
    assert done.status_code == 302 and "/meetings/registration?t=" in done.location
    personal = client.get(done.location)
    assert personal.status_code == 200 and "<svg" in personal.text and "청주 환경 모임" in personal.text
    registration = db.session.scalars(db.select(Registration)).one()
    assert registration.attendee_names == ["김하늘", "이바다"] and registration.preferred_cluster_id == cluster.id
    assert client.get("/meetings/registration?t=wrong").status_code == 404
    assert client.get(f"/meetings/{meeting.id}/register?t=wrong").status_code == 404
    # Cancel from the private page.
    private = done.location.split("t=")[1]
    assert client.post(f"/meetings/registration/cancel?t={private}").status_code == 302
    db.session.expire_all()
    assert registration.status == "cancelled"


def test_promotion_shows_on_the_personal_page(client, network):
    meeting = make_meeting(network, capacity=1, per_org=1)
    holder, _ = services.register(meeting, make_organisation(network))
    waiting, token = services.register(meeting, make_organisation(network))
    db.session.commit()
    assert "1" in client.get(f"/meetings/registration?t={token}&lang=en").text
    services.cancel_registration(holder)
    db.session.commit()
    page = client.get(f"/meetings/registration?t={token}&lang=en")
    assert "moved from the waiting list" in page.text and "<svg" in page.text


def test_check_in_by_qr_and_by_name_twice(client, network, organiser, meeting):
    registration, token = services.register(meeting, make_organisation(network, name="무심천 지킴이"))
    db.session.commit()
    code = services.checkin_code(token)
    scanned = client.get(_url(meeting, f"/checkin/code?c={code}&lang=en"))
    assert scanned.status_code == 200 and "무심천 지킴이" in scanned.text
    assert client.get(_url(meeting, "/checkin/code?c=nope")).status_code == 404
    first = client.post(_url(meeting, f"/checkin/{registration.id}?lang=en"), follow_redirects=True)
    assert "checked in" in first.text
    second = client.post(_url(meeting, f"/checkin/{registration.id}?lang=en"), follow_redirects=True)
    assert second.status_code == 200 and "already checked in" in second.text
    stats = client.get(_url(meeting, "/checkin/stats.json")).get_json()
    assert stats["arrived"] == 1 and stats["registered"] == 1


def _breakouts_page(client, network, *, seats: int, groups: int, lang: str) -> str:
    """The breakout page after assigning ``groups`` one-person groups to tables of one cluster."""
    meeting = make_meeting(network, capacity=100, per_org=2, breakouts={network.clusters[0].id: (1, seats)})
    for _ in range(groups):
        services.register(meeting, make_organisation(network, goals=[13]), attendees=1)
    db.session.commit()
    client.post(_url(meeting, "/breakouts/assign"))
    return client.get(_url(meeting, f"/breakouts?lang={lang}")).text


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_optimality_sentence_is_shown_only_when_it_means_something(client, network, organiser, lang):
    # Five groups, four seats: one group is left without a seat, so no bound on the plan is quoted.
    crowded = _breakouts_page(client, network, seats=4, groups=5, lang=lang)
    assert ("자리를 받지 못했습니다" if lang == "ko" else "have no seat") in crowded
    assert ("최선의 배정의 차이" if lang == "ko" else "below the best possible") not in crowded
    assert ("더 나은 배정이 없습니다" if lang == "ko" else "No better plan") not in crowded
    # Room for everyone: the optimiser proves its plan, and the page says so in plain words.
    roomy = _breakouts_page(client, network, seats=6, groups=4, lang=lang)
    assert ("더 나은 배정이 없습니다" if lang == "ko" else "No better plan exists") in roomy


def test_breakouts_assign_move_lock_exports_and_joint_action(client, network, organiser):
    meeting = make_meeting(network, capacity=100, per_org=2, tables=2, seats=4)
    orgs = [make_organisation(network, name=f"단체 {chr(0xAC00 + i * 300)}", goals=[13, 15], public_listing=True)
            for i in range(5)]
    regs = [services.register(meeting, o, attendees=1 + i % 2)[0] for i, o in enumerate(orgs)]
    db.session.commit()
    assert client.post(_url(meeting, "/breakouts/assign")).status_code == 302
    db.session.expire_all()
    assert all(r.table_id for r in regs)
    assert meeting.assignment_summary["gap"] <= 0.001
    target = next(t for t in breakouts.tables(meeting) if t.id != regs[0].table_id)
    assert client.post(_url(meeting, "/breakouts/move"),
                       data={"registration_id": regs[0].id, "table_id": target.id}).status_code == 302
    db.session.expire_all()
    assert regs[0].table_id == target.id and regs[0].table_locked
    move = db.session.scalars(db.select(AssignmentChange).where(AssignmentChange.action == "move")).one()
    assert move.to_table_id == target.id and move.actor_user_id == organiser.id
    # Re-running keeps the locked group where it was put.
    client.post(_url(meeting, "/breakouts/assign"))
    db.session.expire_all()
    assert regs[0].table_id == target.id
    client.post(_url(meeting, "/breakouts/lock"), data={"registration_id": regs[0].id, "locked": "0"})
    db.session.expire_all()
    assert not regs[0].table_locked
    page = client.get(_url(meeting, "/breakouts?lang=en"))
    assert page.status_code == 200 and "Change log" in page.text

    csv_body = client.get(_url(meeting, "/export/tables.csv")).data
    assert csv_body.startswith("\ufeff".encode()) and "단체".encode() in csv_body
    book = load_workbook(io.BytesIO(client.get(_url(meeting, "/export/tables.xlsx")).data))
    assert book.active.max_row == 1 + len(regs)
    for path in ("/export/tables.pdf", f"/export/tables.pdf?cluster={target.cluster_id}", "/export/signin.pdf"):
        response = client.get(_url(meeting, path))
        assert response.status_code == 200 and response.data.startswith(b"%PDF")
    signin = client.get(_url(meeting, "/export/signin.csv")).data.decode("utf-8-sig").splitlines()
    names = [line.split(",")[0] for line in signin[1:]]
    assert names == sorted(names)
    assert client.get(_url(meeting, "/export/signin.doc")).status_code == 422

    table = db.session.get(type(target), regs[1].table_id)
    members = [r for r in regs if r.table_id == table.id]
    response = client.post(_url(meeting, f"/tables/{table.id}/action"), data={
        "title": "무심천 함께 걷기", "goals": ["6", "15"], "lead_organisation_id": members[0].organisation_id,
        "partners": [str(r.organisation_id) for r in members[1:]]})
    assert response.status_code == 302
    action = db.session.scalars(db.select(JointAction)).one()
    assert [g.number for g in action.goals] == [6, 15]
    public = client.get("/n/cheongju/actions?lang=en")
    assert public.status_code == 200 and "무심천 함께 걷기" in public.text
    assert members[0].organisation.name in public.text
    # A lead from another table is refused.
    outsider = next(r for r in regs if r.table_id != table.id)
    bad = client.post(_url(meeting, f"/tables/{table.id}/action"), data={
        "title": "x", "lead_organisation_id": outsider.organisation_id})
    assert bad.status_code in (422, 200)
    assert db.session.scalars(db.select(JointAction)).one().title == "무심천 함께 걷기"
