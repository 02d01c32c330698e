import re
import sys
import types

import pytest
import sqlalchemy as sa

from civicnet.timeutil import local_today
from civicnet.extensions import db
from civicnet.organisations.consent import CONSENT_VERSION
from civicnet.organisations.models import Organisation, OrganisationChange
from civicnet.pledges.models import Pledge
from tests.organisations.conftest import DETAILS, register_through_web, state_of


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("lang,text", [("ko", "단체명"), ("en", "Name of the group")])
def test_form_in_both_languages(client, network, lang, text):
    response = client.get(f"/n/cheongju/register?lang={lang}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert text in body and 'name="viewport"' in body


def test_korean_is_the_default(client, network):
    assert "단체명" in client.get("/n/cheongju/register").get_data(as_text=True)


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_full_registration(client, network, lang):
    response = register_through_web(client, lang=lang)
    assert response.status_code == 302 and response.location.endswith("/n/cheongju/register/done")
    done = client.get(response.location)
    body = done.get_data(as_text=True)
    assert done.status_code == 200 and done.headers["Referrer-Policy"] == "no-referrer"
    link = re.search(r'value="(http://localhost/edit\?t=[^"]+)"', body).group(1)
    org = db.session.scalar(sa.select(Organisation))
    assert org.goal_numbers == [6, 15] and org.language == lang and org.public_listing
    assert org.consent_version == CONSENT_VERSION and org.consent_text and org.consented_at
    assert org.listing_consented_at and org.website_consented_at is None and org.telegram_consented_at is None
    assert ("개인정보" in org.consent_text) == (lang == "ko")
    pledge = db.session.scalar(sa.select(Pledge))
    assert pledge.signer_name == "김민지" and pledge.pledge_version == "2024-1"
    assert pledge.edition == local_today().year  # no edition opened: the calendar year
    assert client.get(link.replace("http://localhost", "")).status_code == 200
    assert link.split("t=")[1] not in str(db.session.scalars(sa.select(sa.text("token_hash FROM edit_tokens"))).all())


def test_unknown_network_404(client, network):
    assert client.get("/n/nowhere/register").status_code == 404


@pytest.mark.parametrize("field,value,message", [
    ("email", "river-at-example", "올바른 이메일"),
    ("phone", "12-34", "올바른 전화번호"),
    ("name", "맑은\u202e물", "방향을 바꾸는"),
    ("activities", "정화\x07활동", "제어 문자"),
    ("activities", "가" * 5001, "5000자 이내"),
    ("activities", "x" * 100_000, "5000자 이내"),
    ("name", "", "입력해 주세요"),
    ("kind", "spaceship", "단체 유형"),
    ("size", "many", "정수"),
    ("website", "not a url", "웹 주소"),
])
def test_bad_input_is_refused_and_kept(client, network, field, value, message):
    response = client.post("/n/cheongju/register", data=DETAILS | {field: value})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert DETAILS["district"] in body  # what was typed is kept
    assert count(Organisation) == 0


def test_contact_required_in_english(client, network):
    response = client.post("/n/cheongju/register?lang=en", data=DETAILS | {"email": "", "phone": ""})
    assert response.status_code == 422
    assert "e-mail address or a phone number" in response.get_data(as_text=True)


def test_oversized_body_is_413(client, network):
    response = client.post("/n/cheongju/register", data=DETAILS | {"activities": "x" * 2_000_000})
    assert response.status_code == 413 and count(Organisation) == 0


def test_goals_required_and_back_keeps_everything(client, network):
    step1 = client.post("/n/cheongju/register", data=DETAILS)
    none = client.post("/n/cheongju/register/goals", data={"state": state_of(step1)})
    assert none.status_code == 422 and "하나 이상" in none.get_data(as_text=True)
    back = client.post("/n/cheongju/register/goals", data={"state": state_of(step1), "goals": ["13"], "back": "1"})
    body = back.get_data(as_text=True)
    assert back.status_code == 200 and DETAILS["activities"] in body
    again = client.post("/n/cheongju/register", data=DETAILS | {"state": state_of(back)})
    assert re.search(r'value="13"\s+checked|checked[^>]*value="13"', again.get_data(as_text=True).replace("\n", " ")) \
        or 'id="goals-13" value="13"\n               checked' in again.get_data(as_text=True)


def test_consent_required(client, network):
    step1 = client.post("/n/cheongju/register", data=DETAILS)
    step2 = client.post("/n/cheongju/register/goals", data={"state": state_of(step1), "goals": ["6"]})
    response = client.post("/n/cheongju/register/pledge", data={"state": state_of(step2), "signer_name": "김민지"})
    assert response.status_code == 422 and "동의해 주세요" in response.get_data(as_text=True)
    assert count(Organisation) == 0


def test_tampered_state_is_400(client, network):
    response = client.post("/n/cheongju/register/goals", data={"state": "forged", "goals": ["6"]})
    assert response.status_code == 400 and count(Organisation) == 0


def test_duplicate_leads_to_existing_without_revealing(client, network):
    assert register_through_web(client).status_code == 302
    other = network.app if False else None  # noqa: F841
    fresh = client.application.test_client()
    response = fresh.post("/n/cheongju/register", data=DETAILS | {"name": "청주하천 지킴이", "phone": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and "이미 등록된" in body
    assert "river@example.org" not in body and "김민지" not in body
    assert count(Organisation) == 1 and count(Pledge) == 1


def test_csrf_is_enforced(csrf_app, network):
    client = csrf_app.test_client()
    response = client.post("/n/cheongju/register", data=DETAILS)
    assert response.status_code == 400 and count(Organisation) == 0
    page = client.get("/n/cheongju/register").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert client.post("/n/cheongju/register", data=DETAILS | {"csrf_token": token}).status_code == 200


def test_suggestion_slot_pre_ticks_and_survives_failures(app, client, network, monkeypatch):
    app.config["SDG_SUGGESTIONS"] = True
    fake = types.ModuleType("civicnet.matching.services")
    fake.classify_texts = lambda texts, network, **_: [{6: 0.91, 14: 0.42}]
    monkeypatch.setitem(sys.modules, "civicnet.matching.services", fake)
    step1 = client.post("/n/cheongju/register", data=DETAILS)
    body = step1.get_data(as_text=True)
    assert body.count("checked") == 2 and "추천" in body
    # Keep 6, untick 14, add 13.
    step2 = client.post("/n/cheongju/register/goals", data={"state": state_of(step1), "goals": ["6", "13"]})
    client.post("/n/cheongju/register/pledge", data={"state": state_of(step2), "signer_name": "김", "consent": "y"})
    links = {l.goal_number: l for l in db.session.scalar(sa.select(Organisation)).goal_links}
    assert (links[6].source, links[6].selected, links[6].suggested_score) == ("suggested", True, 0.91)
    assert (links[14].selected, links[14].suggested) == (False, True)
    assert links[13].source == "chosen"

    def broken(texts, network):
        raise RuntimeError("model not trained")
    fake.classify_texts = broken
    response = client.post("/n/cheongju/register", data=DETAILS | {"name": "다른 단체"})
    assert response.status_code == 200 and "checked" not in response.get_data(as_text=True)


def test_history_records_registration(client, network):
    register_through_web(client)
    actions = set(db.session.scalars(sa.select(OrganisationChange.action)))
    assert {"registered", "edit_link_issued", "pledge_signed"} <= actions


def test_suggestions_adapt_to_the_matching_result_shape(app, network, monkeypatch):
    from civicnet.organisations.suggestions import suggest_goals

    app.config["SDG_SUGGESTIONS"] = True
    fake = types.ModuleType("civicnet.matching.services")
    fake.classify_texts = lambda texts, network, **_: [{"id": None, "sdgs": [{"goal": 6, "score": 0.7}, {"goal": 3, "score": 0.2}],
                                                    "suggested": [6], "clusters": []}]
    monkeypatch.setitem(sys.modules, "civicnet.matching.services", fake)
    with app.test_request_context():
        assert suggest_goals(network, "하천 정화") == {6: 0.7}
