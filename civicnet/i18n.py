"""Locale choice (Korean first) and discovery of the per-domain catalogs."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, g, request
from flask_babel import refresh

PACKAGE_DIR = Path(__file__).resolve().parent


def translation_directories() -> list[str]:
    """Every ``translations`` folder in the package; Flask-Babel merges them."""
    dirs = [PACKAGE_DIR / "translations"] + sorted(PACKAGE_DIR.glob("*/translations"))
    return [str(d) for d in dirs if d.is_dir()]


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    forced = getattr(g, "force_locale", None)
    if forced in languages:
        return forced
    lang = request.args.get("lang") or request.cookies.get("lang")
    if lang in languages:
        return lang
    # Korean by default; English only when the browser prefers it over Korean.
    best = request.accept_languages.best_match(languages, default="ko")
    return best or "ko"


def init_app(app: Flask) -> None:
    @app.before_request
    def _fresh_locale():
        # Requests can share an app context (tests, CLI-driven calls); never reuse a cached locale.
        refresh()

    @app.after_request
    def _remember_language(response):
        lang = request.args.get("lang")
        if lang in app.config["LANGUAGES"]:
            response.set_cookie("lang", lang, max_age=365 * 24 * 3600, samesite="Lax")
        return response
