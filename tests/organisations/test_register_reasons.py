"""The SDG picker explains each pre-ticked goal: the closest target and the words that led to it."""
from __future__ import annotations

import re

from tests.organisations.conftest import DETAILS


def test_picker_shows_one_reason_per_pre_ticked_goal_in_the_registrants_language(app, client, network):
    app.config["SDG_SUGGESTIONS"] = True
    details = DETAILS | {"activities": "무심천 하천 정화와 수질 모니터링, 어린이 생태 교육"}
    html = client.post("/n/cheongju/register", data=details).get_data(as_text=True)
    assert "이 목표를 추천한 이유" in html
    section = html.split('class="sdg-reasons"', 1)[1].split("</section>", 1)[0]
    ticked = re.findall(r'id="goals-(\d+)" value="\d+"\s*checked', html)
    items = re.findall(r'class="sdg-reason-goal"[^>]*>(\d+)<', section)
    assert ticked and items == ticked  # one line per pre-ticked goal, in goal order
    assert re.search(r"세부목표 6\.\w", section)
    assert "<mark>하천</mark>" in section or "<mark>수질</mark>" in section
    html_en = client.post("/n/cheongju/register?lang=en", data=details).get_data(as_text=True)
    section_en = html_en.split('class="sdg-reasons"', 1)[1].split("</section>", 1)[0]
    assert "Why these goals were suggested" in html_en and re.search(r"target 6\.\w", section_en)
    assert not re.search("[\uac00-\ud7a3]", re.sub(r"<mark>[^<]*</mark>", "", section_en))  # targets in English


def test_no_reasons_section_without_suggestions(app, client, network):
    app.config["SDG_SUGGESTIONS"] = False
    html = client.post("/n/cheongju/register", data=DETAILS).get_data(as_text=True)
    assert "sdg-reasons" not in html
