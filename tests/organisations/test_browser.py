"""The registration flow in headless Chromium against a real server thread."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.organisations.models import Organisation
from civicnet.pledges.models import Pledge
from tests.organisations.conftest import served_app

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    if os.environ.get("CIVICNET_REQUIRE_BROWSER") == "1":
        raise RuntimeError(f"{CHROMIUM} is required (CIVICNET_REQUIRE_BROWSER=1)")
    pytest.skip(f"{CHROMIUM} is not installed", allow_module_level=True)


@pytest.fixture
def live_server(app, network, database_url):
    with served_app(database_url, SDG_SUGGESTIONS=False) as url:
        yield url


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")  # a phone
        yield context.new_page()
        context.close()
        browser.close()


def test_register_pick_sdgs_and_sign(live_server, page):
    page.goto(f"{live_server}/n/cheongju/register")
    assert page.locator("html").get_attribute("lang") == "ko"
    page.get_by_label("단체명").fill("무심천 지킴이")
    page.get_by_label("단체 유형").select_option("ngo")
    page.get_by_label("대표자 또는 담당자").fill("김민지")
    page.get_by_label("이메일").fill("river@example.org")
    page.get_by_label("전화번호").fill("010-1234-5678")
    page.get_by_label("주요활동").fill("무심천 정화 활동과 어린이 생태 교육")
    page.get_by_role("button", name="다음: SDGs 선택").click()

    page.get_by_label(re.compile(r"SDG 6:")).check()
    page.get_by_label(re.compile(r"SDG 15:")).check()
    assert page.get_by_label(re.compile(r"SDG 6:")).is_checked()
    page.get_by_role("button", name="다음: 협약").click()

    assert page.get_by_label("서명하는 분의 이름").input_value() == "김민지"
    page.get_by_label("위 목적으로 개인정보를 수집·이용하는 데 동의합니다.").check()
    page.get_by_role("button", name="서명하고 등록하기").click()

    page.wait_for_url("**/register/done")
    link = page.locator("#edit-link").input_value()
    assert "/edit?t=" in link
    page.goto(link)
    assert page.get_by_role("heading", name="무심천 지킴이").is_visible()

    org = db.session.scalar(sa.select(Organisation))
    assert org.goal_numbers == [6, 15] and org.phone == "+821012345678"
    assert db.session.scalar(sa.select(Pledge)).signer_name == "김민지"


def test_validation_message_keeps_input(live_server, page):
    page.goto(f"{live_server}/n/cheongju/register?lang=en")
    page.get_by_label("Name of the group").fill("Book club")
    page.get_by_label("E-mail").fill("not-an-email")
    page.get_by_label("Main activities").fill("Reading together")
    page.get_by_role("button", name="Next: choose SDGs").click()
    assert page.get_by_text("Please enter a valid e-mail address").is_visible()
    assert page.get_by_label("Main activities").input_value() == "Reading together"
