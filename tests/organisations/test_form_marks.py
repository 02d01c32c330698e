"""Required fields are marked (text and ``required``) in both languages; the description limit is
told, not enforced by a silent ``maxlength`` cut."""
from __future__ import annotations

import re

import pytest

from tests.organisations.conftest import DETAILS


def _input(html: str, name: str) -> str:
    match = re.search(rf'<(?:input|textarea|select)[^>]*name="{name}"[^>]*>', html)
    assert match, name
    return match.group(0)


@pytest.mark.parametrize("lang,mark", [("ko", "(필수)"), ("en", "(required)")])
def test_required_fields_are_marked(client, network, lang, mark):
    html = client.get(f"/n/cheongju/register?lang={lang}").text
    for name in ("name", "kind", "activities"):
        assert re.search(r"\brequired\b", _input(html, name)), name
        label = re.search(rf'<label for="{name}">(.*?)</label>', html, re.S).group(1)
        assert mark in label, name
    for name in ("representative", "district", "size", "website"):
        assert not re.search(r"\brequired\b", _input(html, name)), name
        assert mark not in re.search(rf'<label for="{name}">(.*?)</label>', html, re.S).group(1)


def test_description_has_a_counter_not_a_maxlength(client, network):
    html = client.get("/n/cheongju/register?lang=en").text
    area = _input(html, "activities")
    assert not re.search(r"\smaxlength=", area) and 'data-maxlength="5000"' in area
    assert 'id="activities-count"' in html and "0 of 5,000 characters" in html
    assert "charcount.js" in html


@pytest.mark.parametrize("lang,message", [("ko", "1자가 넘습니다. 5,000자 이내로 줄여 주세요."),
                                          ("en", "1 characters too many")])
def test_too_long_description_is_kept_and_explained(client, network, lang, message):
    text = "가" * 5001
    response = client.post(f"/n/cheongju/register?lang={lang}", data=DETAILS | {"activities": text})
    assert response.status_code == 422
    assert text in response.text          # kept in full, nothing cut
    assert message in response.text


def test_counter_script_is_served(client, network):
    with client.get("/static/charcount.js") as script:
        assert script.status_code == 200 and b"data-maxlength" in script.data
