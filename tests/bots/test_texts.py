"""Every text the bot can say has Korean: the bot's catalog covers everything extracted from bots/."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

from bots.texts import catalog, t

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "bots/translations/ko/LC_MESSAGES/messages.po"


def test_every_text_of_the_bot_has_korean(tmp_path):
    cfg = tmp_path / "babel.cfg"
    cfg.write_text("[python: **.py]\n")
    pot = tmp_path / "bots.pot"
    # t(lang, msgid) and the domain errors raised in bots/actions.py (translated with this catalog).
    keywords = [a for k in ("t:2", "Invalid", "NotFound", "Conflict", "Forbidden") for a in ("-k", k)]
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(cfg), *keywords,
                    "-o", str(pot), str(ROOT / "bots")], check=True, capture_output=True)
    with open(pot, "rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    assert len(wanted) > 80  # the extraction did find the bot's texts
    korean = catalog("ko")
    missing = sorted(wanted - set(korean))
    assert not missing, f"bot texts without Korean in {PO.relative_to(ROOT)}: {missing[:5]}"


def test_the_catalog_has_no_fuzzy_or_empty_entry():
    with open(PO, "rb") as fh:
        po = read_po(fh, locale="ko")
    assert not [m.id for m in po if m.id and (not m.string or m.fuzzy)]


def test_parameters_survive_translation():
    assert t("ko", "Seats left: %(n)s", n=3).endswith("3")
    assert t("en", "Seats left: %(n)s", n=3) == "Seats left: 3"
