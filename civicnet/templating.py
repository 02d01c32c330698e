"""Template globals: current language, language switch links, SDG colours and their text colours."""
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


INK_LIGHT, INK_DARK = "#ffffff", "#111111"


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a "#rrggbb" colour."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two "#rrggbb" colours (1 to 21)."""
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def ink_for(background: str) -> str:
    """White or near-black, whichever reads better on ``background`` (SDG tiles keep their colours)."""
    return max((INK_LIGHT, INK_DARK), key=lambda ink: contrast(ink, background))


GOAL_INKS = {number: ink_for(colour) for number, colour in GOAL_COLOURS.items()}


def init_app(app: Flask) -> None:
    from .organisations.validation import display_phone

    app.jinja_env.globals.update(
        current_lang=current_lang, url_for_lang=url_for_lang, goal_colours=GOAL_COLOURS, goal_inks=GOAL_INKS,
    )
    app.jinja_env.filters.update(
        # {{ name|josa("은") }} -> "네트워크는"; {{ text|particles }} resolves "은(는)" written in text.
        josa=with_particle, particles=resolve_particles,
        # A stored E.164 phone as people write it: 010-2211-3424 (Korean), +1 202-555-0123 (other).
        phone=display_phone,
        # A stored naive-UTC time as local date and time, worded by Babel for the page's language.
        localtime=format_local,
    )
