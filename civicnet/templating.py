"""Template globals: current language, language switch links, SDG colours."""
from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import get_locale

from .goals.reference import GOAL_COLOURS


def current_lang() -> str:
    return str(get_locale() or "ko")


def url_for_lang(lang: str) -> str:
    """The current page in another language (keeps the query string)."""
    args = dict(request.view_args or {})
    args.update(request.args.to_dict())
    args["lang"] = lang
    if request.endpoint:
        try:
            return url_for(request.endpoint, **args)
        except Exception:  # endpoints needing POST-only data; fall back to the home page
            pass
    return url_for("web.home", lang=lang)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        current_lang=current_lang, url_for_lang=url_for_lang, goal_colours=GOAL_COLOURS
    )
