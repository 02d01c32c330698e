"""In Chromium (phone viewport): the live description counter, the under-14 consent step, the
"our data" page and its JSON download. Set PIPA_SCREENSHOTS=DIR to keep screenshots."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.organisations.models import Organisation
from tests.organisations.test_browser import live_server, page, pytestmark  # noqa: F401  (fixtures)

SHOTS = os.environ.get("PIPA_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_counter_then_child_registration_then_download(live_server, page, tmp_path):
    page.goto(f"{live_server}/n/cheongju/register")
    counter = page.locator("#activities-count")
    assert counter.inner_text() == "0 / 5,000자"
    page.get_by_label("주요활동").fill("가" * 5003)
    assert counter.inner_text() == "3자가 넘습니다. 5,000자 이내로 줄여 주세요."
    assert page.get_by_label("주요활동").input_value() == "가" * 5003      # nothing cut
    _shot(page, "1-counter-over")
    page.get_by_label("주요활동").fill("동네 하천 쓰레기 줍기와 어린이 생태 관찰")
    assert counter.inner_text() == "23 / 5,000자"
    page.get_by_label("단체명").fill("김하늘")
    page.get_by_label("단체 유형").select_option("individual")
    page.get_by_label("이메일").fill("sky@example.org")
    page.get_by_role("button", name="다음: SDGs 선택").click()
    page.get_by_label(re.compile(r"SDG 6:")).check()
    page.get_by_role("button", name="다음: 협약").click()

    page.get_by_label("서명하는 분의 이름").fill("김하늘")
    page.get_by_label("위 목적으로 개인정보를 수집·이용하는 데 동의합니다.").check()
    page.get_by_label("만 14세 미만").check()
    page.get_by_role("button", name="서명하고 등록하기").click()
    assert page.get_by_text("법정대리인(보호자)의 이름을 적어 주세요.").is_visible()
    _shot(page, "2-consent-guardian-missing")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
    page.get_by_label("법정대리인(보호자) 이름").fill("김보호")
    page.get_by_label("저는 법정대리인(보호자)이며").check()
    page.get_by_label("네트워크 공개 목록에 우리 단체를 싣는 데 동의합니다").check()
    page.get_by_role("button", name="서명하고 등록하기").click()
    page.wait_for_url("**/register/done")
    page.goto(page.locator("#edit-link").input_value())
    _shot(page, "3-edit-page")

    page.get_by_role("link", name="우리 정보 보기").click()
    assert page.get_by_role("heading", name="김하늘에 관해 보관 중인 모든 정보").is_visible()
    assert page.get_by_text("김보호").is_visible()
    _shot(page, "4-data-page")
    with page.expect_download() as info:
        page.get_by_role("link", name="파일로 내려받기 (JSON)").click()
    target = tmp_path / "data.json"
    info.value.save_as(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["organisation"]["guardian_name"] == "김보호" and data["organisation"]["age_band"] == "under_14"
    assert data["consents"]["guardian"] and data["consents"]["public_listing"] and data["consents"]["telegram"] is None
