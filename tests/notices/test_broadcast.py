"""Broadcasts against the fake Bot API: 1,000 chats with 429s and 403s, two workers, kill -9."""
from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.notices.models import Delivery, DeliveryState, Notice, TelegramChat
from civicnet.notices.services import create_notice, notice_status
from tests.notices.conftest import make_recipients, run_sender

ROOT = Path(__file__).resolve().parents[2]


def _states(notice_id: int) -> collections.Counter:
    return collections.Counter(db.session.scalars(sa.select(Delivery.state).where(Delivery.notice_id == notice_id)))


def test_broadcast_to_1000_chats_with_429s_and_403s(app, network, fake_tg):
    pairs = make_recipients(network, 1000)
    blocked = {chat for _org, chat in pairs[::100]}  # 10 people blocked the bot
    fake_tg.blocked |= blocked
    fake_tg.rate_limit_at = {150: 1, 700: 1}         # two 429s, retry_after 1 s each
    notice_id = create_notice(network, "총회 안내", "General meeting", "network").id
    started = time.monotonic()
    report = run_sender(fake_tg, notice_id=notice_id)
    elapsed = time.monotonic() - started

    per_chat = collections.Counter(m.chat_id for m in fake_tg.sent_messages())
    assert max(per_chat.values()) == 1, "a chat got the notice twice"
    assert set(per_chat) == {chat for _org, chat in pairs} - blocked
    assert _states(notice_id) == {DeliveryState.SENT: 990, DeliveryState.UNREACHABLE: 10}
    assert report.rate_limited == 2 and report.pauses == [1.0, 1.0]
    assert elapsed >= 2.0  # both pauses were honoured
    # No request was started during a retry_after pause (the sender's own clock: the fake server
    # shares this process, so its arrival times can lag under load).
    for t0 in fake_tg.rate_limited_at:
        assert not [t for t in report.request_times if t0 + 0.2 < t < t0 + 0.95]
    # Blocked chats are marked and skipped from then on.
    unreachable = set(db.session.scalars(sa.select(TelegramChat.chat_id).where(TelegramChat.unreachable_at.isnot(None))))
    assert unreachable == blocked
    second = create_notice(network, "두 번째", None, "network")
    assert _states(second.id)[DeliveryState.UNREACHABLE] == 10
    status = notice_status(db.session.get(Notice, notice_id))
    assert status["counts"]["unreachable"] == 10 and len(status["who"]["unreachable"]) == 10


def test_two_workers_never_send_the_same_delivery(app, network, fake_tg):
    make_recipients(network, 300)
    notice_id = create_notice(network, "동시 발송", None, "network").id
    db.session.commit()
    reports = []

    def worker(name: str) -> None:
        with app.app_context():
            reports.append(run_sender(fake_tg, worker=name, max_in_flight=4))

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    per_chat = collections.Counter(m.chat_id for m in fake_tg.sent_messages())
    assert len(per_chat) == 300 and max(per_chat.values()) == 1
    assert sum(r.sent for r in reports) == 300
    assert all(r.sent > 0 for r in reports), "both workers took part"
    db.session.expire_all()
    assert _states(notice_id) == {DeliveryState.SENT: 300}


def test_killed_sender_resumes_without_double_or_lost_messages(app, network, fake_tg, tmp_path):
    pairs = make_recipients(network, 400)
    notice_id = create_notice(network, "중단 후 재개", None, "network").id
    db.session.commit()
    fake_tg.response_delay = 0.002
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    log = tmp_path / "sender.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("sender_process.py")),
                                 app.config["SQLALCHEMY_DATABASE_URI"], fake_tg.base_url, fake_tg.token],
                                env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=err)
        try:
            fake_tg.wait_until(lambda: len(fake_tg.sent) >= 120, timeout=60)
        except AssertionError:
            raise AssertionError(log.read_text()[-2000:]) from None
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
    received_before = len(fake_tg.sent_messages())
    assert received_before < 400, "the sender finished before it was killed"
    db.session.expire_all()
    before = _states(notice_id)
    assert before[DeliveryState.PENDING] > 0

    report = run_sender(fake_tg, lease=0, notice_id=notice_id)  # the dead sender's lease is over

    per_chat = collections.Counter(m.chat_id for m in fake_tg.sent_messages())
    assert max(per_chat.values()) == 1, "a message was sent twice"
    db.session.expire_all()
    rows = db.session.execute(sa.select(Delivery.state, Delivery.error, TelegramChat.chat_id)
                              .join(TelegramChat, TelegramChat.id == Delivery.chat_ref_id)
                              .where(Delivery.notice_id == notice_id)).all()
    states = collections.Counter(r.state for r in rows)
    assert states[DeliveryState.PENDING] == 0 and states[DeliveryState.SENDING] == 0
    # Every delivery has an outcome: sent ones arrived; the few the dead sender had in flight are
    # 'failed: interrupted' (at-most-once: not resent); none is both unrecorded and unsent.
    for state, error, chat_id in rows:
        if state == DeliveryState.SENT:
            assert per_chat[chat_id] == 1
        else:
            assert state == DeliveryState.FAILED and error.startswith("interrupted")
    assert report.interrupted == states[DeliveryState.FAILED] <= 2 * 8
    assert states[DeliveryState.SENT] >= 400 - 2 * 8
    assert len(per_chat) >= states[DeliveryState.SENT]
    assert {c for _o, c in pairs} >= set(per_chat)
