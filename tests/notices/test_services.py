"""Audiences, delivery status, retry, reminders, tokens and erasure."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from civicnet.errors import Invalid, NotFound
from civicnet.extensions import db
from civicnet.meetings import services as meetings
from civicnet.meetings.models import BreakoutTable
from civicnet.notices import services
from civicnet.notices.models import Delivery, DeliveryState, LinkToken, Notice, TelegramChat
from civicnet.organisations.services import erase_personal_data
from civicnet.pledges.services import sign_pledge
from civicnet.timeutil import utcnow
from tests.builders import make_network, make_organisation
from tests.notices.conftest import run_sender


def _linked(network, chat_id, **fields):
    org = make_organisation(network, **fields)
    services.link_chat(chat_id, network, org, language="ko", consent_version="1")
    db.session.commit()
    return org


def _recipients(notice) -> dict[int, str]:
    return dict(db.session.execute(sa.select(Delivery.organisation_id, Delivery.state)
                                   .where(Delivery.notice_id == notice.id)).all())


def test_audiences_cluster_not_pledged_and_other_networks(app, network):
    nature = _linked(network, 1, cluster_key="nature", goals=[6])
    welfare = _linked(network, 2, cluster_key="welfare", goals=[1])
    offline = make_organisation(network, cluster_key="nature")
    other = make_network("busan")
    _linked(other, 3)
    sign_pledge(welfare, "대표", [1])
    db.session.commit()
    cluster_id = next(c.id for c in network.clusters if c.key == "nature")

    notice = services.create_notice(network, "자연 분과 공지", None, "cluster", cluster_id)
    assert _recipients(notice) == {nature.id: "pending", offline.id: "unreachable"}
    notice = services.create_notice(network, "서명 안내", None, "not_pledged")
    assert set(_recipients(notice)) == {nature.id, offline.id}
    notice = services.create_notice(network, "전체", "All", "network")
    assert set(_recipients(notice)) == {nature.id, welfare.id, offline.id}  # never another network's
    with pytest.raises(Invalid):
        services.create_notice(network, "x", None, "cluster", next(c.id for c in other.clusters))
    with pytest.raises(Invalid):
        services.create_notice(network, "  ", None, "network")
    with pytest.raises(Invalid):
        services.create_notice(network, "x", None, "everyone-everywhere")


def test_meeting_and_table_audiences(app, network):
    meeting = meetings.create_meeting(network, {
        "title_ko": "교류회", "starts_at": utcnow() + timedelta(days=3), "ends_at": utcnow() + timedelta(days=3, hours=1),
        "capacity": 50})
    a, b, c = (_linked(network, 10 + i) for i in range(3))
    reg_a, _ = meetings.register(meeting, a)
    reg_b, _ = meetings.register(meeting, b)
    cluster = network.clusters[0]
    table = BreakoutTable(meeting_id=meeting.id, cluster_id=cluster.id, number=1, seats=8)
    db.session.add(table)
    db.session.flush()
    reg_a.table_id = table.id
    db.session.commit()
    assert set(_recipients(services.create_notice(network, "모임", None, "meeting", meeting.id))) == {a.id, b.id}
    assert set(_recipients(services.create_notice(network, "테이블", None, "table", table.id))) == {a.id}
    assert c.id  # not registered: in neither


def test_status_lists_who_and_retry_puts_failed_back(app, network, fake_tg):
    ok = _linked(network, 101, name="받는 단체")
    blocked = _linked(network, 102, name="차단한 단체")
    make_organisation(network, name="텔레그램 없는 단체")
    fake_tg.blocked.add(102)
    notice_id = services.create_notice(network, "안내", None, "network").id
    run_sender(fake_tg, notice_id=notice_id)
    notice = db.session.get(Notice, notice_id)
    status = services.notice_status(notice)
    assert status["counts"] == {"pending": 0, "sending": 0, "sent": 1, "failed": 0, "unreachable": 2}
    names = {row["name"]: row["error"] for row in status["who"]["unreachable"]}
    assert names == {"차단한 단체": "blocked", "텔레그램 없는 단체": "no_telegram"}
    assert [row["name"] for row in status["who"]["sent"]] == ["받는 단체"]
    assert ok.id and blocked.id

    db.session.execute(sa.update(Delivery).where(Delivery.notice_id == notice_id, Delivery.state == "sent")
                       .values(state="failed", error="interrupted: outcome unknown, not resent"))
    assert services.retry_failed(notice) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery).where(
        Delivery.notice_id == notice_id, Delivery.state == DeliveryState.PENDING)) == 1


def test_reminders_are_created_once_per_offset(app, network):
    starts = utcnow() + timedelta(hours=20)
    meeting = meetings.create_meeting(network, {"title_ko": "협약식", "title_en": "Ceremony", "venue_ko": "대회의실",
                                                "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                                                "capacity": 10})
    org = _linked(network, 201)
    meetings.register(meeting, org)
    db.session.commit()
    assert services.schedule_due_reminders(now=starts - timedelta(days=2), offsets=[1440, 120]) == []
    first = services.schedule_due_reminders(offsets=[1440, 120])  # 20 h before: the 1-day reminder
    assert len(first) == 1
    assert services.schedule_due_reminders(offsets=[1440, 120]) == []  # not twice
    second = services.schedule_due_reminders(now=starts - timedelta(minutes=90), offsets=[1440, 120])
    assert len(second) == 1
    db.session.commit()
    notices = db.session.scalars(sa.select(Notice).where(Notice.kind == "reminder").order_by(Notice.id)).all()
    assert [n.dedupe_key for n in notices] == [f"reminder:{meeting.id}:1440", f"reminder:{meeting.id}:120"]
    assert "내일" in notices[0].body_ko and "tomorrow" in notices[0].body_en
    assert _recipients(notices[1]) == {org.id: "pending"}
    assert services.schedule_due_reminders(now=starts + timedelta(minutes=1), offsets=[1440, 120]) == []


def test_link_tokens_are_hashed_one_time_and_expire(app, network):
    org = make_organisation(network)
    token, url = services.issue_link_token(network, org)
    assert token in url and len(token) <= 64
    assert db.session.scalar(sa.select(LinkToken.token_hash)) != token
    assert services.consume_link_token(token).organisation_id == org.id
    with pytest.raises(NotFound):
        services.consume_link_token(token)
    stale, _ = services.issue_link_token(network, org, ttl_hours=-1)
    with pytest.raises(NotFound):
        services.consume_link_token(stale)
    with pytest.raises(NotFound):
        services.consume_link_token("x" * 200)
    with pytest.raises(NotFound):
        services.issue_link_token(make_network("jeju"), org)


def test_erasure_forgets_the_chat_and_pending_deliveries(app, network):
    org = _linked(network, 301)
    notice = services.create_notice(network, "안내", None, "network")
    db.session.commit()
    erase_personal_data(org, actor_kind="group")
    db.session.commit()
    assert db.session.scalar(sa.select(TelegramChat).where(TelegramChat.chat_id == 301)) is None
    assert _recipients(notice) == {org.id: "unreachable"}


def test_audience_values_round_trip_and_refuse_what_names_nobody():
    from civicnet.notices.models import Audience, AudienceKind

    for audience in (Audience(AudienceKind.NETWORK), Audience(AudienceKind.CLUSTER, 3),
                     Audience(AudienceKind.TABLE, 12)):
        assert Audience.parse(str(audience)) == audience
    for bad in ("", "cluster", "network:3", "cluster:x", "planet:1", "table:99999999999", "cluster:-1"):
        assert Audience.parse(bad) is None
