"""Issue 13: bad input is a clear 4xx in the user's language (never a 500, nothing stored), every
response carries the security headers, exports survive odd stored text, logs carry no personal data."""
from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from civicnet.extensions import db
from civicnet.meetings import services as meetings
from civicnet.meetings.models import Registration
from civicnet.organisations.models import Organisation
from tests.builders import login, make_organisation, make_user
from tests.meetings.conftest import make_meeting

ROOT = Path(__file__).resolve().parents[2]
KO_BAD_CHARS = "저장할 수 없는 문자"


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# --- headers -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/healthz", "/n/cheongju/", "/login", "/api/v1/goals/", "/nowhere"])
def test_security_headers_on_every_response(client, network, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # development: plain http


def test_hsts_in_production(app, client, network):
    app.config["ENV_NAME"] = "production"
    assert "max-age=" in client.get("/healthz").headers["Strict-Transport-Security"]


def test_pages_keep_their_stricter_referrer_policy(client, network):
    # The edit page carries a private token in its URL; it keeps its own no-referrer.
    org = make_organisation(network, email="a@example.org")
    from civicnet.organisations.services import issue_edit_token

    token = issue_edit_token(org, actor_kind="organiser")
    db.session.commit()
    assert client.get(f"/edit?t={token}").headers["Referrer-Policy"] == "no-referrer"


def test_templates_have_no_inline_script():
    """The CSP forbids inline script: no <script> without src, no on...= handlers, no javascript: URLs."""
    offenders = []
    for path in ROOT.glob("civicnet/**/templates/**/*.html"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\son[a-z]+\s*=", text) \
                or "javascript:" in text or "<style" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert not offenders


def test_405_has_allow_header(client, network):
    response = client.post("/healthz")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
    api = client.delete("/api/v1/goals/")
    assert api.status_code == 405 and "GET" in api.headers["Allow"] and api.json["error"]


def test_csv_has_one_charset(client, network):
    login(client, make_user(network))
    response = client.get("/o/cheongju/organisations.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


# --- characters that cannot be stored -----------------------------------------------------------

@pytest.mark.parametrize("lang,words", [("ko", KO_BAD_CHARS), ("en", "cannot be stored")])
def test_nul_in_query_string_is_400_in_the_users_language(client, network, lang, words):
    response = client.get(f"/n/cheongju/?q=%00&lang={lang}")
    assert response.status_code == 400 and words in response.get_data(as_text=True)


def test_nul_in_a_form_is_400_and_nothing_is_stored(client, network):
    assert client.post("/login", data={"email": "a%00@example.org".replace("%00", "\x00"),
                                       "password": "x"}).status_code == 400
    details = {"name": "맑은\x00물", "kind": "ngo", "email": "river@example.org", "activities": "하천 정화"}
    response = client.post("/n/cheongju/register", data=details)
    assert response.status_code == 400 and KO_BAD_CHARS in response.get_data(as_text=True)
    assert count(Organisation) == 0


def test_nul_in_attendee_names_is_refused(client, network):
    meeting = make_meeting(network)
    org = make_organisation(network, email="a@example.org")
    from civicnet.organisations.services import issue_edit_token

    token = issue_edit_token(org, actor_kind="organiser")
    db.session.commit()
    response = client.post(f"/meetings/{meeting.id}/register?t={token}",
                           data={"attendees": "2", "attendee_names": "김\x00철수", "consent": "y"})
    assert response.status_code == 400 and count(Registration) == 0


@pytest.mark.parametrize("body", [{"name": "\ud800"}, {"texts": ["a\udfffb"]}, {"\ud800": 1}])
def test_lone_surrogates_in_json_are_400(client, network, body):
    for path in ("/api/v1/networks/cheongju/organisations", "/api/v1/classify"):
        response = client.post(path, json=body)
        assert response.status_code == 400 and response.json["error"] == "bad_request"
    assert count(Organisation) == 0


def test_deeply_nested_json_is_a_4xx(client, network):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/v1/classify", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500


# --- integers out of range ------------------------------------------------------------------------

def test_huge_integers_in_paths_are_404(client, network):
    login(client, make_user(network))
    for path in ("/api/v1/goals/444238252808391040", "/o/cheongju/organisations/99999999999",
                 "/o/cheongju/meetings/2147483648", "/meetings/99999999999999999999999/register",
                 "/o/cheongju/reports/99999999999.csv"):
        assert client.get(path).status_code == 404, path
    assert client.get("/api/v1/goals/17").status_code == 200


def test_huge_page_numbers_are_not_server_errors(client, network):
    login(client, make_user(network))
    for path in ("/o/cheongju/organisations?page=99999999999999999999", "/o/cheongju/admin/audit?page=999999999999"):
        assert client.get(path).status_code < 500, path


# --- exports with odd stored text -----------------------------------------------------------------

def test_exports_survive_control_characters_stored_before_input_was_checked(client, network):
    login(client, make_user(network))
    meeting = make_meeting(network)
    org = make_organisation(network, name="단체이름", email="a@example.org")
    registration, _ = meetings.register(meeting, org, attendees=2, attendee_names=["김철수", "박영희"])
    db.session.commit()
    # What an old row can hold: a control character (and on SQLite even a NUL) in a name.
    bad = "김\x00철수" if db.engine.dialect.name == "sqlite" else "김\x01철수"
    db.session.execute(sa.update(Organisation).where(Organisation.id == org.id).values(name="단체\x01이름"))
    db.session.execute(sa.update(Registration).where(Registration.id == registration.id)
                       .values(attendee_names=[bad, "박영희"]))
    db.session.commit()
    for fmt in ("xlsx", "csv", "pdf"):
        for kind in ("signin", "tables"):
            response = client.get(f"/o/cheongju/meetings/{meeting.id}/export/{kind}.{fmt}")
            assert response.status_code == 200, (kind, fmt)
    book = load_workbook(io.BytesIO(client.get(f"/o/cheongju/meetings/{meeting.id}/export/signin.xlsx").data))
    cells = [str(c.value) for row in book.active.iter_rows() for c in row if c.value]
    assert any("김철수" in c for c in cells)
    assert client.get("/o/cheongju/organisations.xlsx").status_code == 200


# --- text that should pass, and text that should not ----------------------------------------------

DETAILS = {"name": "코딩하는 엄마들 👩‍💻", "kind": "ngo", "email": "moms@example.org", "district": "서원구",
           "activities": "a < b 인 세상을 바꾸는 코딩 교육 & <멘토링>"}


def test_emoji_with_zwj_and_plain_angle_brackets_are_accepted_and_escaped(client, network):
    response = client.post("/n/cheongju/register", data=DETAILS)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    org = make_organisation(network, name=DETAILS["name"], activities=DETAILS["activities"], email="m@example.org")
    login(client, make_user(network))
    body = client.get(f"/o/cheongju/organisations/{org.id}").get_data(as_text=True)
    assert "&lt;멘토링&gt;" in body and "<멘토링>" not in body and "a &lt; b" in body and "👩‍💻" in body


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u200f"])
def test_right_to_left_overrides_are_refused_in_names(client, network, char):
    response = client.post("/n/cheongju/register", data=DETAILS | {"name": f"exe.{char}txt"})
    assert response.status_code == 422 and "방향을 바꾸는" in response.get_data(as_text=True)


# --- logs -------------------------------------------------------------------------------------------

def test_a_failing_request_logs_no_personal_data(app, client, network, caplog):
    """A request that fails inside the database (the INSERT carries a name and an accessibility
    note) and one that fails with the name in the exception message: the log has neither."""
    name, note = "홍길동", "휠체어를 사용합니다"
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.post("/_test/fail-sql")
    def fail_sql():
        db.session.execute(sa.text("INSERT INTO no_such_table (name, note) VALUES (:name, :note)"),
                           {"name": name, "note": note})
        return "unreachable"

    @app.post("/_test/fail-message")
    def fail_message():
        raise ValueError(f"cannot export {name} ({note})")

    caplog.set_level(logging.DEBUG)
    for path in ("/_test/fail-sql", "/_test/fail-message"):
        response = client.post(path)
        assert response.status_code == 500
    text = caplog.text + "".join(str(r.exc_info) + str(r.args) for r in caplog.records)
    assert "Exception on POST" in text and "message withheld" in text
    assert name not in text and note not in text
    assert db.engine.hide_parameters


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_impossible_meeting_dates_are_refused_and_nothing_is_stored(client, network, day):
    from civicnet.meetings.models import Meeting

    login(client, make_user(network))
    response = client.post("/o/cheongju/meetings/new", data={
        "title_ko": "행사", "day": day, "start": "14:00", "end": "15:30", "capacity": "100",
        "per_organisation_limit": "3", "registration_opens": day, "registration_closes": day})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "2000-01-01부터 2099-12-31 사이의 날짜를 골라 주세요." in page and 'value="행사"' in page
    assert count(Meeting) == 0
