"""Every catalog has a Korean translation for every msgid, and every text of the app is in a catalog."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.glob("civicnet/**/translations/ko/LC_MESSAGES/*.po"))


def test_there_are_catalogs():
    assert ROOT / "civicnet/translations/ko/LC_MESSAGES/messages.po" in CATALOGS


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_is_fully_translated(po):
    with open(po, "rb") as fh:
        catalog = read_po(fh, locale="ko")
    missing = [m.id for m in catalog if m.id and (not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not missing, f"untranslated in {po}: {missing[:5]}"
    assert not fuzzy, f"fuzzy in {po}: {fuzzy[:5]}"


def test_a_text_has_one_korean_wording_across_the_catalogs():
    """Catalogs are merged at start-up and the last one read wins, so one English text translated two
    ways in two domains would show either wording depending on the order of the folders."""
    wordings: dict[str, dict[str, str]] = {}
    for po in CATALOGS:
        with open(po, "rb") as fh:
            for m in read_po(fh, locale="ko"):
                if m.id and m.string:
                    wordings.setdefault(str(m.id), {})[str(po.relative_to(ROOT))] = str(m.string)
    differing = {msgid: by_file for msgid, by_file in wordings.items() if len(set(by_file.values())) > 1}
    assert not differing, f"{len(differing)} texts with several Korean wordings, e.g. {next(iter(differing.items()))}"


def test_every_message_of_the_app_is_in_some_catalog(tmp_path):
    """Catalogs are merged at start-up, so a text may live in any domain's catalog."""
    cfg = tmp_path / "babel.cfg"
    cfg.write_text("[python: **.py]\n[jinja2: **.html]\n")
    pot = tmp_path / "f.pot"
    keywords = [a for k in ("_l", "lazy_gettext", "Invalid", "NotFound", "Conflict", "Forbidden", "Unauthorized",
                                  "BadRequest", "Busy")
                for a in ("-k", k)]
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(cfg), *keywords,
                    "-o", str(pot), str(ROOT / "civicnet")],
                   check=True, capture_output=True)
    with open(pot, "rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    known = set()
    for po in CATALOGS:
        with open(po, "rb") as fh:
            known |= {m.id for m in read_po(fh) if m.id and m.string}
    assert not sorted(wanted - known)
