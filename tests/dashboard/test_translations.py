"""Every message of the dashboard, directory, partners and reports domains has Korean."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2] / "civicnet"
DOMAINS = ["dashboard", "directory", "partners", "reports"]
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


@pytest.mark.parametrize("domain", DOMAINS)
def test_every_msgid_has_a_korean_translation(domain):
    folder = ROOT / domain
    with open(folder / "translations/ko/LC_MESSAGES/messages.po", "rb") as fh:
        catalog = read_po(fh, locale="ko")
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(str(folder), METHODS):
        found.add(message if isinstance(message, str) else message[0])
    assert found, domain
    missing = sorted(found - translated)
    assert not missing, f"{domain}: untranslated {missing}"
