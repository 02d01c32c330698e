import pytest
import sqlalchemy as sa

from civicnet.accounts import services
from civicnet.accounts.models import ApiToken, User
from civicnet.extensions import db
from tests.builders import make_network, make_user


@pytest.mark.parametrize("lang,text", [("ko", "운영자 로그인"), ("en", "Organiser login")])
def test_login_page(client, network, lang, text):
    response = client.get(f"/login?lang={lang}")
    assert response.status_code == 200 and text in response.get_data(as_text=True)


def test_login_and_logout(client, network):
    make_user(network, email="staff@example.org", password="correct horse battery")
    wrong = client.post("/login", data={"email": "staff@example.org", "password": "nope"})
    assert wrong.status_code == 401 and "맞지 않습니다" in wrong.get_data(as_text=True)
    assert client.post("/login", data={"email": "", "password": ""}).status_code == 422
    ok = client.post("/login?next=/o/cheongju/organisations",
                     data={"email": "Staff@Example.org", "password": "correct horse battery"})
    assert ok.status_code == 302 and ok.location.endswith("/o/cheongju/organisations")
    assert client.get("/o/cheongju/organisations").status_code == 200
    assert client.get("/login").status_code == 302
    assert client.post("/logout").status_code == 302
    assert client.get("/o/cheongju/organisations").status_code == 302


def test_open_redirect_refused(client, network):
    make_user(network, email="staff@example.org")
    response = client.post("/login?next=//evil.example/x",
                           data={"email": "staff@example.org", "password": "correct horse battery"})
    assert "evil" not in response.location


def test_user_with_several_networks_gets_a_choice(client, network):
    user = make_user(network, email="both@example.org")
    other = make_network("daejeon")
    services.create_user("both@example.org", "x", "ignored-password", network=other, role="staff")
    db.session.commit()
    response = client.post("/login", data={"email": "both@example.org", "password": "correct horse battery"})
    assert response.location.endswith("/organiser")
    page = client.get("/organiser?lang=en").get_data(as_text=True)
    assert "/o/cheongju/" in page and "/o/daejeon/" in page and user.id


def test_passwords_are_argon2_and_checked(app, network):
    user = services.create_user("new@example.org", "새 담당자", "a long password", network=network, role="admin")
    assert user.password_hash.startswith("$argon2id$")
    assert services.authenticate("new@example.org", "a long password") is user
    assert services.authenticate("new@example.org", "wrong") is None
    assert services.authenticate("nobody@example.org", "a long password") is None
    with pytest.raises(Exception):
        services.create_user("short@example.org", "x", "short", network=network)


def test_api_tokens_are_hashed_and_scoped(app, network):
    user = make_user(network)
    token, raw = services.create_api_token(user, network, "sheet")
    db.session.commit()
    assert raw not in token.token_hash and len(token.token_hash) == 64
    assert services.api_token_user(raw).id == token.id
    assert services.api_token_user("cn_wrong") is None
    services.revoke_api_token(token)
    assert services.api_token_user(raw) is None
    with pytest.raises(Exception):
        services.create_api_token(user, make_network("daejeon"))


def test_cli_user_create_and_token(app, network):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["user", "create", "--email", "cli@example.org", "--name", "담당",
                                 "--network", "cheongju", "--role", "admin", "--password", "a long password"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.email == "cli@example.org"))
    assert user.role_in(network) == "admin"
    result = runner.invoke(args=["user", "token", "--email", "cli@example.org", "--network", "cheongju"])
    assert result.exit_code == 0 and result.output.strip().startswith("cn_")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 1
    bad = runner.invoke(args=["user", "create", "--email", "x@example.org", "--name", "x", "--network", "nowhere",
                              "--password", "a long password"])
    assert bad.exit_code != 0
