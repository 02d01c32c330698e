"""The worker as the Procfile starts it (``python -m civicnet.worker``), on SQLite and on Redis."""
from __future__ import annotations

import collections
import time
from datetime import timedelta

import httpx
import pytest
import sqlalchemy as sa

from .conftest import telegram_env
from .deployment import csrf_token, login, wait_until

PASSWORD = "correct horse battery staple"


def seed_members(deployment, count: int, first_chat: int) -> None:
    """``count`` groups of the default network, each with a linked Telegram chat."""
    from civicnet.extensions import db
    from civicnet.networks.models import Network
    from civicnet.notices.services import link_chat
    from tests.builders import make_organisation

    app = deployment.app()
    with app.app_context():
        network = db.session.scalar(sa.select(Network).where(Network.slug == "cheongju"))
        for i in range(count):
            org = make_organisation(network, name=f"실천 모임 {first_chat + i}")
            link_chat(first_chat + i, network, org, language="ko", consent_version="1")
        db.session.commit()


def organiser(deployment, web) -> httpx.Client:
    deployment.flask("user", "create", "--email", "staff@example.org", "--name", "사무국", "--network", "cheongju",
                     "--role", "admin", env={"CIVICNET_PASSWORD": PASSWORD})
    return login(web.url, "staff@example.org", PASSWORD)


def send_notice(client: httpx.Client, body: str, target: str = "network") -> None:
    page = client.get("/o/cheongju/notices/new")
    answer = client.post("/o/cheongju/notices/new", data={"body_ko": body, "body_en": "", "target": target,
                                                           "csrf_token": csrf_token(page.text)})
    assert answer.status_code == 200, answer.text[:500]


def delivery_states(deployment) -> collections.Counter:
    with deployment.engine.connect() as conn:
        return collections.Counter(dict(conn.execute(sa.text(
            "SELECT state, count(*) FROM notice_deliveries GROUP BY state")).all()))


@pytest.mark.parametrize("queue", ["sqlite", "redis"])
def test_the_worker_runs_the_tasks_and_sends_a_notice(deployment, fake_telegram, queue, request):
    """Before: `python -m civicnet.worker` registered no task and sent nothing."""
    env = telegram_env(fake_telegram)
    if queue == "redis":
        env["REDIS_URL"] = request.getfixturevalue("redis_url")
    seed_members(deployment, 3, 5000)
    web = deployment.web(env=env)
    worker = deployment.worker(env=env)
    worker.wait_for_log(r"worker: \d+ tasks")
    send_notice(organiser(deployment, web), "이번 주 교류회 안내입니다.")
    fake_telegram.wait_until(lambda: len(fake_telegram.sent_messages()) == 3, timeout=60)
    assert sorted(m.chat_id for m in fake_telegram.sent_messages()) == [5000, 5001, 5002]
    assert "not found in TaskRegistry" not in worker.log and "Traceback" not in worker.log
    wait_until(lambda: delivery_states(deployment)["sent"] == 3, 30, what="deliveries marked sent")


def test_a_broadcast_survives_kill_9_of_the_worker(deployment, fake_telegram, redis_url):
    """Before: Huey's lock stayed in Redis after kill -9 and the restarted worker never sent again."""
    env = telegram_env(fake_telegram) | {"REDIS_URL": redis_url, "NOTICES_SENDER_LEASE_SECONDS": "15"}
    seed_members(deployment, 500, 10_000)
    web = deployment.web(env=env)
    worker = deployment.worker(env=env)
    worker.wait_for_log(r"worker: \d+ tasks")
    send_notice(organiser(deployment, web), "협약식 안내: 5월 30일 14시, 서원구청 대회의실")
    fake_telegram.wait_until(lambda: len(fake_telegram.sent_messages()) >= 120, timeout=60)
    worker.kill()  # SIGKILL, mid-broadcast
    sent_before = len(fake_telegram.sent_messages())
    assert sent_before < 500
    restarted = time.monotonic()
    worker.start()
    wait_until(lambda: sum(delivery_states(deployment)[s] for s in ("sent", "failed")) == 500, 60,
               what="every delivery finished within 60 s of the restart")
    elapsed = time.monotonic() - restarted
    per_chat = collections.Counter(m.chat_id for m in fake_telegram.sent_messages())
    assert max(per_chat.values()) == 1  # no duplicates
    states = delivery_states(deployment)
    with deployment.engine.connect() as conn:
        interrupted = conn.execute(sa.text("SELECT count(*) FROM notice_deliveries WHERE state = 'failed' "
                                           "AND error LIKE 'interrupted%'")).scalar_one()
    assert interrupted == states["failed"] and interrupted <= 16  # only what was in flight at the kill
    assert states["sent"] + interrupted == 500 and len(per_chat) >= states["sent"]
    assert "another worker is sending" not in worker.log
    print(f"broadcast: {sent_before} sent before kill -9, finished {elapsed:.1f} s after the restart, "
          f"{interrupted} in-flight flagged, 0 duplicates")


def test_a_group_promoted_from_the_waiting_list_gets_the_telegram_message(deployment, fake_telegram):
    from civicnet.extensions import db
    from civicnet.meetings import services as meetings
    from civicnet.networks.models import Network
    from civicnet.notices.services import link_chat
    from civicnet.timeutil import utcnow
    from tests.builders import make_organisation

    env = telegram_env(fake_telegram)
    app = deployment.app()
    with app.app_context():
        network = db.session.scalar(sa.select(Network).where(Network.slug == "cheongju"))
        starts = utcnow() + timedelta(days=10)
        meeting = meetings.create_meeting(network, {"title_ko": "분야별 교류회", "venue_ko": "서원구청 대회의실",
                                                    "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                                                    "capacity": 1})
        first, second = make_organisation(network, name="먼저 온 모임"), make_organisation(network, name="기다린 모임")
        link_chat(6100, network, second, language="ko", consent_version="1")
        _, first_token = meetings.register(meeting, first)
        waiting, _ = meetings.register(meeting, second)
        assert waiting.status == "waitlisted"
        db.session.commit()
    web = deployment.web(env=env)
    deployment.worker(env=env)
    with httpx.Client(base_url=web.url, timeout=60, follow_redirects=True) as group:
        page = group.get("/meetings/registration", params={"t": first_token})
        answer = group.post("/meetings/registration/cancel", params={"t": first_token},
                            data={"csrf_token": csrf_token(page.text)})
        assert answer.status_code == 200
    message = fake_telegram.next_message(6100, timeout=60)
    assert "분야별 교류회" in message.text
