"""Personal data (PIPA) on the deployed processes: consent in Chromium through gunicorn with two
workers, the group's data download from its edit link, the purge command, the worker's daily task."""
from __future__ import annotations

import json
import re

import httpx
import sqlalchemy as sa

from .deployment import wait_until

NAME, CONTACT, EMAIL = "무심천 물새 지킴이", "박하늘", "watch@example.org"
ACTIVITIES = "무심천 철새 관찰과 하천 정화 활동"


def register_in_browser(page, url: str, artifacts) -> str:
    """The three steps on a phone, with the consent page; returns the private edit link."""
    page.goto(f"{url}/n/cheongju/register")
    page.get_by_label("단체명").fill(NAME)
    page.get_by_label("단체 유형").select_option("ngo")
    page.get_by_label("대표자 또는 담당자").fill(CONTACT)
    page.get_by_label("이메일").fill(EMAIL)
    page.get_by_label("홈페이지 또는 SNS 주소").fill("https://birds.example.org")
    page.get_by_label("주요활동").fill(ACTIVITIES)
    assert page.locator("#activities-count").inner_text() == f"{len(ACTIVITIES)} / 5,000자"  # the live counter
    page.get_by_role("button", name="다음: SDGs 선택").click()
    page.get_by_role("button", name="다음: 협약").wait_for()
    if not page.get_by_label(re.compile(r"SDG 15:")).is_checked():
        page.get_by_label(re.compile(r"SDG 15:")).check()
    page.get_by_role("button", name="다음: 협약").click()
    page.get_by_role("button", name=re.compile("서명하고 등록")).wait_for()
    consent = page.locator("#consent-text").inner_text()
    for part in ("목적", "항목", "보유 기간", "3년", "거부할 권리"):
        assert part in consent, part
    page.get_by_label("위 목적으로 개인정보를 수집·이용하는 데 동의합니다.").check()
    page.get_by_label(re.compile("홈페이지 주소를 수집·이용하는 데 동의")).check()
    # The public listing and Telegram are left unticked: optional.
    page.screenshot(path=artifacts / "privacy-1-consent.png", full_page=True)
    page.get_by_role("button", name=re.compile("서명하고 등록")).click()
    page.wait_for_url("**/register/done")
    return page.locator("#edit-link").input_value()


def test_register_download_withdraw_and_purge(deployment, phone, artifacts, tmp_path):
    web = deployment.web(workers=2)
    link = register_in_browser(phone, web.url, artifacts)

    # The group's data, from its edit link: the readable page, then the JSON file.
    phone.goto(link)
    phone.get_by_role("link", name="우리 정보 보기").click()
    phone.get_by_role("heading", name=re.compile("보관 중인 모든 정보")).wait_for()
    assert EMAIL in phone.content() and CONTACT in phone.content()
    phone.screenshot(path=artifacts / "privacy-2-our-data.png", full_page=True)
    with phone.expect_download() as download:
        phone.get_by_role("link", name="파일로 내려받기 (JSON)").click()
    path = tmp_path / "our-data.json"
    download.value.save_as(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["organisation"]["name"] == NAME and data["organisation"]["email"] == EMAIL
    assert data["organisation"]["website"] == "https://birds.example.org"
    consents = data["consents"]
    assert consents["personal_data"] and consents["website"]
    assert consents["public_listing"] is None and consents["telegram"] is None
    assert data["pledges"][0]["signer_name"] == CONTACT
    assert {h["action"] for h in data["history"]} >= {"registered", "pledge_signed"}

    # The group withdraws through its edit link; years pass (the withdrawal is dated back).
    phone.goto(link)
    phone.get_by_role("button", name="네트워크에서 탈퇴하기").click()
    phone.get_by_text("탈퇴했습니다").first.wait_for()
    with deployment.engine.begin() as conn:
        conn.execute(sa.text("UPDATE organisations SET withdrawn_at = :t"), {"t": "2020-01-01 00:00:00"})

    dry = deployment.flask("privacy", "purge", "--dry-run")
    assert "would delete network cheongju" in dry.stdout and "withdrawn_groups=1" in dry.stdout
    assert httpx.get(link).status_code == 200          # a dry run changes nothing
    done = deployment.flask("privacy", "purge", "--network", "cheongju")
    assert "withdrawn_groups=1" in done.stdout
    with deployment.engine.connect() as conn:
        org = conn.execute(sa.text("SELECT name, email, representative, website FROM organisations")).one()
        runs = conn.execute(sa.text("SELECT trigger, counts FROM privacy_purges")).all()
        signer = conn.execute(sa.text("SELECT signer_name FROM pledges")).scalar_one()
    assert org.name.startswith("#") and org.email is None and org.representative == "" and org.website is None
    assert signer == "" and len(runs) == 1 and runs[0].trigger == "cli"
    assert httpx.get(link).status_code == 404           # the edit link died with the data
    # No personal data in the web processes' logs or the command's output.
    for text in (web.log, dry.stdout + dry.stderr, done.stdout + done.stderr):
        for secret in (NAME, CONTACT, EMAIL, link.split("t=")[1]):
            assert secret not in text


def test_the_worker_loads_the_daily_purge(deployment):
    worker = deployment.worker()
    match = worker.wait_for_log(r"worker: \d+ tasks from (.*)", timeout=90)
    assert "civicnet.privacy.tasks" in match.group(1)
    wait_until(worker.alive, 5, what="the worker to keep running")
