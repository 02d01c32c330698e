"""Network settings: the retention period, admins only."""
from __future__ import annotations

import pytest

from civicnet.errors import Invalid
from civicnet.extensions import db
from civicnet.networks.services import set_retention
from tests.builders import login, make_network, make_user


def test_admin_sets_the_retention_period(client, network):
    login(client, make_user(network, "admin"))
    page = client.get("/o/cheongju/settings")
    assert page.status_code == 200 and "개인정보 보유 기간" in page.text and "3년" in page.text
    assert client.post("/o/cheongju/settings", data={"retention_months": "24"}).status_code == 302
    db.session.expire_all()
    assert network.retention_months == 24
    assert "2년" in client.get("/o/cheongju/settings").text
    assert "설정" in client.get("/o/cheongju/organisations").text   # the nav link for admins


@pytest.mark.parametrize("value", ["0", "121", "abc", "", "99999999999999999999"])
def test_bad_values_are_refused_in_the_users_language(client, network, value):
    login(client, make_user(network, "admin"))
    response = client.post("/o/cheongju/settings?lang=en", data={"retention_months": value})
    assert response.status_code == 422
    assert "months from 1 to 120" in response.text or "Please fill this in" in response.text
    db.session.expire_all()
    assert network.retention_months == 36


def test_nul_byte_is_a_client_error(client, network):
    login(client, make_user(network, "admin"))
    response = client.post("/o/cheongju/settings?lang=en", data={"retention_months": "1\x00"})
    assert 400 <= response.status_code < 500
    db.session.expire_all()
    assert network.retention_months == 36


def test_staff_and_other_networks_cannot(client, network):
    login(client, make_user(network, "staff"))
    assert client.post("/o/cheongju/settings", data={"retention_months": "1"}).status_code == 403
    other = make_network("other")
    client2 = client.application.test_client()
    login(client2, make_user(other, "admin"))
    assert client2.get("/o/cheongju/settings").status_code == 404
    db.session.expire_all()
    assert network.retention_months == 36


def test_service_checks_the_range(network):
    with pytest.raises(Invalid):
        set_retention(network, 0)
    assert set_retention(network, "120") == 120


def test_purge_runs_are_listed(client, network):
    from civicnet.privacy.purge import purge_expired

    login(client, make_user(network, "admin"))
    assert "아직 삭제가 실행되지 않았습니다." in client.get("/o/cheongju/settings").text
    purge_expired(network)
    db.session.commit()
    html = client.get("/o/cheongju/settings?lang=en").text
    assert "No deletion has run yet." not in html and "Withdrawn groups" in html
