"""The worker's notice tasks (in Huey's immediate mode), the sender lease, enqueue after commit."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from civicnet import DOMAINS, queue
from civicnet.extensions import db
from civicnet.leases import Lease
from civicnet.meetings import services as meetings
from civicnet.notices import services, tasks
from civicnet.notices.models import Delivery, DeliveryState, Notice
from civicnet.timeutil import utcnow
from tests.builders import make_organisation


@pytest.fixture
def immediate(app, fake_tg):
    huey = queue.get_huey(app)
    huey.immediate = True  # in-memory storage, tasks run at once
    app.config.update(TELEGRAM_API_BASE_URL=fake_tg.base_url, TELEGRAM_BOT_TOKEN=fake_tg.token,
                      NOTICES_RATE_PER_WINDOW=1000, NOTICES_RATE_WINDOW_SECONDS=1.0,
                      NOTICES_REMINDER_OFFSETS=[1440, 120])
    yield huey
    huey.immediate = False


def test_tick_creates_due_reminders_and_sends_them(app, network, fake_tg, immediate):
    starts = utcnow() + timedelta(hours=1)
    meeting = meetings.create_meeting(network, {"title_ko": "교류회", "venue_ko": "시청", "starts_at": starts,
                                                "ends_at": starts + timedelta(hours=1), "capacity": 5})
    org = make_organisation(network)
    services.link_chat(7001, network, org, language="en", consent_version="1")
    meetings.register(meeting, org)
    db.session.commit()
    result = tasks.notices_tick()
    assert len(result["reminders"]) == 1 and result["sent"] == 1
    (message,) = fake_tg.sent_messages()
    assert message.chat_id == 7001 and message.text.startswith("Reminder:")
    again = tasks.notices_tick()
    assert again["reminders"] == [] and again["sent"] == 0


def test_a_new_notice_is_enqueued_only_after_commit(app, network, fake_tg, immediate):
    app.config["TASK_QUEUE_ENABLED"] = True
    org = make_organisation(network)
    services.link_chat(7002, network, org, language="ko", consent_version="1")
    notice = services.create_notice(network, "바로 보내기", None, "network")
    queue.enqueue_after_commit("notices.deliver", notice.id)
    assert fake_tg.sent_messages() == []
    db.session.commit()
    assert [m.text for m in fake_tg.sent_messages()] == ["바로 보내기"]
    assert db.session.scalar(sa.select(Delivery.state)) == "sent"


def test_queue_is_off_in_tests_by_default(app):
    assert queue.enqueue("notices.deliver", 1) is False


def test_queue_is_sqlite_by_default_and_redis_when_configured(tmp_path):
    from huey import RedisHuey, SqliteHuey

    assert isinstance(queue.make_huey({"REDIS_URL": ""}, tmp_path), SqliteHuey)
    assert (tmp_path / "huey.db").exists()
    # connects lazily: no Redis needed here
    assert isinstance(queue.make_huey({"REDIS_URL": "redis://127.0.0.1:6399/0"}, tmp_path), RedisHuey)


def test_the_web_never_imports_task_modules():
    import subprocess
    import sys

    code = ("import sys; from civicnet import create_app; create_app({'TESTING': True}); "
            "print(sorted(m for m in sys.modules if m.startswith('civicnet.') and (m.endswith('.tasks') or m == 'civicnet.worker')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_worker_registers_every_declared_task_by_the_name_the_web_enqueues(app, tmp_path):
    """Before: run as __main__ the worker built its own Huey and found no task ('not found in TaskRegistry')."""
    from huey import SqliteHuey
    from huey.registry import Message

    huey = SqliteHuey("t", filename=str(tmp_path / "q.db"))
    queue.load_task_modules(DOMAINS)
    names = queue.register_tasks(app, huey)
    assert {"notices.deliver", "notices.tick"} <= set(names)
    app.config["TASK_QUEUE_ENABLED"] = True
    app.extensions[queue.EXTENSION] = huey
    with app.app_context():
        assert queue.enqueue("notices.deliver", 5)
    task = huey.dequeue()  # what the consumer does: deserialise and look the task up
    assert task.args == (5,) and task.name == "notices.deliver"
    assert isinstance(huey.serializer.deserialize(huey.serialize_task(task)), Message)


def test_two_tasks_starting_at_once_share_the_one_app(app, fake_tg, tmp_path):
    """Before: each thread's first task called create_app() and one failed ('api-docs' registered)."""
    from huey import SqliteHuey

    app.config.update(TELEGRAM_API_BASE_URL=fake_tg.base_url, TELEGRAM_BOT_TOKEN=fake_tg.token)
    huey = SqliteHuey("t2", filename=str(tmp_path / "q.db"))
    queue.load_task_modules(DOMAINS)
    queue.register_tasks(app, huey)
    task_class = huey._registry.string_to_task("civicnet.queue.notices.deliver")
    results, errors = [], []

    def run():
        try:
            results.append(huey.execute(task_class(args=(None,))))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == [] and len(results) == 2


def test_a_dead_senders_lease_expires_and_its_in_flight_rows_are_flagged_at_once(app, network, fake_tg, immediate):
    """Before: Huey's lock stayed in Redis after kill -9 and no worker ever sent again."""
    app.config["NOTICES_SENDER_LEASE_SECONDS"] = 1.0
    orgs = [make_organisation(network, name=f"모임{i}") for i in range(3)]
    for i, org in enumerate(orgs):
        services.link_chat(7100 + i, network, org, language="ko", consent_version="1")
    notice = services.create_notice(network, "안내", None, "network")
    db.session.commit()
    # A sender claimed one delivery, then was killed: its lease row and its 'sending' row stay behind.
    dead, first = _dead_sender_claimed_one(app, notice)
    assert tasks.run_drain() == {"locked": True}  # the dead sender's lease is still running
    result = tasks.run_drain(wait_for_lease=5)
    assert result["sent"] == 2 and result["interrupted"] == 1
    db.session.expire_all()
    assert db.session.get(Delivery, first.id).error.startswith("interrupted")
    assert len(fake_tg.sent_messages()) == 2
    assert Lease(db.engine, dead.name).current_holder() is None  # released after the run
    assert db.session.get(Notice, notice.id) is not None


def _dead_sender_claimed_one(app, notice: Notice) -> tuple[Lease, Delivery]:
    """A sender that took the lease and claimed one of ``notice``'s deliveries, then was killed."""
    dead = tasks.sender_lease(app.config)
    dead.holder = "dead-host:1:abc"
    assert dead.acquire()
    first = db.session.scalars(sa.select(Delivery).where(Delivery.notice_id == notice.id)).first()
    first.state, first.claimed_by, first.claimed_at = DeliveryState.SENDING, dead.holder, utcnow()
    db.session.commit()
    return dead, first


def scheduled_watches(huey) -> list:
    return [t for t in huey.scheduled() if t.name == "notices.watch_sender"]


def _notice_to(network, chats: list[int]) -> Notice:
    for i, chat in enumerate(chats):
        services.link_chat(chat, network, make_organisation(network, name=f"지켜보는 모임{i}"), language="ko",
                           consent_version="1")
    notice = services.create_notice(network, "안내", None, "network")
    db.session.commit()
    return notice


def _registered(app, huey) -> None:
    app.config["TASK_QUEUE_ENABLED"] = True
    queue.load_task_modules(DOMAINS)
    queue.register_tasks(app, huey)  # the scheduled messages name registered tasks


def test_a_sender_with_work_schedules_a_watch_for_just_after_its_lease_would_expire(app, network, fake_tg,
                                                                                    immediate):
    _registered(app, immediate)
    app.config["NOTICES_SENDER_LEASE_SECONDS"] = 20.0
    _notice_to(network, [7200, 7201])
    before = utcnow()
    assert tasks.run_drain()["sent"] == 2
    [watch] = scheduled_watches(immediate)
    assert before + timedelta(seconds=20) < watch.eta < utcnow() + timedelta(seconds=22)
    assert watch.args[0].split(":")[1].isdigit()  # the holder's name: host:pid:random
    # Nothing left to send: a drain (the minute tick) schedules no watch, so no chain of watches.
    assert tasks.run_drain()["sent"] == 0 and len(scheduled_watches(immediate)) == 1


def test_the_watch_takes_over_from_a_dead_sender_as_soon_as_its_lease_expired(app, network, fake_tg, immediate):
    _registered(app, immediate)
    notice = _notice_to(network, [7210, 7211, 7212])
    dead, first = _dead_sender_claimed_one(app, notice)
    # Still within its lease: the watch only looks again at its expiry, and sends nothing.
    assert tasks.watch_sender(dead.holder) == {"watching": True}
    [again] = scheduled_watches(immediate)
    assert again.args == (dead.holder,) and again.eta > utcnow()
    assert fake_tg.sent_messages() == []
    # kill -9: no renewal; once the lease has expired the next watch takes over at once.
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE leases SET expires_at = :t WHERE name = :n"),
                     {"t": utcnow() - timedelta(seconds=1), "n": dead.name})
    result = tasks.watch_sender(dead.holder)
    assert result["took_over"] and result["sent"] == 2 and result["interrupted"] == 1
    assert sorted(m.chat_id for m in fake_tg.sent_messages()) == [7211, 7212]  # the in-flight one not resent
    db.session.expire_all()
    assert db.session.get(Delivery, first.id).error.startswith("interrupted")


def test_the_watch_stops_when_the_sender_is_gone_and_nothing_is_left(app, network, fake_tg, immediate):
    _registered(app, immediate)
    _notice_to(network, [7220])
    assert tasks.run_drain()["sent"] == 1  # released its lease when done
    watch = scheduled_watches(immediate)[0]
    assert tasks.watch_sender(*watch.args) == {"watching": False}
    assert len(scheduled_watches(immediate)) == 1  # the one already read: no new one


def test_the_watch_leaves_another_live_sender_alone(app, network, fake_tg, immediate):
    _registered(app, immediate)
    _notice_to(network, [7230])
    other = tasks.sender_lease(app.config)
    assert other.acquire()
    assert tasks.watch_sender("dead-host:1:abc") == {"watching": False}
    assert scheduled_watches(immediate) == [] and fake_tg.sent_messages() == []


def test_without_a_bot_token_the_drain_waits_quietly_and_sends_once_one_is_set(app, network, fake_tg, immediate,
                                                                              caplog):
    """A worker started before the council set up its bot: no client is built without a token (it
    would fail on every tick), the deliveries stay pending, and the first drain with a token sends them."""
    _registered(app, immediate)
    token = app.config["TELEGRAM_BOT_TOKEN"]
    app.config["TELEGRAM_BOT_TOKEN"] = ""
    notice = _notice_to(network, [7300, 7301])
    with caplog.at_level("WARNING", logger="civicnet.notices.tasks"):
        assert tasks.run_drain()["sent"] == 0
    assert "TELEGRAM_BOT_TOKEN is not set" in caplog.text
    states = db.session.execute(sa.select(Delivery.state).where(Delivery.notice_id == notice.id)).scalars().all()
    assert states == [DeliveryState.PENDING] * 2 and fake_tg.sent_messages() == []
    app.config["TELEGRAM_BOT_TOKEN"] = token
    assert tasks.run_drain()["sent"] == 2
