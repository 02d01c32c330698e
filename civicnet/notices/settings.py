"""Tunable limits for notices and the bot, from the environment (with safe defaults)."""
from __future__ import annotations

import os

from flask import Flask

DEFAULTS = {
    # Telegram allows about 30 messages/s per bot. The window is a little longer than a second so
    # that up to ~50 ms of jitter on the way cannot squeeze 31 arrivals into one second there.
    "NOTICES_RATE_PER_WINDOW": 30,
    "NOTICES_RATE_WINDOW_SECONDS": 1.05,
    "NOTICES_PER_CHAT_INTERVAL": 1.0,
    "NOTICES_MAX_IN_FLIGHT": 8,
    # A delivery left in 'sending' longer than this belongs to a dead sender (see delivery.py).
    "NOTICES_SENDING_LEASE_SECONDS": 120,
    "NOTICES_REMINDER_OFFSETS": "1440,120",
    "TELEGRAM_LINK_TTL_HOURS": 72,
    "BOT_IDLE_REMIND_MINUTES": 30.0,
    "BOT_IDLE_DROP_MINUTES": 1440.0,
    "BOT_PERSISTENCE_INTERVAL": 5.0,
    "BOT_IDLE_CHECK_SECONDS": 30.0,
    "BOT_MODE": "polling",            # polling | webhook
    "BOT_WEBHOOK_LISTEN": "127.0.0.1",
    "BOT_WEBHOOK_PORT": 8443,
    "BOT_WEBHOOK_URL": "",
}


def init_app(app: Flask) -> None:
    for key, default in DEFAULTS.items():
        raw = os.environ.get(key)
        if raw is None:
            app.config.setdefault(key, default)
        elif isinstance(default, bool):
            app.config.setdefault(key, raw.strip().lower() in {"1", "true", "yes", "on"})
        else:
            app.config.setdefault(key, type(default)(raw))


def reminder_offsets(app: Flask) -> list[int]:
    """Minutes before a meeting at which its registrants are reminded, largest first."""
    raw = app.config.get("NOTICES_REMINDER_OFFSETS", DEFAULTS["NOTICES_REMINDER_OFFSETS"])
    values = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
    return sorted({int(v) for v in values if str(v).strip()}, reverse=True)
