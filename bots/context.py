"""The per-update context: PTB's CallbackContext plus the user's language, read from the database.

``bots.app.claim_update`` (the first handler of every update) fills ``lang``; nothing about a user
is kept in the process between updates.
"""
from __future__ import annotations

from flask import Flask
from telegram.ext import Application, CallbackContext, ExtBot


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self.lang = "ko"


def lang_of(context: CallbackContext) -> str:
    return getattr(context, "lang", "ko")


def flask_app(context: CallbackContext) -> Flask:
    return context.application.bot_data["flask_app"]
