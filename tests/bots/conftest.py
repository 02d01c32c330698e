"""The real python-telegram-bot Application, run in a thread against the fake Bot API server."""
from __future__ import annotations

import asyncio
import threading

import pytest
from telegram import Update

from bots.app import build_application
from tests.bots.fake_telegram import FakeTelegram


@pytest.fixture
def fake_tg():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


class BotRunner:
    """Starts the bot (long polling) in its own thread and event loop; stop() is a clean shutdown."""

    def __init__(self, flask_app, fake: FakeTelegram, webhook: dict | None = None) -> None:
        self.flask_app, self.fake, self.webhook = flask_app, fake, webhook
        self.application = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self.error: BaseException | None = None

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self.application = build_application(self.flask_app, token=self.fake.token, base_url=self.fake.base_url)
        async with self.application:
            await self.application.start()
            if self.webhook:  # PTB's own webhook server, with the settings run_webhook uses
                await self.application.updater.start_webhook(allowed_updates=Update.ALL_TYPES, **self.webhook)
            else:
                await self.application.updater.start_polling(poll_interval=0.0, timeout=1)
            self._ready.set()
            await self._stop.wait()
            await self.application.updater.stop()
            await self.application.stop()

    def _run(self) -> None:
        self._loop = asyncio.new_event_loop()
        try:
            self._loop.run_until_complete(self._main())
        except BaseException as exc:  # surfaced by stop()
            self.error = exc
            self._ready.set()
        finally:
            self._loop.close()

    def start(self) -> BotRunner:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(20), "the bot did not start"
        if self.error:
            raise self.error
        return self

    def run(self, coro_fn, timeout: float = 10):
        """Run ``coro_fn(application)`` on the bot's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro_fn(self.application), self._loop).result(timeout)

    def stop(self) -> None:
        if self._thread and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(20)
        if self.error:
            raise self.error


@pytest.fixture
def bot_factory(app, fake_tg):
    """Start (and restart) bots; all are stopped at the end of the test."""
    app.config.update(BOT_IDLE_CHECK_SECONDS=3600)
    runners: list[BotRunner] = []

    def start(webhook: dict | None = None) -> BotRunner:
        runner = BotRunner(app, fake_tg, webhook).start()
        runners.append(runner)
        return runner

    yield start
    for runner in runners:
        runner.stop()


@pytest.fixture
def bot(bot_factory):
    return bot_factory()
