"""Locale choice (Korean first), discovery of the per-domain catalogs, and Korean particles.

Korean particles depend on the sound the word before them ends with: 은/는, 이/가, 을/를, 과/와
after a final consonant (받침) or not, and 으로/로 where a final ㄹ takes 로. A name is only known at
run time, so translations write both forms the way Korean forms do — ``%(name)s은(는)``,
``%(name)s이(가)``, ``%(name)s(으)로`` — and ``resolve_particles`` picks the right one once the
name is in (every ``gettext`` result and the ``|particles`` template filter go through it).
``with_particle(word, "은")`` (the ``|josa`` filter) attaches one directly.
"""
from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from flask import Flask, current_app, g, request
from flask_babel import Domain, refresh
from jinja2 import pass_context
from markupsafe import Markup

PACKAGE_DIR = Path(__file__).resolve().parent


def translation_directories() -> list[str]:
    """Every ``translations`` folder in the package; Flask-Babel merges them."""
    dirs = [PACKAGE_DIR / "translations"] + sorted(PACKAGE_DIR.glob("*/translations"))
    return [str(d) for d in dirs if d.is_dir()]


# --- Korean particles ------------------------------------------------------------------------

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"  # index 0: no final consonant
# How Latin letters are read aloud in Korean: letters whose name ends in a consonant.
_LATIN_FINAL = {"l": "ㄹ", "r": "ㄹ", "m": "ㅁ", "n": "ㄴ", "b": "", "c": "", "d": "", "e": "", "f": "",
                "g": "", "h": "", "i": "", "j": "", "k": "", "o": "", "p": "", "q": "", "s": "", "t": "",
                "u": "", "v": "", "w": "", "x": "", "y": "", "z": "", "a": ""}
# Digits as read in Sino-Korean: 영 일 이 삼 사 오 육 칠 팔 구; round numbers by their unit.
_DIGIT_FINAL = {"0": "ㅇ", "1": "ㄹ", "2": "", "3": "ㅁ", "4": "", "5": "", "6": "ㄱ", "7": "ㄹ", "8": "ㄹ", "9": ""}
_UNIT_FINAL = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ", 4: "ㄴ", 5: "ㄴ", 6: "ㄴ", 7: "ㄴ", 8: "ㄱ"}  # 십 백 천 만 … 억
# Pairs as (form after a final consonant, form after a vowel).
PARTICLES = {"은": ("은", "는"), "는": ("은", "는"), "이": ("이", "가"), "가": ("이", "가"),
             "을": ("을", "를"), "를": ("을", "를"), "과": ("과", "와"), "와": ("과", "와"),
             "으로": ("으로", "로"), "로": ("으로", "로"), "이나": ("이나", "나"), "나": ("이나", "나"),
             "이라고": ("이라고", "라고"), "라고": ("이라고", "라고")}
_MARKERS = re.compile(r"(은\(는\)|는\(은\)|이\(가\)|가\(이\)|을\(를\)|를\(을\)|과\(와\)|와\(과\)|\(으\)로|\(이\)나|\(이\)라고)")
_MARKER_PARTICLE = {"은(는)": "은", "는(은)": "은", "이(가)": "이", "가(이)": "이", "을(를)": "을", "를(을)": "을",
                    "과(와)": "과", "와(과)": "과", "(으)로": "으로", "(이)나": "이나", "(이)라고": "이라고"}
_CLOSERS = "'\"’”」』〉》 "


def final_sound(word: str) -> str | None:
    """The final consonant (as a jamo) the word is read with: "" after a vowel, None when it
    cannot be told (no letter or digit at the end)."""
    text = (word or "").strip()
    while True:
        text = text.rstrip(_CLOSERS + ".,!?")
        # A trailing bracketed aside is not read before the particle: "청주시(충북)" -> "청주시".
        aside = re.search(r"\s*[(\[（][^()\[\]（）]*[)\]）]$", text)
        if aside is None or aside.start() == 0:
            break
        text = text[:aside.start()]
    if not text:
        return None
    last = text[-1]
    code = ord(last)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        return _FINALS[(code - _HANGUL_FIRST) % 28].strip()
    if last.isdigit():
        digits = re.search(r"\d+$", text).group(0)
        significant = digits.rstrip("0")
        if not significant:
            return "ㅇ"  # 영
        zeros = len(digits) - len(significant)
        return _UNIT_FINAL.get(zeros, "ㄴ") if zeros else _DIGIT_FINAL[last]
    return _LATIN_FINAL.get(last.lower())


def particle(word: str, which: str) -> str:
    """The form of particle ``which`` (either form: "은" or "는", "으로" or "로" …) after ``word``."""
    after_consonant, after_vowel = PARTICLES[which]
    sound = final_sound(word)
    if sound is None:
        return f"{after_consonant}({after_vowel})" if after_consonant != "으로" else "(으)로"
    if after_consonant == "으로":
        return "로" if sound in ("", "ㄹ") else "으로"
    return after_vowel if sound == "" else after_consonant


def with_particle(word: object, which: str) -> str:
    """``word`` followed by the right form of particle ``which``: ("네트워크", "은") -> "네트워크는"."""
    text = str(word)
    return text + particle(text, which)


def resolve_particles(text: str, *, html: bool = False) -> str:
    """Replace the written-out alternatives ("은(는)", "이(가)", "(으)로" …) after each word by the
    form that word takes. Text without them is returned unchanged. ``html``: ``text`` is escaped
    markup; the word is read without its tags and entities."""
    if "(" not in text:
        return text

    def pick(match: re.Match) -> str:
        before = text[:match.start()]
        if html:
            before = unescape(re.sub(r"<[^>]*>$", "", before))
        if not before or before[-1].isspace():
            return match.group(0)  # nothing right before it to decide by
        return particle(before, _MARKER_PARTICLE[match.group(0)])

    return _MARKERS.sub(pick, text)


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


def _resolved(text):
    if isinstance(text, Markup):
        # Only Hangul and the written-out alternatives change: the markup stays as safe as it was.
        return Markup(resolve_particles(str(text), html=True))
    return resolve_particles(text) if isinstance(text, str) else text


class ParticleDomain(Domain):
    """Flask-Babel's message domain, with Korean particles chosen once the values are in."""

    def gettext(self, string, **variables):
        return _resolved(super().gettext(string, **variables))

    def ngettext(self, singular, plural, num, **variables):
        return _resolved(super().ngettext(singular, plural, num, **variables))

    def pgettext(self, context, string, **variables):
        return _resolved(super().pgettext(context, string, **variables))

    def npgettext(self, context, singular, plural, num, **variables):
        return _resolved(super().npgettext(context, singular, plural, num, **variables))


def _install_particle_gettext(app: Flask) -> None:
    """Python ``gettext``/``lazy_gettext`` and the templates' ``_``/``gettext``/``ngettext`` all
    resolve particles (after Flask-Babel and Jinja have put the values in)."""
    babel = app.extensions["babel"].instance
    if not isinstance(babel.__dict__.get("domain_instance"), ParticleDomain):
        babel.__dict__["domain_instance"] = ParticleDomain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    env = app.jinja_env
    for name in ("gettext", "ngettext", "pgettext", "npgettext"):
        original = env.globals.get(name)
        if original is None or getattr(original, "_resolves_particles", False):
            continue

        def wrapped(__context, *args, __original=original, **variables):
            return _resolved(__original(__context, *args, **variables))

        wrapped._resolves_particles = True
        env.globals[name] = pass_context(wrapped)


def init_app(app: Flask) -> None:
    _install_particle_gettext(app)
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
