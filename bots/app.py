"""Building and running the bot: ``python -m bots`` (its own process, never inside gunicorn).

Polling: one poller per bot token, held by a lease in the database (``civicnet.leases``); a second
process started with the same token waits as a standby and takes over when the first one's lease
runs out. Webhook: PTB's own server (``Application.run_webhook``), any number of instances behind
one address, since nothing about a user is kept in a process (``bots/store.py``).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import threading
import traceback
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import Flask
from telegram import BotCommand, Update
from telegram.constants import ChatType
from telegram.ext import Application, ApplicationBuilder, ApplicationHandlerStop, ContextTypes, TypeHandler

from civicnet.extensions import db
from civicnet.timeutil import utcnow
from civicnet.tokens import token_digest

from . import commands, registration, store
from .context import BotContext, flask_app, lang_of
from .dbcall import call
from .send_budget import SendBudget
from .texts import t

log = logging.getLogger("bots")


class CivicApplication(Application):
    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        # PTB notes every user and chat for its persistence even when there is none; we keep no
        # per-user state in the process, so do not let those sets grow with every user ever seen.
        self._user_ids_to_be_updated_in_persistence.clear()
        self._chat_ids_to_be_updated_in_persistence.clear()


async def claim_update(update: Update, context: BotContext) -> None:
    """First for every update: record it as handled (a redelivered one stops here) and read the
    user's language from the database."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE:
        raise ApplicationHandlerStop  # groups, channels, polls...: the bot talks to one person at a time
    lang = await call(flask_app(context), store.claim_update, user.id, update.update_id)
    if lang is None:
        log.info("update %s was already handled; not answering it again", update.update_id)
        raise ApplicationHandlerStop
    context.lang = lang


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # Type and stack only: exception messages (e.g. SQL parameters) could carry personal data.
    error = context.error
    stack = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("bot update failed: %s\n%s", type(error).__name__, stack)
    if isinstance(update, Update) and update.effective_chat:
        with contextlib.suppress(Exception):
            await update.effective_chat.send_message(
                t(lang_of(context), "Something went wrong on our side. Nothing was saved; please try again."))


async def sweep_idle(application: Application, remind_after: float, drop_after: float,
                     now: datetime | None = None) -> tuple[int, int]:
    """Remind silent registrants once; drop their half-done registration later. Returns counts.

    The rows are claimed in the database first, so several bot instances sweeping at once send
    each message once."""
    now = now or utcnow()
    idle = await call(application.bot_data["flask_app"], store.claim_idle,
                      now - timedelta(seconds=remind_after), now - timedelta(seconds=drop_after))
    reminded = dropped = 0
    for item in idle:
        if item.drop:
            dropped += 1
            text = t(item.lang, "Your registration was stopped after a long silence; nothing was kept. "
                                "Send /start to begin again.")
        else:
            reminded += 1
            text = t(item.lang, "Are you still there? Your registration is waiting: answer the last question "
                                "to go on, or send /cancel.")
        try:
            await application.bot.send_message(item.user_id, text)
        except Exception:  # noqa: BLE001 - a blocked user must not stop the sweep
            log.warning("could not reach a silent registrant")
    return reminded, dropped


async def _idle_loop(application: Application) -> None:
    config = application.bot_data["flask_app"].config
    while True:
        await asyncio.sleep(float(config.get("BOT_IDLE_CHECK_SECONDS", 30)))
        try:
            await sweep_idle(application, float(config["BOT_IDLE_REMIND_MINUTES"]) * 60,
                             float(config["BOT_IDLE_DROP_MINUTES"]) * 60)
        except Exception:  # noqa: BLE001
            log.exception("idle sweep failed")


async def _post_init(application: Application) -> None:
    application.bot_data["_idle_task"] = asyncio.create_task(_idle_loop(application))
    with contextlib.suppress(Exception):
        await application.bot.set_my_commands([
            BotCommand("start", "등록 / register"), BotCommand("meetings", "모임 / meetings"),
            BotCommand("my", "내 정보 / my data"), BotCommand("delete", "정보 삭제 / delete my data"),
            BotCommand("stop", "알림 중지 / stop notices"), BotCommand("help", "도움말 / help")])


async def _post_stop(application: Application) -> None:
    task = application.bot_data.pop("_idle_task", None)
    if task:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def build_application(flask_app: Flask, *, token: str | None = None, base_url: str | None = None) -> Application:
    """The PTB Application with CivicNet's handlers, settings from config; no state in memory."""
    config = flask_app.config
    application = (ApplicationBuilder().application_class(CivicApplication)
                   .context_types(ContextTypes(context=BotContext))
                   .token(token or config["TELEGRAM_BOT_TOKEN"])
                   .base_url(base_url or config["TELEGRAM_API_BASE_URL"])
                   .rate_limiter(SendBudget(config))  # one budget with the notice sender
                   .post_init(_post_init).post_stop(_post_stop)
                   .build())
    application.bot_data["flask_app"] = flask_app
    application.add_handler(TypeHandler(Update, claim_update), group=-1)
    # One group, first match wins: commands and their buttons, then anything else is an answer
    # to the registration's question (which refuses what its question did not offer).
    for handler in registration.handlers() + commands.handlers() + registration.answer_handlers():
        application.add_handler(handler, group=0)
    application.add_error_handler(on_error)
    return application


# --- webhook ----------------------------------------------------------------------------------

def webhook_settings(config) -> dict:
    secret, url = config.get("TELEGRAM_WEBHOOK_SECRET", ""), config.get("BOT_WEBHOOK_URL", "")
    if len(secret) < 16 or not url:
        raise SystemExit("Webhook mode needs TELEGRAM_WEBHOOK_SECRET (16+ characters) and BOT_WEBHOOK_URL.")
    return {"listen": config["BOT_WEBHOOK_LISTEN"], "port": int(config["BOT_WEBHOOK_PORT"]),
            "url_path": urlsplit(url).path.lstrip("/"), "webhook_url": url, "secret_token": secret}


def run_webhook(application: Application, config) -> None:
    """PTB's webhook server (tornado): checks Telegram's secret token header on every call."""
    settings = webhook_settings(config)
    log.info("starting the webhook server on %s:%s/%s", settings["listen"], settings["port"], settings["url_path"])
    application.run_webhook(allowed_updates=Update.ALL_TYPES, **settings)


# --- polling: one poller per token --------------------------------------------------------------

def poller_lease_name(token: str) -> str:
    """One name per bot: its numeric id (the part of the token before ':'), never the token."""
    bot_id, sep, _secret = token.partition(":")
    if sep and bot_id.isdigit():
        return f"telegram-poller:{bot_id}"
    return "telegram-poller:" + token_digest(token)[:16]


def run_polling(flask_app: Flask, *, token: str | None = None, base_url: str | None = None,
                stop: threading.Event | None = None) -> None:
    """Poll while holding the lease; without it, stand by until it is free. Returns on SIGINT/SIGTERM
    (or ``stop``, for tests)."""
    from civicnet.leases import Lease, keep_alive

    config = flask_app.config
    token = token or config["TELEGRAM_BOT_TOKEN"]
    ttl = float(config["BOT_POLLER_LEASE_SECONDS"])
    with flask_app.app_context():
        engine = db.engine
    lease = Lease(engine, poller_lease_name(token), ttl=ttl)
    stop = stop or threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):  # not the main thread (tests)
            signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set():
        if not lease.acquire():
            log.info("Another bot process is polling with this token; waiting as a standby "
                     "(checking every %.0f s, lease of %.0f s).", ttl / 6, ttl)
            while not stop.wait(ttl / 6):
                if lease.acquire():
                    break
            if stop.is_set():
                return
            log.info("The active poller's lease ran out; this process takes over polling.")
        else:
            log.info("This process holds the poller lease and polls for updates.")
        application = build_application(flask_app, token=token, base_url=base_url)
        lost = threading.Event()
        asyncio.run(_poll(application, lease, keep_alive, ttl, stop, lost))
        if lost.is_set() and not stop.is_set():
            log.error("The poller lease was lost (database unreachable or too slow); polling stopped, "
                      "standing by again.")
    with contextlib.suppress(Exception):
        lease.release()


async def _poll(application: Application, lease, keep_alive, ttl: float, stop: threading.Event,
                lost: threading.Event) -> None:
    with keep_alive(lease, ttl / 3, on_lost=lost.set):
        async with application:
            await application.start()
            await application.updater.start_polling(allowed_updates=Update.ALL_TYPES)
            while not (stop.is_set() or lost.is_set()):
                await asyncio.sleep(0.2)
            await application.updater.stop()
            await application.stop()


def main() -> None:
    from civicnet import create_app

    logging.basicConfig(level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the bot token in URLs
    flask_app = create_app()
    if not flask_app.config.get("TELEGRAM_BOT_TOKEN"):
        raise SystemExit("Set TELEGRAM_BOT_TOKEN (from @BotFather) to run the bot.")
    if flask_app.config.get("BOT_MODE") == "webhook":
        run_webhook(build_application(flask_app), flask_app.config)
    else:
        run_polling(flask_app)

