"""The meeting sign-up states purpose, items, retention and the right to refuse; accessibility
needs (which can reveal a disability) are kept only with the consent box ticked."""
from __future__ import annotations

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.meetings.models import Registration
from civicnet.networks.services import set_retention
from civicnet.organisations import services
from civicnet.organisations.consent import CONSENT_VERSION
from tests.meetings.conftest import make_meeting
from tests.organisations.conftest import DETAILS


def test_sign_up_notice_and_accessibility_consent(client, network):
    set_retention(network, 24)
    token = services.register_organisation(network, DETAILS, goals=[6], consent_version=CONSENT_VERSION).edit_token
    meeting = make_meeting(network)
    db.session.commit()
    page = client.get(f"/meetings/{meeting.id}/register?t={token}")
    assert "보유 기간" in page.text and "모임 후 30일" in page.text and "2년" in page.text and "거부할 권리" in page.text
    english = client.get(f"/meetings/{meeting.id}/register?t={token}&lang=en")
    assert "Retention" in english.text and "2 years" in english.text and "You may refuse" in english.text
    refused = client.post(f"/meetings/{meeting.id}/register?t={token}",
                          data={"attendees": 1, "accessibility": "휠체어", "preferred_cluster_id": 0})
    assert refused.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    done = client.post(f"/meetings/{meeting.id}/register?t={token}",
                       data={"attendees": 1, "accessibility": "휠체어", "consent": "y", "preferred_cluster_id": 0})
    assert done.status_code == 302
    assert db.session.scalar(sa.select(Registration.accessibility)) == "휠체어"
