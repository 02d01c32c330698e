"""Consent on the public registration: purpose, items, retention, refusal; optional items and
under-14 guardian consent asked and stored apart (PIPA art. 15, 22, 22-2)."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.networks.services import set_retention
from civicnet.organisations import services
from civicnet.organisations.consent import CONSENT_VERSION, ConsentChoices, consent_text, retention_label
from civicnet.organisations.models import Organisation
from civicnet.errors import Invalid
from tests.organisations.conftest import DETAILS, state_of


def _to_consent_step(client, details=None, lang="ko"):
    step1 = client.post(f"/n/cheongju/register?lang={lang}", data=details or DETAILS)
    assert step1.status_code == 200, step1.text[:300]
    step2 = client.post(f"/n/cheongju/register/goals?lang={lang}", data={"state": state_of(step1), "goals": ["6"]})
    assert step2.status_code == 200
    return step2


def _sign(client, step2, lang="ko", **extra):
    data = {"state": state_of(step2), "signer_name": "김민지", "consent": "y"} | extra
    return client.post(f"/n/cheongju/register/pledge?lang={lang}", data=data)


@pytest.mark.parametrize("lang,words", [
    ("ko", ["목적", "항목", "보유 기간", "3년", "거부할 권리", "등록할 수 없습니다", "[선택] 공개 목록", "[선택] 텔레그램"]),
    ("en", ["Purpose", "Items", "Retention", "3 years", "Right to refuse", "cannot be registered",
            "[Optional] Public listing", "[Optional] Telegram"]),
])
def test_consent_page_states_purpose_items_retention_and_refusal(client, network, lang, words):
    body = _to_consent_step(client, lang=lang).text
    for word in words:
        assert word in body, word
    # No website typed: its optional consent is not asked. Not an individual: no age question.
    assert 'name="website_consent"' not in body and 'name="age_band"' not in body
    # The required consent box is marked required; the optional ones are not.
    assert re.search(r'<input[^>]*name="consent"[^>]*required', body)
    assert not re.search(r'<input[^>]*name="telegram_consent"[^>]*required', body)


def test_retention_follows_the_network_setting(client, network):
    set_retention(network, 18)
    db.session.commit()
    assert "18개월" in _to_consent_step(client).text
    assert "18 months" in consent_text(network, "en")
    assert retention_label(24, "ko") == "2년" and retention_label(12, "en") == "1 year"


def test_optional_items_are_stored_with_their_own_consent(client, network):
    step2 = _to_consent_step(client, details=DETAILS | {"website": "https://river.example.org"})
    assert 'name="website_consent"' in step2.text
    response = _sign(client, step2, telegram_consent="y")   # website and listing not agreed to
    assert response.status_code == 302
    org = db.session.scalar(sa.select(Organisation))
    assert org.consent_version == CONSENT_VERSION and org.consented_at
    assert org.website is None and org.website_consented_at is None      # not kept without consent
    assert not org.public_listing and org.listing_consented_at is None
    assert org.telegram_consented_at is not None
    assert "[선택] 텔레그램" in org.consent_text and "[선택] 공개 목록" not in org.consent_text


def test_website_kept_with_its_consent(client, network):
    step2 = _to_consent_step(client, details=DETAILS | {"website": "https://river.example.org"})
    assert _sign(client, step2, website_consent="y", public_listing="y").status_code == 302
    org = db.session.scalar(sa.select(Organisation))
    assert org.website == "https://river.example.org" and org.website_consented_at
    assert org.public_listing and org.listing_consented_at and org.telegram_consented_at is None


def test_refusing_the_required_consent_registers_nothing(client, network):
    step2 = _to_consent_step(client, lang="en")
    response = client.post("/n/cheongju/register/pledge?lang=en",
                           data={"state": state_of(step2), "signer_name": "Kim", "public_listing": "y"})
    assert response.status_code == 422
    assert "Please agree to the use of your personal data" in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


INDIVIDUAL = DETAILS | {"name": "김하늘", "kind": "individual", "representative": "김하늘"}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_individuals_are_asked_their_age_band(client, network, lang):
    step2 = _to_consent_step(client, details=INDIVIDUAL, lang=lang)
    assert 'name="age_band"' in step2.text and 'name="guardian_name"' in step2.text
    missing = _sign(client, step2, lang=lang)
    assert missing.status_code == 422
    assert ("만 14세 미만인지" if lang == "ko" else "whether you are under 14") in missing.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_under_14_needs_the_guardian(client, network):
    step2 = _to_consent_step(client, details=INDIVIDUAL)
    refused = _sign(client, step2, age_band="under_14")
    assert refused.status_code == 422
    assert "법정대리인(보호자)의 이름" in refused.text and "법정대리인(보호자)도 동의" in refused.text
    no_box = _sign(client, step2, age_band="under_14", guardian_name="김보호")
    assert no_box.status_code == 422 and 'value="김보호"' in no_box.text  # kept as typed
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    done = _sign(client, step2, age_band="under_14", guardian_name="김보호", guardian_consent="y")
    assert done.status_code == 302
    org = db.session.scalar(sa.select(Organisation))
    assert org.age_band == "under_14" and org.guardian_name == "김보호" and org.guardian_consented_at
    assert "법정대리인" in org.consent_text


def test_14_or_older_needs_no_guardian(client, network):
    step2 = _to_consent_step(client, details=INDIVIDUAL)
    assert _sign(client, step2, age_band="14_or_older", guardian_name="무시됨").status_code == 302
    org = db.session.scalar(sa.select(Organisation))
    assert org.age_band == "14_or_older" and org.guardian_name is None and org.guardian_consented_at is None


def test_service_refuses_an_under_14_without_guardian(app, network):
    data = {"name": "어린이", "kind": "individual", "email": "kid@example.org", "activities": "줍깅"}
    with pytest.raises(Invalid) as err:
        services.register_organisation(network, data, goals=[6], consent_version=CONSENT_VERSION,
                                       choices=ConsentChoices(age_band="under_14", guardian_name="보호자"))
    assert err.value.field == "guardian"
    with pytest.raises(Invalid):
        services.register_organisation(network, data, goals=[6], consent_version=CONSENT_VERSION,
                                       choices=ConsentChoices(age_band="child"))


def test_optional_consents_can_be_changed_from_the_edit_link(client, network):
    from civicnet.notices.models import TelegramChat
    from civicnet.notices.services import link_chat

    result = services.register_organisation(
        network, DETAILS, goals=[6], consent_version=CONSENT_VERSION,
        choices=ConsentChoices(listing=True, telegram=True))
    link_chat(4242, network, result.organisation, language="ko", consent_version=CONSENT_VERSION)
    db.session.commit()
    page = client.get(f"/edit?t={result.edit_token}")
    assert "우리 정보와 동의" in page.text and "/edit/data.json?t=" in page.text
    response = client.post(f"/edit/consents?t={result.edit_token}", data={"listing": ""})
    assert response.status_code == 302
    db.session.expire_all()
    org = result.organisation
    assert not org.public_listing and org.listing_consented_at is None and org.telegram_consented_at is None
    # Withdrawing Telegram deletes the chat link.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TelegramChat)) == 0
    assert client.post(f"/edit/consents?t={result.edit_token}", data={"listing": "y"}).status_code == 302
    db.session.expire_all()
    assert org.public_listing and org.listing_consented_at


def test_bot_consent_text_names_the_chat_id(network):
    assert "텔레그램 대화(chat) ID" in consent_text(network, "ko", channel="bot")
    assert "Telegram chat ID" in consent_text(network, "en", channel="bot")
    assert "chat ID" not in consent_text(network, "en")


def test_website_given_on_the_edit_page_records_its_consent(client, network):
    result = services.register_organisation(network, DETAILS, goals=[6], consent_version=CONSENT_VERSION,
                                            choices=ConsentChoices())
    db.session.commit()
    page = client.get(f"/edit?t={result.edit_token}")
    assert "[선택] 홈페이지·SNS 주소" in page.text       # the notice sits next to the field
    org = result.organisation
    assert org.website is None and org.website_consented_at is None
    form = DETAILS | {"website": "https://river.example.org"}
    assert client.post(f"/edit?t={result.edit_token}", data=form).status_code == 302
    db.session.expire_all()
    assert org.website == "https://river.example.org" and org.website_consented_at is not None
    assert client.post(f"/edit?t={result.edit_token}", data=DETAILS | {"website": ""}).status_code == 302
    db.session.expire_all()
    assert org.website is None and org.website_consented_at is None


def test_connect_telegram_needs_its_consent(client, network):
    from civicnet.notices.models import LinkToken

    result = services.register_organisation(network, DETAILS, goals=[6], consent_version=CONSENT_VERSION,
                                            choices=ConsentChoices())
    db.session.commit()
    token = result.edit_token
    assert "텔레그램 연결하기" not in client.get(f"/edit?t={token}").text
    refused = client.post(f"/edit/telegram?t={token}")
    assert refused.status_code == 409 and "텔레그램으로 받는 데 동의" in refused.text
    assert client.post(f"/edit/consents?t={token}", data={"telegram": "y"}).status_code == 302
    assert "텔레그램 연결하기" in client.get(f"/edit?t={token}").text
    opened = client.post(f"/edit/telegram?t={token}")
    assert opened.status_code == 302 and opened.location.startswith("https://t.me/")
    row = db.session.scalar(sa.select(LinkToken))
    assert row.organisation_id == result.organisation.id and opened.location.split("start=")[1] != row.token_hash


def test_organisers_see_the_consents_and_the_guardian(client, network):
    from tests.builders import login, make_user

    data = {"name": "어린이 기자단", "kind": "individual", "email": "kid@example.org", "activities": "마을 소식 취재"}
    result = services.register_organisation(
        network, data, goals=[4], consent_version=CONSENT_VERSION,
        choices=ConsentChoices(telegram=True, age_band="under_14", guardian_name="최보호", guardian=True))
    db.session.commit()
    login(client, make_user(network, "staff"))
    html = client.get(f"/o/cheongju/organisations/{result.organisation.id}?lang=en").text
    assert "Optional consents" in html and "Public listing: not given" in html
    assert "Under 14" in html and "최보호" in html


def test_bot_consent_texts(network):
    from civicnet.organisations.consent import bot_consent

    texts = bot_consent(network, "en")
    assert texts["version"] == CONSENT_VERSION and "Telegram chat ID" in texts["required"]
    assert "3 years" in texts["required"] and texts["retention"] == "3 years"
    assert texts["listing"].startswith("[Optional] Public listing") and "under 14" in texts["guardian"]
    assert "보유 기간" in bot_consent(network, "ko")["required"]
