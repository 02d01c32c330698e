"""Notices to members by Telegram: audiences, deliveries, reminders, chat links and bot state.

Settings (environment, read at start-up; see ``settings.py``): NOTICES_RATE_PER_WINDOW,
NOTICES_RATE_WINDOW_SECONDS, NOTICES_PER_CHAT_INTERVAL, NOTICES_MAX_IN_FLIGHT,
NOTICES_SENDING_LEASE_SECONDS, NOTICES_REMINDER_OFFSETS (minutes, e.g. "1440,120"),
TELEGRAM_LINK_TTL_HOURS, BOT_IDLE_REMIND_MINUTES, BOT_IDLE_DROP_MINUTES.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models, settings, signals  # noqa: F401
    from .views import bp

    settings.init_app(app)
    signals.connect()
    app.register_blueprint(bp)
