"""Webhook mode on PTB's own server: two bot instances behind one address, the secret token."""
from __future__ import annotations

import http.client
import json
import socket
import time

import pytest
import sqlalchemy as sa

from bots.app import webhook_settings
from civicnet.extensions import db
from civicnet.notices.models import TelegramChat
from tests.bots.forwarder import RoundRobin
from tests.bots.test_registration import fake_classifier

SECRET = "s3cret-token-for-tests-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_webhook_bots(app, bot_factory, fake_tg):
    balancer = RoundRobin([("127.0.0.1", free_port()), ("127.0.0.1", free_port())]).start()
    app.config.update(TELEGRAM_WEBHOOK_SECRET=SECRET, BOT_WEBHOOK_URL=balancer.url + "/telegram/hook",
                      BOT_WEBHOOK_LISTEN="127.0.0.1")
    for _host, port in balancer.backends:
        app.config["BOT_WEBHOOK_PORT"] = port
        bot_factory(webhook=webhook_settings(app.config))
    yield balancer
    balancer.stop()


def post(url: str, update: dict, secret: str | None) -> int:
    host, port = url.split("//")[1].split("/")[0].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    conn.request("POST", "/telegram/hook", body=json.dumps(update).encode(), headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_two_instances_behind_one_address_serve_one_user_in_turn(app, network, two_webhook_bots, fake_tg,
                                                                  monkeypatch):
    fake_classifier(monkeypatch, suggested=(6,))
    assert fake_tg.webhook["url"] == two_webhook_bots.url + "/telegram/hook"
    assert fake_tg.webhook["secret_token"] == SECRET
    chat = 7001
    fake_tg.send_text(chat, "/start")  # delivered by the fake Bot API to the balancer, with the secret
    fake_tg.press(chat, "lang:en", fake_tg.next_message(chat))
    fake_tg.press(chat, "kind:organisation", fake_tg.next_message(chat))
    assert "name of your organisation" in fake_tg.next_message(chat).text
    fake_tg.send_text(chat, "Webhook Friends")
    assert "How can the council reach you" in fake_tg.next_message(chat).text
    fake_tg.send_text(chat, "010-3333-4444")
    assert fake_tg.next_message(chat).text == "Thank you."
    fake_tg.press(chat, "ok:club", fake_tg.next_message(chat))
    fake_tg.next_message(chat)
    fake_tg.send_text(chat, "We repair bicycles and teach repair skills to neighbours.")
    picker = fake_tg.next_message(chat)
    fake_tg.press(chat, "sdg:12", picker)  # each press may land on the other instance
    picker = fake_tg.next_message(chat)
    assert picker.method == "editMessageText"
    fake_tg.press(chat, "sdg:11", picker)
    picker = fake_tg.next_message(chat)
    assert [b["callback_data"] for b in picker.buttons() if b["text"].startswith("✅")] == [
        "sdg:6", "sdg:11", "sdg:12"]  # no toggle lost or applied twice
    fake_tg.press(chat, "sdg:done", picker)
    fake_tg.press(chat, "cl:none", fake_tg.next_message(chat))
    fake_tg.press(chat, "consent:yes", fake_tg.next_message(chat))
    fake_tg.press(chat, "confirm:yes", fake_tg.next_message(chat))
    assert fake_tg.next_message(chat).text.startswith("Welcome, Webhook Friends!")

    served = {index for index, status in two_webhook_bots.served if status == 200}
    assert served == {0, 1}  # both instances answered this user
    assert all(status == 200 for _update, status in fake_tg.webhook_deliveries)
    time.sleep(0.5)  # room for a stray second answer to arrive
    assert len(fake_tg.messages_to(chat)) == 14  # exactly the 14 read above: one answer per update
    db.session.expire_all()
    member = db.session.scalar(sa.select(TelegramChat).where(TelegramChat.chat_id == chat)).organisation
    assert member.name == "Webhook Friends" and member.goal_numbers == [6, 11, 12] and member.kind == "club"


def test_the_secret_token_is_checked_and_an_update_is_answered_once(app, network, two_webhook_bots, fake_tg):
    update = dict(fake_tg.make_message_update(7002, "/help"), update_id=9999)
    url = two_webhook_bots.url
    assert post(url, update, None) == 403
    assert post(url, update, "wrong-secret-of-the-same-length!") == 403
    assert post(url, update, "") == 403
    assert fake_tg.messages_to(7002) == []
    assert post(url, update, SECRET) == 200
    assert "/meetings" in fake_tg.next_message(7002).text
    assert post(url, update, SECRET) == 200  # Telegram retrying: the other instance gets it now
    assert post(url, dict(fake_tg.make_message_update(7002, "/help"), update_id=10000), SECRET) == 200
    fake_tg.next_message(7002)
    assert len(fake_tg.messages_to(7002)) == 2  # the repeated update was not answered again


def test_webhook_mode_refuses_to_start_without_a_long_secret(app):
    app.config.update(TELEGRAM_WEBHOOK_SECRET="short", BOT_WEBHOOK_URL="https://example.org/hook")
    with pytest.raises(SystemExit, match="16\\+ characters"):
        webhook_settings(app.config)
