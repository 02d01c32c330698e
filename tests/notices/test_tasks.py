"""The Huey tasks (in Huey's immediate mode): the minute tick, and enqueue after commit."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.meetings import services as meetings
from civicnet.notices import services, tasks
from civicnet.notices.models import Delivery
from civicnet.timeutil import utcnow
from civicnet.worker import huey
from tests.builders import make_organisation


@pytest.fixture
def immediate(app, fake_tg):
    huey.immediate = True  # in-memory storage, tasks run at once
    app.config.update(TELEGRAM_API_BASE_URL=fake_tg.base_url, TELEGRAM_BOT_TOKEN=fake_tg.token,
                      NOTICES_RATE_PER_WINDOW=1000, NOTICES_RATE_WINDOW_SECONDS=1.0, NOTICES_REMINDER_OFFSETS="1440,120")
    yield
    huey.immediate = False


def test_tick_creates_due_reminders_and_sends_them(app, network, fake_tg, immediate):
    starts = utcnow() + timedelta(hours=1)
    meeting = meetings.create_meeting(network, {"title_ko": "교류회", "venue_ko": "시청", "starts_at": starts,
                                                "ends_at": starts + timedelta(hours=1), "capacity": 5})
    org = make_organisation(network)
    services.link_chat(7001, network, org, language="en", consent_version="1")
    meetings.register(meeting, org)
    db.session.commit()
    result = tasks.notices_tick.call_local()
    assert len(result["reminders"]) == 1 and result["sent"] == 1
    (message,) = fake_tg.sent_messages()
    assert message.chat_id == 7001 and message.text.startswith("Reminder:")
    again = tasks.notices_tick.call_local()
    assert again["reminders"] == [] and again["sent"] == 0


def test_a_new_notice_is_enqueued_only_after_commit(app, network, fake_tg, immediate):
    app.config["NOTICES_QUEUE_ENABLED"] = True
    org = make_organisation(network)
    services.link_chat(7002, network, org, language="ko", consent_version="1")
    notice = services.create_notice(network, "바로 보내기", None, "network")
    tasks.enqueue_after_commit(notice.id)
    assert fake_tg.sent_messages() == []
    db.session.commit()
    assert [m.text for m in fake_tg.sent_messages()] == ["바로 보내기"]
    assert db.session.scalar(sa.select(Delivery.state)) == "sent"


def test_queue_is_off_in_tests_by_default(app):
    assert tasks.enqueue_delivery(1) is False


def test_queue_is_sqlite_by_default_and_redis_when_configured(monkeypatch):
    from huey import RedisHuey, SqliteHuey

    from civicnet.worker import make_huey

    monkeypatch.delenv("REDIS_URL", raising=False)
    assert isinstance(make_huey(), SqliteHuey)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6399/0")
    assert isinstance(make_huey(), RedisHuey)  # connects lazily: no Redis needed here
