"""The bot's texts: English msgids, Korean (first language) from bots/translations (gettext .po).

Read straight from the .po file with Babel, so nothing needs compiling before the bot starts.
Extract new texts with ``pybabel extract -k t:2 -o /tmp/bots.pot bots`` then ``pybabel update``.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

CATALOG_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("ko", "en")


@lru_cache(maxsize=4)
def catalog(lang: str) -> dict[str, str]:
    path = CATALOG_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        po = read_po(fh, locale=lang)
    return {m.id: m.string for m in po if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def t(lang: str, msgid: str, **params: object) -> str:
    """``msgid`` in ``lang`` (Korean unless English was chosen), with %(name)s parameters."""
    text = msgid if lang == "en" else catalog("ko").get(msgid, msgid)
    return text % params if params else text
