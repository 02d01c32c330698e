"""Fixtures for the acceptance suite: real processes, driven from outside.

- ``deployment``: a fresh database and instance folder, the Procfile's release steps run; start
  processes with ``deployment.web()``, ``.worker()``, ``.bot()`` (the Procfile's commands).
- ``redis_url``: a Redis database of the suite's own (flushed), for the worker on Redis.
- ``fake_telegram``: the fake Bot API over HTTP (``tests/bots/fake_telegram.py``); pass
  ``deployment.telegram_env(fake_telegram)`` to the worker and the bot.
- ``browser`` / ``phone`` / ``desktop``: headless Chromium pages (Playwright).

The suite runs with the rest (``make test``); ``make acceptance`` runs it alone.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.bots.fake_telegram import FakeTelegram

from .deployment import Deployment

CHROMIUM = "/usr/bin/chromium"


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.acceptance)


@pytest.fixture
def deployment(tmp_path):
    dep = Deployment(tmp_path)
    dep.release()
    yield dep
    dep.close()


@pytest.fixture
def redis_url():
    import redis

    url = os.environ.get("ACCEPTANCE_REDIS_URL", "redis://127.0.0.1:6379/15")
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.ConnectionError:
        if "1" in (os.environ.get("CIVICNET_REQUIRE_BROWSER"), os.environ.get("CIVICNET_REQUIRE_REDIS")):
            raise
        pytest.skip("Redis is not running")
    client.flushdb()
    yield url
    client.flushdb()


@pytest.fixture
def fake_telegram():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


def telegram_env(fake: FakeTelegram) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_API_BASE_URL": fake.base_url}


@pytest.fixture(scope="module")  # a session-wide one leaves Playwright's event loop running for every later test
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CIVICNET_REQUIRE_BROWSER") == "1":
            raise RuntimeError(f"{CHROMIUM} is required (CIVICNET_REQUIRE_BROWSER=1)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR", is_mobile=True,
                                  has_touch=True)
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    yield context.new_page()
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    path = Path(__file__).resolve().parents[2] / "test-artifacts" / "acceptance"
    path.mkdir(parents=True, exist_ok=True)
    return path
