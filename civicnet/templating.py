"""Template globals: current language, language switch links, SDG colours."""
from __future__ import annotations

from flask import Flask, request, url_for
from flask_babel import get_locale

from .goals.reference import GOAL_COLOURS
from .i18n import resolve_particles, with_particle
from .timeutil import format_local


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
    from .organisations.validation import display_phone

    app.jinja_env.globals.update(
        current_lang=current_lang, url_for_lang=url_for_lang, goal_colours=GOAL_COLOURS
    )
    app.jinja_env.filters.update(
        # {{ name|josa("은") }} -> "네트워크는"; {{ text|particles }} resolves "은(는)" written in text.
        josa=with_particle, particles=resolve_particles,
        # A stored E.164 phone as people write it: 010-2211-3424 (Korean), +1 202-555-0123 (other).
        phone=display_phone,
        # A stored naive-UTC time as local date and time, worded by Babel for the page's language.
        localtime=format_local,
    )
