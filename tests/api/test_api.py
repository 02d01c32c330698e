import pytest
import sqlalchemy as sa

from civicnet.accounts.services import create_api_token
from civicnet.extensions import db
from civicnet.organisations.consent import CONSENT_VERSION
from civicnet.organisations.models import Organisation
from civicnet.pledges.services import sign_pledge
from civicnet.timeutil import local_today
from tests.builders import make_network, make_organisation, make_user

REGISTRATION = {"name": "API 독서 모임", "kind": "club", "email": "book@example.org", "activities": "마을 도서관 독서 모임",
                "goals": [4, 10], "consent": True, "consent_version": CONSENT_VERSION,
                "pledge": {"signer_name": "홍길동", "joint_action": "함께 읽기"}}


@pytest.fixture
def token(network):
    user = make_user(network)
    _, raw = create_api_token(user, network)
    db.session.commit()
    return {"Authorization": f"Bearer {raw}"}


def test_openapi_document(client, network):
    doc = client.get("/api/v1/openapi.json").json
    assert doc["info"]["title"] == "CivicNet API"
    for path in ["/api/v1/networks/", "/api/v1/networks/{slug}/clusters", "/api/v1/goals/",
                 "/api/v1/networks/{slug}/organisations", "/api/v1/networks/{slug}/pledges"]:
        assert path in doc["paths"], path


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_public_reads(client, network, lang):
    networks = client.get(f"/api/v1/networks/?lang={lang}").json
    assert networks[0]["slug"] == "cheongju" and len(networks[0]["clusters"]) == 7
    # No edition opened in the default network: the current edition is the calendar year.
    assert client.get("/api/v1/networks/cheongju").json["current_edition"] == local_today().year
    clusters = client.get("/api/v1/networks/cheongju/clusters").json
    assert clusters[-1] == clusters[-1] | {"key": "nature", "goals": [4, 6, 12, 13, 14, 15]}
    goals = client.get("/api/v1/goals/").json
    assert len(goals) == 17 and goals[5]["colour"] == "#26BDE2"
    assert client.get("/api/v1/goals/6").json["number"] == 6
    missing = client.get(f"/api/v1/goals/18?lang={lang}")
    assert missing.status_code == 404 and missing.json["message"]
    assert client.get("/api/v1/networks/nowhere").status_code == 404


def test_register_through_api(client, network):
    response = client.post("/api/v1/networks/cheongju/organisations", json=REGISTRATION)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["goals"] == [4, 10] and body["pledged"] and "/edit?t=" in body["edit_url"]
    assert client.get(body["edit_url"].replace("http://localhost", "")).status_code == 200
    again = client.post("/api/v1/networks/cheongju/organisations", json=REGISTRATION)
    assert again.status_code == 409 and "book@example.org" not in again.get_data(as_text=True)


@pytest.mark.parametrize("change,field", [
    ({"email": "nope", "phone": None}, "email"), ({"phone": "123"}, "phone"), ({"name": "a\u202eb"}, "name"),
    ({"activities": "x" * 5001}, "activities"), ({"goals": [0]}, "goals"), ({"goals": []}, "goals"),
    ({"kind": "alien"}, "kind"), ({"consent": False}, "consent"), ({"consent_version": "old"}, "consent_version"),
    ({"name": "   "}, "name"), ({"size": "many"}, "size"),
])
def test_validation_errors_are_422_json(client, network, change, field):
    response = client.post("/api/v1/networks/cheongju/organisations?lang=en", json=REGISTRATION | change)
    assert response.status_code == 422, response.json
    body = response.json
    assert body["message"]
    assert field in str(body.get("errors", {})) or body.get("field") == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


@pytest.mark.parametrize("change", [{"name": "a\x00b"}, {"name": "\ud800"}, {"activities": "x\udfff"}])
def test_unstorable_characters_are_400_json(client, network, change):
    response = client.post("/api/v1/networks/cheongju/organisations?lang=en", json=REGISTRATION | change)
    assert response.status_code == 400 and response.json["error"] == "bad_request"
    assert "cannot be stored" in response.json["message"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


@pytest.mark.parametrize("payload", ["{not json", "[]", "null", '"text"'])
def test_malformed_bodies(client, network, payload):
    response = client.post("/api/v1/networks/cheongju/organisations", data=payload, content_type="application/json")
    assert 400 <= response.status_code < 500


def test_organiser_reads_need_a_token_of_that_network(client, network, token):
    org = make_organisation(network, name="토큰 단체", goals=[6])
    sign_pledge(org, "대표", [6])
    db.session.commit()
    assert client.get("/api/v1/networks/cheongju/organisations").status_code == 401
    assert client.get("/api/v1/networks/cheongju/organisations",
                      headers={"Authorization": "Bearer nope"}).status_code == 401
    page = client.get("/api/v1/networks/cheongju/organisations?goal=6&pledged=true", headers=token).json
    assert page["total"] == 1 and page["items"][0]["name"] == "토큰 단체"
    assert page["items"][0]["goal_links"][0]["source"] == "chosen"
    assert client.get("/api/v1/networks/cheongju/organisations?goal=30", headers=token).status_code == 422
    item = client.get(f"/api/v1/networks/cheongju/organisations/{org.id}", headers=token)
    assert item.status_code == 200 and item.json["email"]
    pledges = client.get("/api/v1/networks/cheongju/pledges", headers=token).json
    assert pledges[0]["signer_name"] == "대표" and pledges[0]["goals"] == [6]


def test_token_never_crosses_networks(client, network, token):
    other = make_network("daejeon")
    foreign = make_organisation(other, name="대전 단체")
    assert client.get("/api/v1/networks/daejeon/organisations", headers=token).status_code == 404
    assert client.get("/api/v1/networks/daejeon/pledges", headers=token).status_code == 404
    assert client.get(f"/api/v1/networks/cheongju/organisations/{foreign.id}", headers=token).status_code == 404
