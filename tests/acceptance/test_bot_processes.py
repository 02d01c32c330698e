"""The bot as the Procfile starts it (`python -m bots`), against the fake Bot API over HTTP.

- killed with kill -9 in the middle of a registration and started again: the user carries on;
- two pollers with one token: exactly one polls, the standby takes over after kill -9 of the
  active one, and no update is answered twice;
- two webhook instances behind one address (a round-robin forwarder) serve one user in turn;
  calls without Telegram's secret token are refused.
"""
from __future__ import annotations

import http.client
import json
import re
import socket
import time

import sqlalchemy as sa

from tests.bots.fake_telegram import FakeTelegram
from tests.bots.forwarder import RoundRobin

from .conftest import telegram_env
from .deployment import free_port, wait_until

LEASE = 4.0  # seconds; production's default is 30
SECRET = "acceptance-webhook-secret-0123456789"


def env(fake: FakeTelegram, **extra: str) -> dict[str, str]:
    return telegram_env(fake) | {"BOT_POLLER_LEASE_SECONDS": str(LEASE), "BOT_IDLE_CHECK_SECONDS": "3600"} | extra


def lease_holder_pid(deployment) -> int | None:
    with deployment.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT holder, expires_at FROM leases WHERE name LIKE 'telegram-poller:%'")).first()
    return int(row.holder.split(":")[1]) if row else None


def member(deployment, chat_id: int):
    with deployment.engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT o.name, o.kind, o.phone, o.status FROM telegram_chats c JOIN organisations o "
            "ON o.id = c.organisation_id WHERE c.chat_id = :chat"), {"chat": chat_id}).first()


def finish_registration(fake: FakeTelegram, chat: int) -> None:
    """From the question about the kind of group (already read) to the welcome (the real classifier runs)."""
    fake.press(chat, "ok:cooperative")
    assert "주요 활동" in fake.next_message(chat, 60).text
    fake.send_text(chat, "마을 공동체 텃밭을 가꾸고 수확한 채소를 이웃 어르신들과 나눕니다.")
    picker = fake.next_message(chat, 120)  # the first classification loads the model
    if not [b for b in picker.buttons() if b["text"].startswith("✅")]:
        fake.press(chat, "sdg:2", picker)
        picker = fake.next_message(chat, 60)
    fake.press(chat, "sdg:done", picker)
    fake.press(chat, "cl:none", fake.next_message(chat, 60))
    fake.press(chat, "consent:yes", fake.next_message(chat, 60))
    fake.press(chat, "confirm:yes", fake.next_message(chat, 60))
    assert "환영합니다" in fake.next_message(chat, 60).text


def test_a_bot_killed_mid_registration_resumes_where_the_user_was(deployment, fake_telegram):
    fake, chat = fake_telegram, 4242
    bot = deployment.bot(env=env(fake))
    bot.wait_for_log("holds the poller lease", timeout=120)
    fake.send_text(chat, "/start")
    fake.press(chat, "lang:ko", fake.next_message(chat, 60))
    fake.press(chat, "kind:organisation", fake.next_message(chat, 60))
    assert "단체나 모임의 이름" in fake.next_message(chat, 60).text
    fake.send_text(chat, "햇살 협동조합")
    assert "연락드리면" in fake.next_message(chat, 60).text

    bot.kill()  # SIGKILL: no clean-up of any kind
    fake.send_text(chat, "010-2211-3424")  # answered while no bot runs
    mark = len(bot.log)
    bot.start()
    bot.wait_for_log("takes over polling|holds the poller lease", timeout=120, after=mark)
    assert fake.next_message(chat, 60).text == "고맙습니다."
    assert "어떤 유형의 단체" in fake.next_message(chat, 60).text  # the next question, not the first
    finish_registration(fake, chat)
    time.sleep(1)
    assert fake.unread(chat) == []  # nothing answered twice
    row = member(deployment, chat)
    assert row.name == "햇살 협동조합" and row.kind == "cooperative" and row.phone == "+821022113424"
    assert "010-2211-3424" not in bot.log and "햇살" not in bot.log  # no personal data in the log


def test_two_pollers_one_polls_the_standby_takes_over_after_kill_9(deployment, fake_telegram):
    fake = fake_telegram
    first = deployment.bot(env=env(fake), name="bot-a")
    first.wait_for_log("holds the poller lease", timeout=120)
    second = deployment.bot(env=env(fake), name="bot-b")
    second.wait_for_log("waiting as a standby", timeout=120)
    assert lease_holder_pid(deployment) == first.popen.pid
    assert first.alive() and second.alive()

    chats = list(range(5100, 5110))
    for chat in chats:
        fake.send_text(chat, "/help")
    for chat in chats:
        assert "/meetings" in fake.next_message(chat, 60).text

    first.kill()
    killed_at = time.monotonic()
    for chat in chats:  # sent while nobody polls: waiting at "Telegram"
        fake.send_text(chat, "/help")
    second.wait_for_log("takes over polling", timeout=LEASE * 6)
    took_over = time.monotonic() - killed_at
    for chat in chats:
        assert "/meetings" in fake.next_message(chat, 60).text
    for chat in chats:
        fake.send_text(chat, "/stop")
        fake.next_message(chat, 60)
    time.sleep(1.5)
    assert lease_holder_pid(deployment) == second.popen.pid
    assert all(len(fake.messages_to(chat)) == 3 for chat in chats)  # every update answered exactly once
    assert fake.poll_conflicts == 0  # never two getUpdates at once
    assert took_over <= LEASE * 3, f"standby took {took_over:.1f}s to take over a {LEASE}s lease"
    assert fake.token.split(":")[1] not in first.log + second.log  # the token's secret is never logged
    print(f"standby took over {took_over:.1f} s after kill -9 (lease {LEASE:.0f} s)")


def listening(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def post(url: str, update: dict, secret: str | None) -> int:
    host, port = re.match(r"http://([^:/]+):(\d+)", url).groups()
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    conn.request("POST", "/telegram/webhook", body=json.dumps(update).encode(), headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_two_webhook_instances_behind_one_address(deployment, fake_telegram):
    fake, chat = fake_telegram, 4343
    balancer = RoundRobin([("127.0.0.1", free_port()), ("127.0.0.1", free_port())]).start()
    try:
        bots = []
        for i, (_host, port) in enumerate(balancer.backends):
            bots.append(deployment.bot(name=f"webhook-{i}", env=env(
                fake, BOT_MODE="webhook", BOT_WEBHOOK_URL=balancer.url + "/telegram/webhook",
                TELEGRAM_WEBHOOK_SECRET=SECRET, BOT_WEBHOOK_LISTEN="127.0.0.1", BOT_WEBHOOK_PORT=str(port))))
        for bot, (host, port) in zip(bots, balancer.backends):
            bot.wait_for_log("starting the webhook server", timeout=120)
            wait_until(lambda: listening(host, port), 60, what=f"{bot.name} to listen")
        wait_until(lambda: fake.webhook and fake.webhook.get("secret_token") == SECRET, 60, what="setWebhook")

        probe = dict(fake.make_message_update(chat, "/help"), update_id=10_000_000)
        assert post(balancer.url, probe, None) == 403
        assert post(balancer.url, probe, "not-the-secret-but-long-enough") == 403
        assert balancer.served[-2:] and {s for _i, s in balancer.served[-2:]} == {403}
        assert fake.messages_to(chat) == []

        fake.send_text(chat, "/start")  # the fake Bot API delivers through the balancer with the secret
        fake.press(chat, "lang:ko", fake.next_message(chat, 60))
        fake.press(chat, "kind:organisation", fake.next_message(chat, 60))
        fake.next_message(chat, 60)
        fake.send_text(chat, "두 인스턴스 모임")
        fake.next_message(chat, 60)
        fake.send_text(chat, "010-5555-6666")
        assert fake.next_message(chat, 60).text == "고맙습니다."
        fake.next_message(chat, 60)
        finish_registration(fake, chat)
        time.sleep(1)
        assert fake.unread(chat) == []  # one answer per update
        served = [index for index, status in balancer.served if status == 200]
        assert set(served) == {0, 1} and len(served) >= 10
        assert all(status == 200 for _update, status in fake.webhook_deliveries)
        row = member(deployment, chat)
        assert row.name == "두 인스턴스 모임" and row.kind == "cooperative"
    finally:
        balancer.stop()
