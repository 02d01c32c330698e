"""The breakout exchange on the day, through services and pages: a sparse meeting, re-running for
arrivals, walk-ins, the plan in words, printing (fonts embedded, content), the calendar file and
the group's edit page."""
from __future__ import annotations

import re

from icalendar import Calendar

from civicnet.extensions import db
from civicnet.meetings import breakouts, services
from civicnet.meetings.models import Registration
from civicnet.organisations.services import issue_edit_token
from tests.builders import make_organisation
from tests.pdfcheck import assert_fonts_embedded, pdf_pages, pdf_text

from .conftest import make_meeting, meeting_url as _url

# Kinds and SDGs of 15 groups of 2 people (30 people), as in issue 11's try-out.
GROUPS = [
    ("맑은물 지킴이", "ngo", [6, 14, 15]), ("무심천 생태학교", "school", [4, 6, 15]), ("초록 협동조합", "cooperative", [2, 12]),
    ("청주 로컬푸드", "social_enterprise", [2, 3, 12]), ("햇살 에너지", "company", [7, 13]),
    ("마을 돌봄 모임", "village_group", [1, 3, 10]), ("청년 일자리 센터", "ngo", [8, 9]),
    ("기후행동 청주", "ngo", [13, 17]), ("도서관 친구들", "club", [4, 11]), ("안전 마을 만들기", "village_group", [11, 16]),
    ("김 시민", "individual", [12, 13]), ("나눔 푸드뱅크", "ngo", [1, 2, 12]), ("문화 공작소", "social_enterprise", [4, 11]),
    ("새싹 유치원", "school", [3, 4]), ("자원순환 가게", "company", [12, 8]),
]


def _sparse(network, *, umbrella_pairs: bool = False):
    """The example meeting's set-up (7 clusters x 4 tables x 8 seats) with 15 groups of 2."""
    meeting = make_meeting(network, capacity=250, per_org=2, tables=4, seats=8)
    regs = []
    for n, (name, kind, goals) in enumerate(GROUPS):
        org = make_organisation(network, name=name, kind=kind, goals=goals)
        umbrella = "청주시민단체연대" if umbrella_pairs and n in (0, 6, 7) else ""
        regs.append(services.register(meeting, org, attendees=2, attendee_names=[f"참석자{n}가", f"참석자{n}나"],
                                      umbrella=umbrella)[0])
    db.session.commit()
    return meeting, regs


def test_sparse_meeting_fills_few_tables_and_says_so_in_words(client, network, organiser):
    meeting, regs = _sparse(network)
    assert client.post(_url(meeting, "/breakouts/assign")).status_code == 302
    db.session.expire_all()
    used = {r.table_id for r in regs}
    assert None not in used and len(used) in (4, 5)  # not 15 tables of one group each
    tables = breakouts.tables(meeting)
    numbers = sorted(t.display_number for t in tables if t.display_number is not None)
    assert numbers == list(range(1, len(used) + 1))
    assert all((t.display_number is None) == (t.id not in used) for t in tables)
    for table_id in used:
        members = [r for r in regs if r.table_id == table_id]
        assert len(members) >= 3 and 6 <= sum(r.attendees for r in members) <= 8
    summary = meeting.assignment_summary
    assert summary["tables_used"] == len(used) and summary["gap"] <= 0.005 and summary["merges"]
    page = client.get(_url(meeting, "/breakouts")).get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", page)
    assert f"15개 단체(30명)가 테이블 {len(used)}개에 앉습니다" in text
    assert "예비용" in text
    assert "분야는 단체" in text  # the merge and its reason
    # No solver output or raw codes.
    for raw in ("LP", "optimiser", "agri-food", "308.", "적합도 합계"):
        assert raw not in text
    english = re.sub(r"<[^>]+>", " ", client.get(_url(meeting, "/breakouts?lang=en")).get_data(as_text=True))
    assert f"15 groups (30 people) at {len(used)} tables" in english and "automatic assignment" in english


def test_umbrella_groups_never_share_a_table(client, network, organiser):
    meeting, regs = _sparse(network, umbrella_pairs=True)
    breakouts.run_assignment(meeting)
    db.session.commit()
    assert len({regs[0].table_id, regs[6].table_id, regs[7].table_id}) == 3


def test_rerun_for_arrivals_keeps_locks_and_drops_no_shows(client, network, organiser):
    meeting, regs = _sparse(network)
    breakouts.run_assignment(meeting)
    db.session.commit()
    absent_locked = regs[14]
    breakouts.set_locked(absent_locked, True, actor_user_id=organiser.id)
    kept_table = absent_locked.table_id
    for r in regs[:9]:
        services.check_in(r)
    db.session.commit()
    assert client.post(_url(meeting, "/breakouts/assign"), data={"arrived_only": "1"}).status_code == 302
    db.session.expire_all()
    assert absent_locked.table_id == kept_table
    assert all(r.table_id is None for r in regs[9:14])  # no-shows lose their seat
    seated = [r for r in regs if r.table_id]
    assert len(seated) == 10 and meeting.assignment_summary["absent"] == 5
    assert meeting.assignment_summary["tables_used"] <= 3


def test_walk_in_in_one_tap_gets_a_table_in_large_type(client, network, organiser):
    meeting, regs = _sparse(network)
    breakouts.run_assignment(meeting)
    db.session.commit()
    walker = make_organisation(network, name="현장 참가 협동조합", kind="cooperative", goals=[12, 2])
    page = client.get(_url(meeting, "/checkin?q=현장 참가")).get_data(as_text=True)
    assert "현장 참가로 자리 배정" in page and f'value="{walker.id}"' in page
    response = client.post(_url(meeting, "/checkin/walk-in"), data={"organisation_id": walker.id})
    assert response.status_code == 302
    arrived = client.get(response.headers["Location"]).get_data(as_text=True)
    registration = db.session.scalars(db.select(Registration).where(Registration.organisation_id == walker.id)).one()
    assert registration.status == "confirmed" and registration.checked_in_at and registration.source == "walkin"
    table = registration.table
    assert table is not None and table.display_number is not None  # a used table with room
    assert re.search(rf'class="table-number"[^>]*>\s*{table.display_number}\s*<', arrived)
    assert f"{table.display_number}번 테이블" in arrived
    # The same group again: nothing doubles.
    client.post(_url(meeting, "/checkin/walk-in"), data={"organisation_id": walker.id})
    assert db.session.scalar(db.select(db.func.count()).select_from(Registration).where(
        Registration.organisation_id == walker.id)) == 1
    # No such group, or ids beyond the database's integers (PostgreSQL): 404, not 500.
    for bad in (10**9, 10**12, -1, "abc"):
        assert client.post(_url(meeting, "/checkin/walk-in"), data={"organisation_id": bad}).status_code == 404
    assert client.get(_url(meeting, f"/checkin?arrived={10**12}")).status_code == 404
    assert client.get(f"/o/cheongju/meetings/{10**12}/breakouts").status_code == 404
    assert client.get(_url(meeting, "/checkin?q=%00맑은")).status_code in (200, 400)  # never a 500


def test_walk_in_opens_a_spare_table_when_every_used_table_is_full(network):
    meeting = make_meeting(network, capacity=20, per_org=4, tables=2, seats=4,
                           breakouts={network.clusters[0].id: (2, 4)})
    regs = [services.register(meeting, make_organisation(network, kind=k, goals=[1, 8]), attendees=2)[0]
            for k in ("ngo", "company")]
    breakouts.run_assignment(meeting)  # 4 people: one table of 4 is enough, the other is spare
    walker = make_organisation(network, name="늦게 온 모임", goals=[1])
    registration = services.add_walk_in(meeting, walker, attendees=1)
    db.session.commit()
    assert {r.table_id for r in regs} != {registration.table_id}
    assert registration.table.display_number == 2


def test_late_registration_is_seated_at_check_in(client, network, organiser):
    meeting, regs = _sparse(network)
    breakouts.run_assignment(meeting)
    db.session.commit()
    late, _token = services.register(meeting, make_organisation(network, name="늦은 신청 단체", goals=[6]), attendees=1)
    db.session.commit()
    response = client.post(_url(meeting, f"/checkin/{late.id}"))
    db.session.expire_all()
    assert late.table_id is not None
    assert f"{late.table.display_number}번 테이블" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_printed_pdfs_embed_their_font_and_carry_the_plan(client, network, organiser):
    meeting, regs = _sparse(network)
    breakouts.run_assignment(meeting)
    db.session.commit()
    used = sorted({r.table.display_number for r in regs})
    pdfs = {}
    for name, path in (("tags", "/export/nametags.pdf"), ("tents", "/export/tents.pdf"),
                       ("signin", "/export/signin.pdf"), ("plan", "/export/tables.pdf")):
        response = client.get(_url(meeting, path))
        assert response.status_code == 200 and response.mimetype == "application/pdf"
        fonts = assert_fonts_embedded(response.data)
        assert {f["name"].split("+")[-1] for f in fonts} == {"NanumGothic"}
        pdfs[name] = response.data
    tags = pdf_text(pdfs["tags"])
    assert pdf_pages(pdfs["tags"]) == 3  # 30 people, 10 tags a page
    assert "참석자0가" in tags and "맑은물 지킴이" in tags and f"{regs[0].table.display_number}번" in tags
    assert pdf_pages(pdfs["tents"]) == len(used)  # spare tables are not printed
    tents = pdf_text(pdfs["tents"])
    assert all(str(n) in tents for n in used)
    signin = pdf_text(pdfs["signin"])
    assert signin.count("참석자") >= 30 and "서명" in signin
    row = next(line for line in signin.splitlines() if "참석자3가" in line)
    assert re.search(rf"\b{regs[3].table.display_number}\b", row)  # the table number, not a cut cluster name
    assert pdf_pages(pdfs["plan"]) == 1 + len(used)
    assert "테이블 배치" in pdf_text(pdfs["plan"])


def test_calendar_file_for_a_registration(client, network):
    meeting = make_meeting(network, venue_ko="서원구청 대회의실", venue_en="Seowon-gu office")
    org = make_organisation(network, name="달력 단체")
    registration, token = services.register(meeting, org, attendees=1)
    db.session.commit()
    page = client.get(f"/meetings/registration?t={token}").get_data(as_text=True)
    assert "/meetings/registration.ics?t=" in page
    response = client.get(f"/meetings/registration.ics?t={token}")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    assert response.headers["Cache-Control"] == "no-store"
    event = next(c for c in Calendar.from_ical(response.data).walk("VEVENT"))
    assert str(event["location"]) == "서원구청 대회의실"
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Asia/Seoul" and start.utcoffset().total_seconds() == 9 * 3600
    assert start.replace(tzinfo=None) == (meeting.starts_at.replace() + start.utcoffset())
    assert "분야별 모임" in str(event["description"])  # the programme
    assert client.get("/meetings/registration.ics?t=nope").status_code == 404


def test_group_finds_the_meeting_on_its_edit_page(client, network):
    meeting = make_meeting(network)
    org = make_organisation(network, name="편집 링크 단체")
    token = issue_edit_token(org)
    db.session.commit()
    page = client.get(f"/edit?t={token}").get_data(as_text=True)
    assert meeting.title_ko in page and f"/meetings/{meeting.id}/register?t={token}" in page
    services.register(meeting, org, attendees=2)
    db.session.commit()
    page = client.get(f"/edit?t={token}").get_data(as_text=True)
    assert "참가 신청이 되어 있습니다 (2명)" in page


def test_table_target_is_validated(client, network, organiser):
    meeting = make_meeting(network)
    form = {"title_ko": "교류회", "day": "2030-05-30", "start": "14:00", "end": "15:30", "capacity": "50",
            "per_organisation_limit": "2", "table_min_people": "9", "table_max_people": "6", "table_min_groups": "3"}
    response = client.post(_url(meeting, "/edit"), data=form)
    assert response.status_code == 422 and "테이블당 인원" in response.get_data(as_text=True)
    assert db.session.get(type(meeting), meeting.id).table_min_people == 6
    ok = client.post(_url(meeting, "/edit"), data=form | {"table_min_people": "4", "table_max_people": "6"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert (meeting.table_min_people, meeting.table_max_people) == (4, 6)


def test_name_tag_qr_opens_the_registration_at_the_desk(client, network, organiser):
    meeting, regs = _sparse(network)
    response = client.get(_url(meeting, f"/checkin/registrations/{regs[2].id}"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "초록 협동조합" in page and f"/checkin/{regs[2].id}" in page
    stranger = client.application.test_client()
    assert stranger.get(_url(meeting, f"/checkin/registrations/{regs[2].id}")).status_code in (302, 401, 403)
