"""A group sees and downloads everything stored about it from its edit link."""
from __future__ import annotations

import json

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.meetings import services as meetings
from civicnet.notices.services import link_chat
from civicnet.organisations import services
from civicnet.organisations.consent import CONSENT_VERSION, ConsentChoices, stored_text
from civicnet.pledges.services import sign_pledge
from civicnet.privacy.export import export_personal_data
from tests.meetings.conftest import make_meeting

DATA = {"name": "무심천 지킴이", "kind": "ngo", "representative": "김민지", "email": "river@example.org",
        "phone": "010-1234-5678", "district": "서원구", "website": "https://river.example.org",
        "activities": "하천 정화 <함께> & 생태 교육"}


def _registered(network):
    result = services.register_organisation(
        network, DATA, goals=[6, 15], consent_version=CONSENT_VERSION,
        consent_text=stored_text(network, "ko", optional=("website", "listing")),
        choices=ConsentChoices(website=True, listing=True))
    org = result.organisation
    sign_pledge(org, "김민지", [6, 15], "하천 줍깅")
    meeting = make_meeting(network)
    meetings.register(meeting, org, attendees=2, attendee_names=["김민지", "이바다"], accessibility="휠체어")
    link_chat(99001, network, org, language="ko", consent_version=CONSENT_VERSION)
    db.session.commit()
    return org, result.edit_token


def test_export_holds_everything(network):
    org, _ = _registered(network)
    data = export_personal_data(org)
    o = data["organisation"]
    assert (o["name"], o["representative"], o["email"], o["phone"]) == ("무심천 지킴이", "김민지", "river@example.org",
                                                                        org.phone)
    assert o["website"] == "https://river.example.org" and o["activities"] == DATA["activities"]
    assert [s["number"] for s in data["sdgs"] if s["selected"]] == [6, 15]
    assert data["pledges"][0]["signer_name"] == "김민지" and data["pledges"][0]["joint_action"] == "하천 줍깅"
    reg = data["meeting_registrations"][0]
    assert reg["attendee_names"] == ["김민지", "이바다"] and reg["accessibility"] == "휠체어"
    assert data["telegram"][0]["chat_id"] == 99001
    c = data["consents"]
    assert c["version"] == CONSENT_VERSION and c["personal_data"] and c["website"] and c["public_listing"]
    assert c["telegram"] is None and "보유 기간" in c["text"]
    assert {h["action"] for h in data["history"]} >= {"registered", "pledge_signed", "edit_link_issued"}
    assert all("actor_user_id" not in h for h in data["history"])
    assert data["retention"] == {"months": 36, "ko": "3년", "en": "3 years"}
    assert o["created_at"].endswith("+09:00")   # local time, RFC 3339
    json.dumps(data)  # JSON-ready


def test_json_download_from_the_edit_link(client, network):
    org, token = _registered(network)
    response = client.get(f"/edit/data.json?t={token}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="civicnet-cheongju-')
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    data = json.loads(response.data)
    assert data["organisation"]["email"] == "river@example.org"
    assert "무심천 지킴이" in response.get_data(as_text=True)  # UTF-8, not \\u escapes


def test_readable_page_in_both_languages(client, network):
    org, token = _registered(network)
    ko = client.get(f"/edit/data?t={token}")
    assert ko.status_code == 200 and ko.headers["Cache-Control"] == "no-store"
    for text in ("무심천 지킴이에 관해 보관 중인 모든 정보", "river@example.org", "이바다", "휠체어", "협약 서명",
                 "3년", "하천 정화 &lt;함께&gt; &amp; 생태 교육"):
        assert text in ko.text, text
    assert "edit_link_issued" not in ko.text     # actions shown as words
    en = client.get(f"/edit/data?t={token}&lang=en")
    assert "Everything we keep about" in en.text and "Pledge signed" in en.text and "3 years" in en.text


def test_bad_or_revoked_links_see_nothing(client, network):
    org, token = _registered(network)
    assert client.get("/edit/data.json?t=nope").status_code == 404
    assert client.get("/edit/data?t=").status_code == 404
    services.revoke_edit_tokens(org)
    db.session.commit()
    assert client.get(f"/edit/data.json?t={token}").status_code == 404


def test_no_personal_data_in_the_logs(client, network, caplog):
    org, token = _registered(network)
    with caplog.at_level("DEBUG"):
        client.get(f"/edit/data.json?t={token}")
        client.get(f"/edit/data?t={token}")
    for secret in ("김민지", "river@example.org", "이바다", "휠체어", token):
        assert secret not in caplog.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(type(org))) == 1
