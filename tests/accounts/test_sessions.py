"""Issue 13 (5): login and registration throttled per client and per account; sessions and
remember cookies revoked on logout, password change and removal; organisers see their sessions."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from civicnet.accounts import services
from civicnet.accounts.models import UserSession
from civicnet.extensions import db
from civicnet.organisations.models import Organisation
from tests.builders import make_user

PASSWORD = "correct horse battery"


def _login(client, email="staff@example.org", password=PASSWORD, remember=True, ip="10.0.0.1"):
    data = {"email": email, "password": password}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": ip})


def _cookies(response) -> dict[str, str]:
    out = {}
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        out[name] = header
    return out


def test_login_is_throttled_per_client(client, network):
    make_user(network, email="staff@example.org")
    statuses = [_login(client, password=f"wrong-{i}").status_code for i in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429]
    # Even the right password waits: guessing on cannot be rewarded.
    blocked = _login(client)
    assert blocked.status_code == 429 and "잠시 후" in blocked.get_data(as_text=True)
    assert blocked.headers.get("Retry-After")


def test_login_is_throttled_per_account_across_clients(client, network):
    make_user(network, email="staff@example.org")
    for i in range(10):
        assert _login(client, password="wrong", ip=f"10.0.1.{i}").status_code == 401
    assert _login(client, ip="10.0.2.1").status_code == 429
    # Another account from the same addresses is not affected.
    make_user(network, email="other@example.org")
    assert _login(client, email="other@example.org", ip="10.0.2.1").status_code == 302


def test_successful_logins_do_not_count(client, network):
    make_user(network, email="staff@example.org")
    for _ in range(12):
        assert _login(client, remember=False).status_code == 302
        assert client.post("/logout").status_code == 302


def test_public_registration_is_throttled(app, network, database_url):
    from civicnet import create_app
    from tests.conftest import test_config

    throttled = create_app(test_config(database_url) | {"RATELIMIT_REGISTER": "3 per minute"})
    client = throttled.test_client()
    try:
        _registrations_are_throttled(client)
    finally:
        with throttled.app_context():
            db.engine.dispose()  # no pooled connection left for the garbage collector


def _registrations_are_throttled(client):
    statuses = [client.post("/n/cheongju/register", data={"name": ""}).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    api = client.post("/api/v1/networks/cheongju/organisations", json={})
    assert api.status_code == 429 and api.json["error"] == "too_many_requests"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_remember_cookie_is_samesite_lax_and_http_only(client, network):
    make_user(network, email="staff@example.org")
    cookies = _cookies(_login(client))
    remember = cookies["remember_token"]
    assert "SameSite=Lax" in remember and "HttpOnly" in remember and "Secure" not in remember


def test_remember_cookie_is_secure_in_production(monkeypatch):
    from civicnet import config

    monkeypatch.setenv("CIVICNET_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    settings = config.from_environment()
    assert settings["REMEMBER_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SAMESITE"] == "Lax"
    assert settings["SESSION_COOKIE_SECURE"]


def test_cookies_captured_before_logout_do_not_work_after_it(app, client, network):
    make_user(network, email="staff@example.org")
    cookies = _cookies(_login(client))
    session_cookie = cookies["session"].split(";")[0].split("=", 1)[1]
    remember_cookie = cookies["remember_token"].split(";")[0].split("=", 1)[1]
    assert client.get("/o/cheongju/organisations").status_code == 200
    assert client.post("/logout").status_code == 302

    thief = app.test_client()
    thief.set_cookie("session", session_cookie, domain="localhost")
    assert thief.get("/o/cheongju/organisations").status_code == 302
    thief = app.test_client()
    thief.set_cookie("remember_token", remember_cookie, domain="localhost")
    assert thief.get("/o/cheongju/organisations").status_code == 302


def test_remember_cookie_alone_logs_in_until_revoked(app, client, network):
    user = make_user(network, email="staff@example.org")
    remember_cookie = _cookies(_login(client))["remember_token"].split(";")[0].split("=", 1)[1]
    other = app.test_client()
    other.set_cookie("remember_token", remember_cookie, domain="localhost")
    assert other.get("/o/cheongju/organisations").status_code == 200  # the feature works...
    services.revoke_sessions(user)
    db.session.commit()
    again = app.test_client()
    again.set_cookie("remember_token", remember_cookie, domain="localhost")
    assert again.get("/o/cheongju/organisations").status_code == 302  # ...until revoked


def test_password_change_logs_out_every_other_browser(app, client, network):
    make_user(network, email="staff@example.org")
    laptop = app.test_client()
    assert _login(laptop, ip="10.0.3.1").status_code == 302
    assert _login(client, ip="10.0.3.2").status_code == 302
    wrong = client.post("/organiser/password", data={"current_password": "nope", "new_password": "another long one"})
    assert wrong.status_code == 422 and "현재 비밀번호" in wrong.get_data(as_text=True)
    short = client.post("/organiser/password", data={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422
    ok = client.post("/organiser/password", data={"current_password": PASSWORD, "new_password": "another long one"})
    assert ok.status_code == 302
    assert client.get("/o/cheongju/organisations").status_code == 200
    assert laptop.get("/o/cheongju/organisations").status_code == 302
    assert services.authenticate("staff@example.org", "another long one") is not None


def test_organisers_see_and_end_their_sessions(app, client, network):
    make_user(network, email="staff@example.org")
    phone = app.test_client()
    _login(phone, ip="10.0.4.1")
    _login(client, ip="10.0.4.2")
    page = client.get("/organiser/sessions?lang=en")
    assert page.status_code == 200 and "this browser" in page.get_data(as_text=True)
    rows = db.session.scalars(sa.select(UserSession).where(UserSession.revoked_at.is_(None))).all()
    assert len(rows) == 2
    assert client.get("/organiser/sessions").status_code == 200
    assert client.post("/organiser/sessions/revoke-others").status_code == 302
    assert phone.get("/o/cheongju/organisations").status_code == 302
    assert client.get("/o/cheongju/organisations").status_code == 200


def test_someone_elses_session_cannot_be_revoked(app, client, network):
    other = make_user(network, email="other@example.org")
    row = services.start_session(other)
    db.session.commit()
    make_user(network, email="staff@example.org")
    _login(client)
    assert client.post(f"/organiser/sessions/{row.id}/revoke").status_code == 403
    db.session.refresh(row)
    assert row.revoked_at is None


@pytest.mark.parametrize("path", ["/organiser/sessions", "/organiser/password"])
def test_session_pages_need_a_login(client, network, path):
    assert client.get(path).status_code == 302
