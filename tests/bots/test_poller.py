"""One poller per bot token: a second polling bot waits as a standby and takes over."""
from __future__ import annotations

import logging
import threading
import time

from bots.app import poller_lease_name, run_polling
from civicnet.extensions import db
from civicnet.leases import Lease


def test_the_lease_is_named_by_the_bot_id_never_the_token():
    assert poller_lease_name("123456:AAE-secret-part") == "telegram-poller:123456"
    odd = poller_lease_name("not-a-telegram-token")
    assert odd.startswith("telegram-poller:") and "token" not in odd


def test_a_second_poller_stands_by_then_takes_over(app, network, fake_tg, caplog):
    caplog.set_level(logging.INFO, logger="bots")
    app.config.update(BOT_POLLER_LEASE_SECONDS=3.0, BOT_IDLE_CHECK_SECONDS=3600)
    name = poller_lease_name(fake_tg.token)
    probe = Lease(db.engine, name)
    stops = [threading.Event(), threading.Event()]

    def start(stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=run_polling, args=(app,), daemon=True,
                                  kwargs={"token": fake_tg.token, "base_url": fake_tg.base_url, "stop": stop})
        thread.start()
        return thread

    def logged(text: str) -> bool:
        return any(text in r.getMessage() for r in caplog.records)

    def wait(predicate, timeout=15.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            assert time.monotonic() < deadline, "timed out"
            time.sleep(0.05)

    first = start(stops[0])
    wait(lambda: logged("holds the poller lease"))
    holder = probe.current_holder()
    assert holder is not None
    second = start(stops[1])
    wait(lambda: logged("waiting as a standby"))
    assert probe.current_holder() == holder  # still the first one's
    fake_tg.send_text(8001, "/help")
    assert "/meetings" in fake_tg.next_message(8001).text

    stops[0].set()  # the active poller stops (and releases); the standby takes over
    first.join(15)
    wait(lambda: logged("takes over polling"), timeout=10)
    wait(lambda: probe.current_holder() not in (None, holder))
    fake_tg.send_text(8001, "/help")
    assert "/meetings" in fake_tg.next_message(8001).text
    time.sleep(0.5)
    assert len(fake_tg.messages_to(8001)) == 2  # each update answered once
    stops[1].set()
    second.join(15)
    assert not first.is_alive() and not second.is_alive()
    assert probe.current_holder() is None  # released on a clean stop
