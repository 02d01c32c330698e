"""Building and running the bot: ``python -m bots`` (its own process, never inside gunicorn)."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
import traceback
from urllib.parse import urlsplit

from flask import Flask
from telegram import BotCommand, Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes

from civicnet.extensions import db

from . import commands, registration
from .persistence import SQLAlchemyPersistence
from .texts import t
from .webhook import start_webhook_server

log = logging.getLogger("bots")


class CivicApplication(Application):
    """Writes conversation state after every update, so a crash loses at most the update in hand."""

    async def process_update(self, update: object) -> None:
        await super().process_update(update)
        if self.persistence:
            await self.update_persistence()


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # Type and stack only: exception messages (e.g. SQL parameters) could carry personal data.
    error = context.error
    stack = "".join(traceback.format_tb(error.__traceback__)) if error else ""
    log.error("bot update failed: %s\n%s", type(error).__name__, stack)
    if isinstance(update, Update) and update.effective_chat:
        lang = (context.user_data or {}).get("lang", "ko")
        with contextlib.suppress(Exception):
            await update.effective_chat.send_message(
                t(lang, "Something went wrong on our side. Nothing was saved; please try again."))


async def sweep_idle(application: Application, remind_after: float, drop_after: float,
                     now: float | None = None) -> tuple[int, int]:
    """Remind silent registrants once; drop their half-done registration later. Returns counts."""
    now = now or time.time()
    reminded = dropped = 0
    for user_id, data in list(application.user_data.items()):
        reg = data.get("reg") if isinstance(data, dict) else None
        if not reg or "at" not in reg:
            continue
        idle, lang = now - float(reg["at"]), data.get("lang", "ko")
        try:
            if idle >= drop_after:
                data.pop("reg", None)
                dropped += 1
                await application.bot.send_message(user_id, t(lang, "Your registration was stopped after a long "
                                                                    "silence; nothing was kept. Send /start to "
                                                                    "begin again."))
            elif idle >= remind_after and not reg.get("reminded"):
                reg["reminded"] = True
                reminded += 1
                await application.bot.send_message(user_id, t(lang, "Are you still there? Your registration is "
                                                                    "waiting: answer the last question to go on, "
                                                                    "or send /cancel."))
        except Exception:  # noqa: BLE001 - a blocked user must not stop the sweep
            log.warning("could not reach a silent registrant")
        application.mark_data_for_update_persistence(user_ids=user_id)
    if reminded or dropped:
        await application.update_persistence()
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
    """The PTB Application with CivicNet's handlers, persistence in the app DB, settings from config."""
    config = flask_app.config
    with flask_app.app_context():
        engine = db.engine
    persistence = SQLAlchemyPersistence(engine, update_interval=float(config["BOT_PERSISTENCE_INTERVAL"]))
    application = (ApplicationBuilder().application_class(CivicApplication)
                   .token(token or config["TELEGRAM_BOT_TOKEN"])
                   .base_url(base_url or config["TELEGRAM_API_BASE_URL"])
                   .persistence(persistence).post_init(_post_init).post_stop(_post_stop)
                   .build())
    application.bot_data["flask_app"] = flask_app
    application.add_handler(registration.build_handler(), group=0)
    for handler in commands.handlers():
        application.add_handler(handler, group=1)
    application.add_error_handler(on_error)
    return application


async def run_webhook(application: Application, config) -> None:
    secret, url = config.get("TELEGRAM_WEBHOOK_SECRET", ""), config.get("BOT_WEBHOOK_URL", "")
    if len(secret) < 16 or not url:
        raise SystemExit("Webhook mode needs TELEGRAM_WEBHOOK_SECRET (16+ characters) and BOT_WEBHOOK_URL.")
    path = urlsplit(url).path or "/"
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:
        await application.start()
        server = await start_webhook_server(application, listen=config["BOT_WEBHOOK_LISTEN"],
                                            port=int(config["BOT_WEBHOOK_PORT"]), path=path, secret=secret)
        await application.bot.set_webhook(url=url, secret_token=secret, allowed_updates=Update.ALL_TYPES)
        log.info("bot listening for webhooks on %s:%s%s", config["BOT_WEBHOOK_LISTEN"], config["BOT_WEBHOOK_PORT"], path)
        await stop.wait()
        server.close()
        await server.wait_closed()
        await application.stop()


def main() -> None:
    from civicnet import create_app

    logging.basicConfig(level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the bot token in URLs
    flask_app = create_app()
    if not flask_app.config.get("TELEGRAM_BOT_TOKEN"):
        raise SystemExit("Set TELEGRAM_BOT_TOKEN (from @BotFather) to run the bot.")
    application = build_application(flask_app)
    if flask_app.config.get("BOT_MODE") == "webhook":
        asyncio.run(run_webhook(application, flask_app.config))
    else:
        application.run_polling(allowed_updates=Update.ALL_TYPES)
