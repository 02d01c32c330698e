"""Run a sync service call from an async handler: own thread, own app context, one commit."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import force_locale

from civicnet.errors import DomainError
from civicnet.extensions import db

from .texts import catalog, t


class ServiceError(Exception):
    """A domain error, already translated for the chat's language."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.message, self.code = message, code


def translate(exc: DomainError, lang: str) -> str:
    """The bot's own texts (raised in ``bots/actions.py``) from the bot's catalog, the others from
    the app's catalogs."""
    if exc.message in catalog("ko"):
        return t(lang, exc.message, **exc.params)
    with force_locale(lang):
        return exc.translated()


def _run(app: Flask, lang: str, fn: Callable, args: tuple, kwargs: dict) -> Any:
    with app.app_context():
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except DomainError as exc:
            db.session.rollback()
            raise ServiceError(translate(exc, lang), exc.code) from None
        except BaseException:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


async def call(app: Flask, fn: Callable, *args: Any, lang: str = "ko", **kwargs: Any) -> Any:
    return await asyncio.to_thread(_run, app, lang, fn, args, kwargs)
