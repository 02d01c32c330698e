"""The SDG picker's reasons on a 390-px phone, in headless Chromium against a real server thread."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.organisations.conftest import served_app
from tests.organisations.test_browser import CHROMIUM, page  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


@pytest.fixture
def live_server_with_classifier(app, network, database_url):
    with served_app(database_url, SDG_SUGGESTIONS=True) as url:
        yield url


def test_reasons_fit_a_phone(live_server_with_classifier, page):  # noqa: F811
    page.goto(f"{live_server_with_classifier}/n/cheongju/register")
    page.get_by_label("단체명").fill("무심천 지킴이")
    page.get_by_label("대표자 또는 담당자").fill("김민지")
    page.get_by_label("이메일").fill("river@example.org")
    page.get_by_label("주요활동").fill("매달 무심천 하천 정화와 수질 모니터링을 하고, 여름에는 어린이 생태 교육과 숲 체험을 엽니다.")
    page.get_by_role("button", name="다음: SDGs 선택").click()
    reasons = page.locator(".sdg-reasons li")
    reasons.first.wait_for()
    assert reasons.count() == page.locator(".sdg-check:checked").count() >= 2
    for i in range(reasons.count()):
        box = reasons.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert "세부목표" in reasons.nth(i).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing runs off the screen
    if os.environ.get("CIVICNET_SCREENSHOTS"):
        page.locator(".sdg-reasons").screenshot(path=str(Path(os.environ["CIVICNET_SCREENSHOTS"]) / "reasons-390.png"))
        page.screenshot(path=str(Path(os.environ["CIVICNET_SCREENSHOTS"]) / "picker-390.png"), full_page=True)
