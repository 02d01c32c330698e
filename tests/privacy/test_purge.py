"""The purge: what outlived the network's retention period goes, the rest stays, and the run is recorded."""
from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.meetings import services as meetings
from civicnet.networks.services import set_retention
from civicnet.notices.models import BotState, LinkToken, TelegramChat
from civicnet.notices.services import issue_link_token, link_chat
from civicnet.organisations import services
from civicnet.organisations.models import EditToken, Organisation
from civicnet.pledges.models import Pledge
from civicnet.pledges.services import sign_pledge
from civicnet.privacy.models import PurgeRun
from civicnet.privacy.purge import months_before, purge_bot_conversations, purge_everything, purge_expired
from civicnet.timeutil import utcnow
from tests.builders import make_network, make_organisation
from tests.meetings.conftest import make_meeting

NOW = utcnow().replace(microsecond=0)
LONG_AGO = NOW - timedelta(days=4 * 365)      # beyond the default 36 months
RECENTLY = NOW - timedelta(days=2 * 365)      # within it


def _old(org: Organisation, when: datetime) -> Organisation:
    org.created_at = org.updated_at = when
    return org


def _withdrawn(network, when: datetime, **kw) -> Organisation:
    org = make_organisation(network, **kw)
    services.withdraw(org, actor_kind="group")
    org.withdrawn_at = when
    _old(org, when)
    db.session.commit()
    return org


def test_months_before_clamps_the_day():
    assert months_before(datetime(2030, 3, 31, 9), 1) == datetime(2030, 2, 28, 9)
    assert months_before(datetime(2030, 1, 15), 36) == datetime(2027, 1, 15)
    assert months_before(datetime(2030, 1, 15), 13) == datetime(2028, 12, 15)


def test_withdrawn_groups_past_retention_are_erased_others_kept(network):
    expired = _withdrawn(network, LONG_AGO, name="오래전 탈퇴 모임", representative="박대표")
    recent = _withdrawn(network, RECENTLY, name="최근 탈퇴 모임")
    active = make_organisation(network, name="활동 중인 모임")
    sign_pledge(active, "서명자", [6])
    db.session.commit()
    report = purge_expired(network, NOW)
    db.session.commit()
    assert report.counts["withdrawn_groups"] == 1 and report.counts["inactive_groups"] == 0
    db.session.expire_all()
    assert expired.is_erased and expired.representative == "" and expired.email is None
    assert not recent.is_erased and recent.name == "최근 탈퇴 모임"
    assert not active.is_erased
    # Recorded, without personal data.
    run = db.session.scalar(sa.select(PurgeRun))
    assert run.network_id == network.id and run.counts["withdrawn_groups"] == 1 and run.trigger == "cli"
    assert run.retention_months == 36 and "오래전" not in str(run.counts)
    # A second run finds nothing more.
    assert purge_expired(network, NOW).counts["withdrawn_groups"] == 0


def test_inactive_groups_are_erased_after_the_retention_period(network):
    idle = _old(make_organisation(network, name="잠든 모임"), LONG_AGO)
    renewed = _old(make_organisation(network, name="협약 갱신 모임"), LONG_AGO)
    db.session.commit()
    pledge = sign_pledge(renewed, "서명자", [6])
    pledge.signed_at = RECENTLY
    used_link = _old(make_organisation(network, name="링크 쓴 모임"), LONG_AGO)
    services.issue_edit_token(used_link)
    db.session.flush()
    db.session.scalar(sa.select(EditToken).where(EditToken.organisation_id == used_link.id)).last_used_at = RECENTLY
    for org in (idle, renewed, used_link):
        _old(org, LONG_AGO)
    db.session.commit()
    db.session.execute(sa.update(Organisation).values(updated_at=LONG_AGO))  # the flushes above touched it
    db.session.commit()
    report = purge_expired(network, NOW)
    db.session.commit()
    db.session.expire_all()
    assert report.counts["inactive_groups"] == 1
    assert idle.is_erased and not renewed.is_erased and not used_link.is_erased


def test_dry_run_changes_nothing(network):
    expired = _withdrawn(network, LONG_AGO)
    report = purge_expired(network, NOW, dry_run=True)
    db.session.commit()
    db.session.expire_all()
    assert report.counts["withdrawn_groups"] == 1 and report.dry_run
    assert not expired.is_erased
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PurgeRun)) == 0


def test_retention_period_is_the_networks(network):
    org = _withdrawn(network, NOW - timedelta(days=200))
    assert purge_expired(network, NOW, dry_run=True).counts["withdrawn_groups"] == 0
    set_retention(network, 6)
    assert purge_expired(network, NOW).counts["withdrawn_groups"] == 1
    db.session.commit()
    db.session.expire_all()
    assert org.is_erased


def test_only_the_given_network(network):
    other = make_network("other")
    theirs = _withdrawn(other, LONG_AGO)
    purge_expired(network, NOW)
    db.session.commit()
    db.session.expire_all()
    assert not theirs.is_erased


def test_meeting_registrations_personal_fields(network):
    meeting = make_meeting(network, capacity=40)
    a, b, c = (make_organisation(network) for _ in range(3))
    cancelled, _ = meetings.register(meeting, a, attendees=1, attendee_names=["김취소"], accessibility="휠체어")
    kept, _ = meetings.register(meeting, b, attendees=1, attendee_names=["이참석"], accessibility="수어 통역")
    plain, _ = meetings.register(meeting, c, attendees=1)
    meetings.cancel_registration(cancelled)
    db.session.commit()
    now = utcnow()
    report = purge_expired(network, now)
    db.session.commit()
    db.session.expire_all()
    assert report.counts["cancelled_registrations"] == 1
    assert cancelled.attendee_names == [] and cancelled.accessibility == ""
    assert kept.attendee_names == ["이참석"] and kept.accessibility == "수어 통역"   # meeting not held yet
    # 30 days after the meeting the names and the accessibility note go; the registration stays.
    early = purge_expired(network, meeting.ends_at + timedelta(days=29), dry_run=True).counts
    assert early["attendee_names"] == 0 and early["accessibility_notes"] == 0
    after = meeting.ends_at + timedelta(days=31)
    counts = purge_expired(network, after).counts
    assert counts["accessibility_notes"] == 1 and counts["attendee_names"] == 1
    db.session.commit()
    db.session.expire_all()
    assert kept.accessibility == "" and kept.attendee_names == [] and kept.status == "confirmed"


def test_dead_links_are_deleted(network):
    org = make_organisation(network)
    services.issue_edit_token(org)
    live = services.issue_edit_token(org)          # revokes the first
    used_token = issue_link_token(network, org)
    expired_token = issue_link_token(network, None)
    db.session.commit()
    db.session.execute(sa.update(LinkToken).values(expires_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    revoked = db.session.scalar(sa.select(sa.func.count()).select_from(EditToken).where(EditToken.revoked_at.is_not(None)))
    assert revoked >= 1
    report = purge_expired(network, utcnow())
    db.session.commit()
    assert report.counts["revoked_edit_tokens"] == revoked and report.counts["expired_link_tokens"] == 2
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EditToken)) == 1   # only the live one
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LinkToken)) == 0
    assert services.organisation_by_edit_token(live) is org          # the live link still works
    assert used_token and expired_token


def test_stale_bot_conversations(app, network):
    db.session.add_all([
        BotState(namespace="user", key="1", data={"reg": {"name": "미완성"}}, updated_at=NOW - timedelta(days=40)),
        BotState(namespace="conversation:registration", key="[1, 1]", data=3, updated_at=NOW - timedelta(days=40)),
        BotState(namespace="user", key="2", data={"reg": {"name": "진행 중"}}, updated_at=NOW - timedelta(days=2)),
        BotState(namespace="bot", key="x", data={"k": 1}, updated_at=NOW - timedelta(days=400)),
    ])
    db.session.commit()
    report = purge_bot_conversations(NOW)
    db.session.commit()
    assert report.counts == {"stale_bot_conversations": 2}
    assert sorted(db.session.scalars(sa.select(BotState.key))) == ["2", "x"]
    assert db.session.scalar(sa.select(PurgeRun)).network_id is None


def test_purge_everything_follows_the_erasure_path(network):
    org = _withdrawn(network, LONG_AGO)
    link_chat(777, network, org, language="ko", consent_version="x")
    db.session.commit()
    reports = purge_everything(NOW, trigger="worker")
    db.session.commit()
    assert [r.network for r in reports] == ["cheongju", None]
    # The Telegram link went with the erasure (the notices domain listens to the signal).
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TelegramChat)) == 0
    assert {r.trigger for r in db.session.scalars(sa.select(PurgeRun))} == {"worker"}
    assert db.session.scalar(sa.select(Pledge.signer_name).where(Pledge.organisation_id == org.id)) in (None, "")
