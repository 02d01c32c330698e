import pytest

from civicnet.extensions import db
from civicnet.organisations import services
from tests.builders import login, make_user

DETAILS = {"name": "단체", "kind": "ngo", "email": "a@example.org", "activities": "활동"}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_get_page_renders_in_both_languages(client, network, lang):
    """Walk every GET route of the foundation (public and organiser) in both languages."""
    token = services.register_organisation(network, DETAILS, goals=[1], consent_version="1").edit_token
    org_id = services.find_existing(network, "단체", "a@example.org", None).id
    db.session.commit()
    public = ["/", "/healthz", "/login", "/n/cheongju/register", f"/edit?t={token}", "/api/v1/openapi.json",
              "/api/v1/networks/", "/api/v1/goals/"]
    for url in public:
        response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
        assert response.status_code == 200, url
    login(client, make_user(network))
    for url in ["/organiser", "/o/cheongju/organisations", f"/o/cheongju/organisations/{org_id}",
                "/o/cheongju/organisations.csv", "/o/cheongju/organisations.xlsx"]:
        assert client.get(url, query_string={"lang": lang}).status_code == 200, url
    assert client.get("/o/cheongju/", query_string={"lang": lang}).status_code == 302


@pytest.mark.parametrize("lang,text", [("ko", "요청하신 페이지가 없습니다"), ("en", "does not exist")])
def test_404_page_in_both_languages(client, network, lang, text):
    response = client.get(f"/no/such/page?lang={lang}")
    assert response.status_code == 404 and text in response.get_data(as_text=True)


def test_language_switch_link_and_cookie(client, network):
    page = client.get("/").get_data(as_text=True)
    assert 'hreflang="en"' in page and "lang=en" in page
    client.get("/?lang=en")
    assert "Register your group" in client.get("/").get_data(as_text=True)


def test_no_external_resources(client, network):
    page = client.get("/n/cheongju/register").get_data(as_text=True)
    assert "http://" not in page.replace("http://localhost", "") and "https://" not in page.replace(
        'placeholder="https://"', "")
