"""Issue 13 (8): staff cannot manage accounts, API tokens or erase data; every organiser action
on personal data is in an audit log that admins read."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from civicnet.accounts import services
from civicnet.accounts.models import ApiToken, AuditEvent, Membership, User
from civicnet.extensions import db
from tests.builders import login, make_organisation, make_user

ADMIN_ONLY = [
    ("get", "/o/cheongju/admin/accounts"), ("post", "/o/cheongju/admin/accounts"),
    ("post", "/o/cheongju/admin/accounts/{admin}/role"), ("post", "/o/cheongju/admin/accounts/{admin}/remove"),
    ("get", "/o/cheongju/admin/tokens"), ("post", "/o/cheongju/admin/tokens"),
    ("post", "/o/cheongju/admin/tokens/1/revoke"), ("post", "/o/cheongju/admin/organisations/{org}/erase"),
    ("get", "/o/cheongju/admin/audit"),
]


@pytest.fixture
def people(network):
    admin = make_user(network, "admin", email="admin@example.org", name="관리자")
    staff = make_user(network, "staff", email="staff@example.org", name="직원")
    org = make_organisation(network, name="맑은물 지킴이", email="river@example.org")
    services.create_api_token(admin, network, "sheet")
    db.session.commit()
    return {"admin": admin, "staff": staff, "org": org}


@pytest.mark.parametrize("method,path", ADMIN_ONLY)
def test_staff_are_refused_admin_actions(client, network, people, method, path):
    login(client, people["staff"])
    url = path.format(admin=people["admin"].id, org=people["org"].id)
    response = getattr(client, method)(url, data={"role": "staff", "email": "x@example.org", "name": "x",
                                                  "password": "long enough password"})
    assert response.status_code == 403
    db.session.expire_all()
    assert people["org"].name == "맑은물 지킴이"
    assert db.session.get(Membership, (people["admin"].id, network.id)).role == "admin"
    assert db.session.scalar(sa.select(ApiToken)).revoked_at is None


def test_staff_do_not_see_the_admin_link(client, network, people):
    login(client, people["staff"])
    assert "/admin/" not in client.get("/o/cheongju/organisations").get_data(as_text=True)
    login(client, people["admin"])
    assert "/o/cheongju/admin/accounts" in client.get("/o/cheongju/organisations").get_data(as_text=True)


def test_admin_manages_accounts(app, client, network, people):
    login(client, people["admin"])
    page = client.get("/o/cheongju/admin/accounts?lang=en")
    assert page.status_code == 200 and "staff@example.org" in page.get_data(as_text=True)
    bad = client.post("/o/cheongju/admin/accounts", data={"email": "new@example.org", "name": "새 직원",
                                                         "role": "staff", "password": "short"})
    assert bad.status_code == 422 and "10" in bad.get_data(as_text=True)
    ok = client.post("/o/cheongju/admin/accounts", data={"email": "new@example.org", "name": "새 직원",
                                                        "role": "staff", "password": "a long first password"})
    assert ok.status_code == 302
    new = db.session.scalar(sa.select(User).where(User.email == "new@example.org"))
    assert new.role_in(network) == "staff"
    assert client.post(f"/o/cheongju/admin/accounts/{new.id}/role", data={"role": "admin"}).status_code == 302
    db.session.expire_all()
    assert new.role_in(network) == "admin"
    # An admin cannot demote or remove themself (a network must keep an admin).
    me = people["admin"].id
    assert client.post(f"/o/cheongju/admin/accounts/{me}/role", data={"role": "staff"}).status_code == 422
    assert client.post(f"/o/cheongju/admin/accounts/{me}/remove").status_code == 422


def test_removing_an_account_ends_its_sessions_and_tokens(app, client, network, people):
    staff = people["staff"]
    staff_client = app.test_client()
    login(staff_client, staff)
    _, raw = services.create_api_token(staff, network, "staff sheet")
    db.session.commit()
    auth = {"Authorization": f"Bearer {raw}"}
    assert staff_client.get("/o/cheongju/organisations").status_code == 200
    assert client.get("/api/v1/networks/cheongju/organisations", headers=auth).status_code == 200
    login(client, people["admin"])
    assert client.post(f"/o/cheongju/admin/accounts/{staff.id}/remove").status_code == 302
    assert staff_client.get("/o/cheongju/organisations").status_code == 302
    assert client.get("/api/v1/networks/cheongju/organisations", headers=auth).status_code == 401
    db.session.expire_all()
    assert not staff.active and services.authenticate("staff@example.org", "correct horse battery") is None


def test_admin_creates_and_revokes_api_tokens(client, network, people):
    login(client, people["admin"])
    created = client.post("/o/cheongju/admin/tokens", data={"name": "보고서 시트"})
    body = created.get_data(as_text=True)
    assert created.status_code == 200 and created.headers["Cache-Control"] == "no-store"
    import re

    raw = re.search(r'value="(cn_[^"]+)"', body).group(1)
    auth = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/networks/cheongju/pledges", headers=auth).status_code == 200
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.name == "보고서 시트"))
    assert raw not in client.get("/o/cheongju/admin/tokens").get_data(as_text=True)
    assert client.post(f"/o/cheongju/admin/tokens/{token.id}/revoke").status_code == 302
    assert client.get("/api/v1/networks/cheongju/pledges", headers=auth).status_code == 401


def test_admin_erases_a_groups_personal_data(client, network, people):
    org = people["org"]
    login(client, people["staff"])
    assert "/admin/organisations/" not in client.get(f"/o/cheongju/organisations/{org.id}").get_data(as_text=True)
    login(client, people["admin"])
    assert f"/admin/organisations/{org.id}/erase" in client.get(f"/o/cheongju/organisations/{org.id}").get_data(
        as_text=True)
    assert client.post(f"/o/cheongju/admin/organisations/{org.id}/erase").status_code == 302
    db.session.expire_all()
    assert org.is_erased and org.email is None and org.name != "맑은물 지킴이"


def test_organiser_actions_on_personal_data_are_audited(client, network, people):
    org = people["org"]
    _, raw = services.create_api_token(people["staff"], network, "api")
    db.session.commit()
    login(client, people["staff"])
    client.get(f"/o/cheongju/organisations/{org.id}")
    client.get("/o/cheongju/organisations.csv?q=맑은")
    client.post(f"/o/cheongju/organisations/{org.id}/approve")
    client.get("/api/v1/networks/cheongju/organisations", headers={"Authorization": f"Bearer {raw}"})
    client.get("/o/cheongju/organisations/999")  # a 404 is not an action
    events = db.session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [(e.via, e.method, e.action) for e in events] == [
        ("web", "GET", "organisers.detail"), ("web", "GET", "organisers.export_csv"),
        ("web", "POST", "organisers.approve"), ("api", "GET", "api_organisations.Organisations")]
    assert all(e.user_id == people["staff"].id for e in events)
    assert all("?" not in e.path and "맑은" not in e.path for e in events)  # no query strings kept

    login(client, people["admin"])
    page = client.get("/o/cheongju/admin/audit?lang=en")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "organisers.approve" in text and "직원" in text
