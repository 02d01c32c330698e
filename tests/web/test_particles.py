"""Korean particles chosen by the word before them (은/는, 이/가, 을/를, 과/와, 으로/로)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale, gettext, lazy_gettext

from civicnet.i18n import final_sound, resolve_particles, with_particle
from civicnet.organisations.consent import consent_text

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = sorted(ROOT.glob("civicnet/**/translations/ko/LC_MESSAGES/*.po")) + sorted(
    ROOT.glob("bots/translations/ko/LC_MESSAGES/*.po"))
MARKER = re.compile(r"은\(는\)|는\(은\)|이\(가\)|가\(이\)|을\(를\)|를\(을\)|과\(와\)|와\(과\)|\(으\)로")


@pytest.mark.parametrize("word,topic,subject,obj,with_,towards", [
    ("네트워크", "네트워크는", "네트워크가", "네트워크를", "네트워크와", "네트워크로"),
    ("마을모임2", "마을모임2는", "마을모임2가", "마을모임2를", "마을모임2와", "마을모임2로"),
    ("청주 푸드뱅크", "청주 푸드뱅크는", "청주 푸드뱅크가", "청주 푸드뱅크를", "청주 푸드뱅크와", "청주 푸드뱅크로"),
    ("무심천", "무심천은", "무심천이", "무심천을", "무심천과", "무심천으로"),
    ("서울", "서울은", "서울이", "서울을", "서울과", "서울로"),          # ㄹ takes 로
    ("SDG 6", "SDG 6은", "SDG 6이", "SDG 6을", "SDG 6과", "SDG 6으로"),  # 육
    ("SDG 1", "SDG 1은", "SDG 1이", "SDG 1을", "SDG 1과", "SDG 1로"),    # 일
    ("SDG 10", "SDG 10은", "SDG 10이", "SDG 10을", "SDG 10과", "SDG 10으로"),  # 십
    ("회의실(2층)", "회의실(2층)은", "회의실(2층)이", "회의실(2층)을", "회의실(2층)과", "회의실(2층)로"),
])
def test_with_particle(word, topic, subject, obj, with_, towards):
    assert [with_particle(word, p) for p in ("은", "가", "를", "과", "로")] == [topic, subject, obj, with_, towards]


def test_unknown_endings_keep_both_forms():
    assert final_sound("★") is None and with_particle("★", "은") == "★은(는)" and with_particle("", "로") == "(으)로"


def test_resolve_particles_in_a_sentence():
    text = "네트워크은(는) 마을모임2이(가) 만든 행사을(를) 서울(으)로 옮깁니다. 은(는) 그대로"
    assert resolve_particles(text) == "네트워크는 마을모임2가 만든 행사를 서울로 옮깁니다. 은(는) 그대로"


def test_every_catalog_entry_with_a_name_reads_naturally():
    """Every Korean text that writes both forms reads right once a name is in."""
    found = 0
    for po in CATALOGS:
        with open(po, "rb") as fh:
            for m in read_po(fh):
                if not m.id or not isinstance(m.string, str) or not MARKER.search(m.string):
                    continue
                found += 1
                for name in ("마을모임2", "무심천"):
                    values = {k: name for k in re.findall(r"%\((\w+)\)s", m.string)}
                    values |= {k: 6 for k in re.findall(r"%\((\w+)\)d", m.string)}
                    text = resolve_particles(m.string % values if values else m.string)
                    assert not MARKER.search(text), (po.name, m.id, text)
    assert found  # the catalogs do write names with "은(는)", "이(가)" …: this test covers them


def test_gettext_and_templates_choose_the_particle(app):
    with app.test_request_context("/?lang=ko"):
        msg = "Thank you! %(name)s has joined the network and signed the pledge."
        assert "마을모임2가 네트워크에" in gettext(msg, name="마을모임2")
        assert "무심천 지킴이가" in gettext(msg, name="무심천 지킴이")
        assert "청주 하천단이 네트워크에" in str(lazy_gettext(msg, name="청주 하천단"))
        html = render_template_string("{{ _(msg, name=n) }}|{{ n|josa('은') }}|{{ t|particles }}", msg=msg,
                                      n="<모임> & '친구'", t="서울(으)로")
        # Escaping is kept (the name is escaped), and the particle is chosen by the name as read.
        assert "&lt;모임&gt; &amp; &#39;친구&#39;가 네트워크에" in html
        assert html.endswith("|&lt;모임&gt; &amp; &#39;친구&#39;는|서울로")
    with app.test_request_context("/?lang=en"), force_locale("en"):
        assert gettext("Thank you! %(name)s has joined the network and signed the pledge.", name="Mauel") == (
            "Thank you! Mauel has joined the network and signed the pledge.")


def test_consent_names_the_network_with_the_right_particle(network):
    text = consent_text(network, "ko")
    assert "청주 지속가능발전 시민실천 네트워크" in text
    assert not any(marker in text for marker in ("(는)", "(가)", "(를)", "(과)", "(으)로"))
