"""A sweep of every route in the URL map with bad input: NUL bytes, broken characters, integers
far beyond PostgreSQL's range, impossible dates, over-long fields and wrong types, in the path,
the query string, forms and JSON bodies. Not one may be a server error (SQLite and PostgreSQL).

The form field names come from the app itself: every page the sweep can open is parsed for its
``name="..."`` fields, so a new form is swept without editing this test."""
from __future__ import annotations

import re

import pytest

from civicnet.extensions import db
from civicnet.meetings import breakouts
from civicnet.meetings import services as meetings
from civicnet.organisations.services import issue_edit_token
from tests.builders import login, make_organisation, make_user
from tests.meetings.conftest import make_meeting

HUGE = "99999999999999999999"
BAD_VALUES = [
    "a\x00b",                       # NUL: 400 before any view runs
    HUGE, "-2147483649",             # beyond BIGINT / INTEGER
    "0001-01-01", "9999-12-31T23:59",
    "가" * 6_000,                   # over-long (every text field allows at most 5,000)
    "",                              # empty
]
JSON_BODIES = [
    {"name": "\ud800"}, {"texts": ["x\x00"]}, {"texts": [1, {"a": []}]}, {"texts": "x" * 30_000},
    [], None, "text", 12, {"page": HUGE, "goals": [HUGE], "size": HUGE, "name": ["x"], "consent": "yes"},
    {"name": "x" * 300, "kind": "ngo", "activities": "y" * 6000, "goals": list(range(100)), "consent": True,
     "consent_version": "2024-1"},
]
# Routes whose side effects would end the sweep's own session; swept last.
LAST = {"accounts.logout", "accounts.revoke_other_sessions", "accounts.password"}


@pytest.fixture
def world(app, client, network):
    app.config["RATELIMIT_ENABLED"] = False  # the sweep sends far more than a person would
    app.extensions["civicnet_limiter"].enabled = False
    user = make_user(network, role="admin")
    login(client, user)
    meeting = make_meeting(network, capacity=50, tables=2, seats=6)
    org = make_organisation(network, name="맑은물 지킴이", email="river@example.org", goals=[6, 15])
    registration, private = meetings.register(meeting, org, attendees=2, attendee_names=["김철수"])
    edit_token = issue_edit_token(org, actor_kind="organiser")
    db.session.commit()
    ids = {
        "slug": "cheongju", "meeting_id": meeting.id, "org_id": org.id, "organisation_id": org.id,
        "registration_id": registration.id, "table_id": breakouts.tables(meeting)[0].id, "notice_id": 1,
        "user_id": user.id, "token_id": 1, "session_id": 1, "year": 2024, "number": 6, "fmt": "csv",
        "filename": "civicnet.css",
    }
    return {"ids": ids, "tokens": {"t": edit_token, "registration": private}}


def _rules(app):
    rules = [r for r in app.url_map.iter_rules() if not r.endpoint.startswith("_test")]
    return sorted(rules, key=lambda r: (r.endpoint in LAST, r.rule))


def _path(rule, ids: dict, override: dict | None = None) -> str:
    path = rule.rule
    for name in rule.arguments:
        value = (override or {}).get(name, ids.get(name, "1"))
        path = re.sub(r"<(?:[^:<>]+:)?%s>" % name, str(value), path)
    return path


def _field_names(client, paths: list[str]) -> set[str]:
    names = set()
    for path in paths:
        response = client.get(path)
        if response.status_code == 200 and "html" in response.content_type:
            names |= set(re.findall(r'name="([^"]+)"', response.get_data(as_text=True)))
        response.close()
    return names - {"csrf_token", "viewport", "description", "robots", "referrer"}


def test_no_route_answers_bad_input_with_a_server_error(app, client, world):
    ids, tokens = world["ids"], world["tokens"]
    rules = _rules(app)
    failures: list[str] = []
    sent = 0

    def check(method: str, path: str, **kw) -> None:
        nonlocal sent
        sent += 1
        db.session.rollback()  # no open transaction of the test may hold SQLite's lock
        try:
            response = client.open(path, method=method, **kw)
            response.close()
        except Exception as exc:  # an exception escaping the app is a server error too
            failures.append(f"{method} {path[:120]} {kw.get('data') and list(kw['data'])[:3]}: {exc!r}"[:300])
            db.session.rollback()
            return
        if response.status_code >= 500:
            failures.append(f"{method} {path[:120]} -> {response.status_code}")

    get_paths = [_path(r, ids) + f"?t={tokens['t']}" for r in rules if "GET" in r.methods and r.endpoint not in LAST]
    fields = _field_names(client, get_paths) | {"q", "page", "cluster", "year", "table", "c", "lang", "t", "status",
                                                  "kind", "goal", "pledged", "per_page", "registration_id",
                                                  "table_id", "locked", "attendees", "attendee_names"}
    assert {"name", "email", "activities", "day", "start", "attendees"} <= fields, sorted(fields)

    for rule in rules:
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        # The path itself: integers beyond INTEGER/BIGINT, NUL and over-long segments.
        for name in rule.arguments:
            for bad in (HUGE, "2147483648", "%00", "x" * 300):
                check("GET", _path(rule, ids, {name: bad}))
        base = _path(rule, ids)
        for method in methods:
            if method == "GET":
                for bad in BAD_VALUES:
                    query = {f: bad for f in fields if f != "t"} | {"t": tokens["t"]}
                    check("GET", base, query_string=query)
                check("GET", base, query_string={"t": "x\x00", "c": "\x00", "q": "\x00"})
                continue
            for bad in BAD_VALUES:
                data = {f: bad for f in fields if f != "t"}
                check(method, base, query_string={"t": tokens["t"]}, data=data)
            check(method, base, query_string={"t": tokens["t"]}, data={f: ["1", HUGE, "x"] for f in fields})
            if rule.rule.startswith("/api/"):
                for body in JSON_BODIES:
                    check(method, base, json=body)
                check(method, base, data="{not json", content_type="application/json")
            if rule.endpoint not in LAST:
                login(client, db.session.merge(_user(ids["user_id"])))
    assert sent > 500
    assert not failures, f"{len(failures)} of {sent} requests were server errors:\n" + "\n".join(failures[:40])


def _user(user_id: int):
    from civicnet.accounts.models import User

    return db.session.get(User, user_id)
