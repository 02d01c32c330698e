"""More than one machine (issue 14): two web instances, two workers and two webhook bots on one
PostgreSQL database and one Redis, each process on a "machine" of its own (its own instance
folder: nothing shared on disk), driven from outside.

- registrations hop between the web instances step by step; the last step posted to both at
  once creates one group;
- two people editing one group from pages served by different instances: no update is lost —
  the first lands, the second gets a clear conflict, and lands once made again on the fresh page;
- a bot conversation whose updates alternate between the two webhook instances keeps its state;
- a notice to 300 chats sent from one web instance with both workers running, one of them killed
  with ``kill -9`` mid-broadcast: the other finishes it, no chat gets it twice, none is lost, and
  Telegram never sees more than 30 messages from the bot in any one second (the bot's own replies,
  sent meanwhile, count in the same budget).

PostgreSQL and Redis only: on SQLite (``make test``) it skips; ``make test-postgres`` runs it.
"""
from __future__ import annotations

import collections
import os
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
import sqlalchemy as sa

from tests.bots.forwarder import RoundRobin

from .conftest import telegram_env
from .deployment import csrf_token, form_fields, free_port, login, wait_until
from .test_bot_processes import SECRET, finish_registration, listening, member
from .test_deployed_worker import PASSWORD, delivery_states, seed_members, send_notice

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="several machines share PostgreSQL and Redis: set TEST_DATABASE_URL to PostgreSQL (make test-postgres)")

CHATS, FIRST_CHAT, BOT_CHAT = 300, 20_000, 4545
LEASE = 6  # seconds, the sender lease (production: 120)


def hop_registration(urls: list[str], index: int) -> str:
    """Register one group: step 1 on one instance, step 2 on the other, step 3 on the first."""
    first, second = urls[index % 2], urls[(index + 1) % 2]
    name = f"여러 기계 모임 {index}"
    with httpx.Client(timeout=120, follow_redirects=True) as browser:
        page = browser.get(f"{first}/n/cheongju/register")
        goals = browser.post(f"{first}/n/cheongju/register", data={
            "csrf_token": csrf_token(page.text), "name": name, "kind": "ngo", "representative": "이서연",
            "email": f"multi{index}@example.org", "activities": "마을 하천 정화 활동과 어린이 생태 교육"})
        assert goals.status_code == 200, goals.text[:300]
        fields = form_fields(goals.text, "/register/goals")
        fields["goals"] = ["6"]
        pledge = browser.post(f"{second}/n/cheongju/register/goals", data=fields)
        assert pledge.status_code == 200, pledge.text[:300]
        fields = form_fields(pledge.text, "/register/pledge") | {"consent": "y", "signer_name": "이서연"}
        done = browser.post(f"{first}/n/cheongju/register/pledge", data=fields)
        assert done.status_code == 200 and "/register/done" in str(done.url), done.text[:300]
        # The session cookie set by one instance is read by the other.
        assert name in browser.get(f"{second}/n/cheongju/register/done").text
    return name


def last_step_on_both_at_once(urls: list[str]) -> list[int]:
    """One registration's last step posted to both instances at the same moment (a double click
    through a load balancer): returns the two status codes."""
    with httpx.Client(timeout=120) as browser:
        page = browser.get(f"{urls[0]}/n/cheongju/register")
        goals = browser.post(f"{urls[0]}/n/cheongju/register", data={
            "csrf_token": csrf_token(page.text), "name": "두 번 누른 모임", "kind": "ngo", "representative": "박지훈",
            "email": "twice@example.org", "activities": "청년 취업 상담과 진로 멘토링"})
        fields = form_fields(goals.text, "/register/goals") | {"goals": ["8"]}
        pledge = browser.post(f"{urls[1]}/n/cheongju/register/goals", data=fields)
        fields = form_fields(pledge.text, "/register/pledge") | {"consent": "y", "signer_name": "박지훈"}
        cookies = dict(browser.cookies)
    statuses: list[int] = []
    start = threading.Barrier(2)

    def post(url: str) -> None:
        with httpx.Client(timeout=120, cookies=cookies) as client:
            start.wait()
            statuses.append(client.post(f"{url}/n/cheongju/register/pledge", data=fields).status_code)

    threads = [threading.Thread(target=post, args=(url,)) for url in urls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return sorted(statuses)


def edit_page(url: str, token: str) -> tuple[httpx.Client, dict]:
    client = httpx.Client(base_url=url, timeout=60)
    page = client.get("/edit", params={"t": token})
    assert page.status_code == 200
    return client, form_fields(page.text, "/edit?")


def save_details(client: httpx.Client, token: str, fields: dict) -> httpx.Response:
    return client.post("/edit", params={"t": token}, data=fields)


def group_details(deployment, org_id: int):
    with deployment.engine.connect() as conn:
        return conn.execute(sa.text("SELECT name, activities, district FROM organisations WHERE id = :id"),
                            {"id": org_id}).one()


def busiest_second(messages: list) -> tuple[int, list]:
    """The most messages in any one-second window (windows starting at each message), and those."""
    messages, most, j, busiest = sorted(messages, key=lambda m: m.at), 0, 0, []
    for i, first in enumerate(messages):
        while j < len(messages) and messages[j].at < first.at + 1.0:
            j += 1
        if j - i > most:
            most, busiest = j - i, messages[i:j]
    return most, busiest


def sender_pid(deployment) -> int | None:
    with deployment.engine.connect() as conn:
        holder = conn.execute(sa.text("SELECT holder FROM leases WHERE name LIKE 'notices-sender:%' "
                                      "AND expires_at > now() AT TIME ZONE 'utc'")).scalar()
    return int(holder.split(":")[1]) if holder else None


def test_two_webs_two_workers_two_webhook_bots_on_one_database(deployment, redis_url, fake_telegram):
    fake = fake_telegram
    seed_members(deployment, CHATS, FIRST_CHAT)
    from civicnet.extensions import db
    from civicnet.networks.services import get_network
    from civicnet.organisations.services import issue_edit_token
    from tests.builders import make_organisation

    with deployment.app().app_context():
        org = make_organisation(get_network("cheongju"), name="같이 고치는 모임", activities="골목 화단 가꾸기")
        org_id, token = org.id, issue_edit_token(org)
        db.session.commit()
    deployment.flask("user", "create", "--email", "staff@example.org", "--name", "사무국", "--network", "cheongju",
                     "--role", "admin", env={"CIVICNET_PASSWORD": PASSWORD})

    # One environment for every machine, as a host sets it: the database, Redis, a real key.
    shared = telegram_env(fake) | {"REDIS_URL": redis_url, "SECRET_KEY": "m" * 48,
                                   "NOTICES_SENDER_LEASE_SECONDS": str(LEASE)}
    balancer = RoundRobin([("127.0.0.1", free_port()), ("127.0.0.1", free_port())]).start()
    try:
        bots = deployment.many("bot", 2, env=shared | {
            "BOT_MODE": "webhook", "BOT_WEBHOOK_URL": balancer.url + "/telegram/webhook",
            "TELEGRAM_WEBHOOK_SECRET": SECRET, "BOT_WEBHOOK_LISTEN": "127.0.0.1", "BOT_IDLE_CHECK_SECONDS": "3600"},
            each=lambda i: {"BOT_WEBHOOK_PORT": str(balancer.backends[i][1])})
        webs = deployment.many("web", 2, env=shared, workers=2)
        workers = deployment.many("worker", 2, env=shared)
        for bot, (host, port) in zip(bots, balancer.backends):
            wait_until(lambda host=host, port=port: listening(host, port), 120, what=f"{bot.name} to listen")
        for worker in workers:
            worker.wait_for_log(r"worker: \d+ tasks", timeout=120)
        urls = [web.url for web in webs]

        # --- registrations hop between the instances; a double submit makes one group ------------
        names = [hop_registration(urls, i) for i in range(4)]
        assert last_step_on_both_at_once(urls) in ([302, 409], [409, 302], [302, 302])
        with deployment.engine.connect() as conn:
            registered = conn.execute(sa.text("SELECT name FROM organisations WHERE name LIKE '여러 기계%' "
                                              "OR name = '두 번 누른 모임'")).scalars().all()
        assert sorted(registered) == sorted(names + ["두 번 누른 모임"])

        # --- two people edit one group from pages of different instances --------------------------
        alice, alice_form = edit_page(urls[0], token)
        bob, bob_form = edit_page(urls[1], token)
        assert save_details(alice, token, alice_form | {"name": "같이 고치는 골목 모임"}).status_code == 302
        stale = save_details(bob, token, bob_form | {"district": "상당구"})
        assert stale.status_code == 409, stale.status_code  # not a silent revert of Alice's name
        assert "다른 곳에서 바뀌었습니다" in stale.text and "같이 고치는 골목 모임" in stale.text
        assert group_details(deployment, org_id).district != "상당구"
        again = form_fields(stale.text, "/edit?")  # the fresh page Bob now sees
        assert save_details(bob, token, again | {"district": "상당구"}).status_code == 302
        row = group_details(deployment, org_id)
        assert (row.name, row.district) == ("같이 고치는 골목 모임", "상당구")  # both, in order
        # Both at the same moment, from the same page: one lands, the other is told.
        first, first_form = edit_page(urls[0], token)
        second, second_form = edit_page(urls[1], token)
        results: dict[str, int] = {}
        start = threading.Barrier(2)

        def save(label, client, fields):
            start.wait()
            results[label] = save_details(client, token, fields).status_code

        threads = [threading.Thread(target=save, args=("activities", first, first_form | {"activities": "골목 화단과 텃밭"})),
                   threading.Thread(target=save, args=("district", second, second_form | {"district": "흥덕구"}))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(results.values()) == [302, 409], results
        row = group_details(deployment, org_id)
        landed = next(label for label, status in results.items() if status == 302)
        assert (row.activities == "골목 화단과 텃밭") == (landed == "activities")
        assert (row.district == "흥덕구") == (landed == "district")
        for client in (alice, bob, first, second):
            client.close()

        # --- a broadcast from web-2 with both workers; the bot talks meanwhile; kill -9 mid-way ------
        organiser = login(urls[1], "staff@example.org", PASSWORD)
        send_notice(organiser, "연합회 총회 안내: 12월 5일 14시, 시청 대회의실")
        fake.wait_until(lambda: len(fake.sent_messages()) >= 40, timeout=90)
        fake.send_text(BOT_CHAT, "/start")  # delivered through the balancer, alternately to each bot
        fake.press(BOT_CHAT, "lang:ko", fake.next_message(BOT_CHAT, 60))
        fake.press(BOT_CHAT, "kind:organisation", fake.next_message(BOT_CHAT, 60))
        fake.next_message(BOT_CHAT, 60)
        fake.send_text(BOT_CHAT, "여러 기계 텔레그램 모임")
        fake.next_message(BOT_CHAT, 60)
        holder = sender_pid(deployment)
        victim = next(w for w in workers if w.popen.pid == holder)
        survivor = next(w for w in workers if w is not victim)
        assert len(fake.sent_messages()) < CHATS
        victim.kill()  # SIGKILL, mid-broadcast
        killed_at, killed_wall = time.monotonic(), datetime.now(UTC).replace(tzinfo=None)
        fake.send_text(BOT_CHAT, "010-7777-8888")
        assert fake.next_message(BOT_CHAT, 60).text == "고맙습니다."
        fake.next_message(BOT_CHAT, 60)
        finish_registration(fake, BOT_CHAT)
        wait_until(lambda: sum(delivery_states(deployment)[s] for s in ("sent", "failed")) == CHATS, 120,
                   what="the surviving worker to finish the broadcast")
        finished_after = time.monotonic() - killed_at
        time.sleep(1)

        broadcast = [m for m in fake.sent_messages() if FIRST_CHAT <= m.chat_id < FIRST_CHAT + CHATS]
        per_chat = collections.Counter(m.chat_id for m in broadcast)
        states = delivery_states(deployment)
        with deployment.engine.connect() as conn:
            interrupted = conn.execute(sa.text("SELECT count(*) FROM notice_deliveries WHERE state = 'failed' "
                                               "AND error LIKE 'interrupted%'")).scalar_one()
        assert max(per_chat.values()) == 1  # no chat got the notice twice
        assert states["sent"] + interrupted == CHATS and interrupted == states["failed"]  # none lost
        assert interrupted <= 16  # only what was in flight at the kill is flagged, never resent blindly
        assert len(per_chat) >= states["sent"]
        with deployment.engine.connect() as conn:
            sent_by = set(conn.execute(sa.text("SELECT DISTINCT claimed_by FROM notice_deliveries "
                                               "WHERE state = 'sent'")).scalars())
        assert any(f":{survivor.popen.pid}:" in h for h in sent_by), sent_by  # the survivor finished it
        with deployment.engine.connect() as conn:  # its first claim after the kill (same machine's clock)
            resumed = conn.execute(sa.text("SELECT min(claimed_at) FROM notice_deliveries WHERE claimed_by LIKE :me "
                                           "AND claimed_at >= :killed"),
                                   {"me": f"%:{survivor.popen.pid}:%", "killed": killed_wall}).scalar_one()
        takeover = (resumed - killed_wall).total_seconds()
        # The sender's watch runs just after the dead lease expires (LEASE s), not at the minute tick.
        assert takeover <= 45, f"the survivor took over {takeover:.1f} s after the kill"
        peak, window = busiest_second(fake.sent)  # the broadcast and the bot's replies together
        assert peak <= 30, f"{peak} messages from one bot within one second: " + ", ".join(
            f"{m.method}:{m.chat_id}@{m.at - window[0].at:.3f}" for m in window)
        assert fake.unread(BOT_CHAT) == []
        row = member(deployment, BOT_CHAT)
        assert row.name == "여러 기계 텔레그램 모임" and row.phone == "+821077778888"
        served = [index for index, status in balancer.served if status == 200]
        assert set(served) == {0, 1}
        for proc in webs + [survivor] + bots:
            assert proc.alive() and "Traceback" not in proc.log, proc.name
        print(f"broadcast of {CHATS}: taken over {takeover:.1f} s and finished {finished_after:.1f} s after "
              f"kill -9 of {victim.name} (sender lease {LEASE} s), "
              f"{interrupted} in-flight flagged, 0 duplicates, busiest second {peak} messages; "
              f"bot updates served by instance {collections.Counter(served)}")
    finally:
        balancer.stop()
