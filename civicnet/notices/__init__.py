"""Notices to members by Telegram: audiences, deliveries, reminders, chat links and bot state.

Settings live in ``civicnet/config.py`` (NOTICES_*, TELEGRAM_*, BOT_*); tasks in ``tasks.py`` are
loaded by the worker only.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models, signals  # noqa: F401
    from .views import bp

    signals.connect()
    app.register_blueprint(bp)
