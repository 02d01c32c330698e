
import pytest
import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.organisations import services
from civicnet.organisations.models import Organisation
from civicnet.pledges.models import Pledge
from tests.organisations.conftest import DETAILS


@pytest.fixture
def registered(network):
    result = services.register_organisation(network, DETAILS, goals=[6, 15], consent_version="2024-1")
    db.session.commit()
    return result.organisation, result.edit_token


@pytest.mark.parametrize("lang,text", [("ko", "개인정보 삭제"), ("en", "Delete personal data")])
def test_edit_page_both_languages(client, registered, lang, text):
    org, token = registered
    response = client.get(f"/edit?t={token}&lang={lang}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and text in body and DETAILS["activities"] in body
    assert response.headers["Referrer-Policy"] == "no-referrer" and "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("token", ["", "wrong", "x" * 500])
def test_bad_token_is_404(client, registered, token):
    assert client.get(f"/edit?t={token}").status_code == 404
    assert client.post(f"/edit/withdraw?t={token}").status_code == 404


def test_edit_details_and_goals(client, registered):
    org, token = registered
    response = client.post(f"/edit?t={token}", data=DETAILS | {"district": "상당구", "email": "new@example.org"})
    assert response.status_code == 302
    assert client.post(f"/edit?t={token}", data=DETAILS | {"email": "bad"}).status_code == 422
    assert client.post(f"/edit/goals?t={token}", data={"goals": ["13"]}).status_code == 302
    assert client.post(f"/edit/goals?t={token}", data={}).status_code == 422
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert org.district == "상당구" and org.email == "new@example.org" and org.goal_numbers == [13]


def test_sign_then_withdraw_keeps_history(client, registered):
    org, token = registered
    assert client.post(f"/edit/pledge?t={token}", data={"signer_name": "김민지"}).status_code == 302
    assert client.post(f"/edit/pledge?t={token}", data={"signer_name": ""}).status_code in (409, 422)
    assert client.post(f"/edit/withdraw?t={token}", data={"reason": "활동 종료"}).status_code == 302
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    pledge = db.session.scalar(sa.select(Pledge))
    assert org.status == "withdrawn" and pledge.withdrawn_at is not None and pledge.signer_name == "김민지"
    assert "탈퇴한 상태" in client.get(f"/edit?t={token}").get_data(as_text=True)


def test_erase_personal_data(client, registered):
    org, token = registered
    assert client.post(f"/edit/erase?t={token}", data={}).status_code == 422
    assert client.post(f"/edit/erase?t={token}", data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert org.email is None and org.phone is None and org.representative == "" and org.activities == ""
    assert DETAILS["name"] not in org.name and org.status == "withdrawn"
    assert client.get(f"/edit?t={token}").status_code == 404


@pytest.mark.parametrize("lang,text", [("ko", "다른 곳에서 바뀌었습니다"), ("en", "changed elsewhere")])
def test_a_save_from_a_stale_page_is_refused_not_applied(client, registered, lang, text):
    """Two pages open on the group's details: the second save must not write back the first's old values."""
    import re

    org, token = registered
    page = client.get(f"/edit?t={token}&lang={lang}").get_data(as_text=True)
    seen = re.search(r'name="seen"[^>]*value="([^"]+)"', page).group(1)
    first = client.post(f"/edit?t={token}", data=DETAILS | {"seen": seen, "name": "새 이름의 모임"})
    assert first.status_code == 302
    stale = client.post(f"/edit?t={token}&lang={lang}", data=DETAILS | {"seen": seen, "district": "상당구"})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and text in body and "새 이름의 모임" in body  # the fresh details are shown
    db.session.expire_all()
    assert (db.session.get(Organisation, org.id).name, db.session.get(Organisation, org.id).district) == (
        "새 이름의 모임", DETAILS.get("district", ""))
    fresh = re.search(r'name="seen"[^>]*value="([^"]+)"', body).group(1)
    again = client.post(f"/edit?t={token}", data=DETAILS | {"seen": fresh, "name": "새 이름의 모임", "district": "상당구"})
    assert again.status_code == 302
    db.session.expire_all()
    org = db.session.get(Organisation, org.id)
    assert (org.name, org.district) == ("새 이름의 모임", "상당구")
