"""The web process as `make run` and the Procfile start it: gunicorn with two workers."""
from __future__ import annotations

import re

import httpx
import pytest
import sqlalchemy as sa

from .deployment import csrf_token, wait_until

DETAILS = {"name": "무심천 지킴이", "kind": "ngo", "contact_name": "김민지", "email": "river@example.org",
           "phone": "010-1234-5678", "activities": "무심천 정화 활동과 어린이 생태 교육"}


def round_trip(url: str) -> int:
    """GET the registration form, then POST step 1 on a new connection (often another worker)."""
    with httpx.Client(base_url=url, timeout=60) as first:
        page = first.get("/n/cheongju/register")
        jar = dict(page.cookies)
    # The cookie header by hand: production's Secure cookies are not sent over http by a client.
    with httpx.Client(base_url=url, timeout=60) as second:
        return second.post("/n/cheongju/register", data=DETAILS | {"csrf_token": csrf_token(page.text)},
                           headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())}).status_code


def test_form_posts_survive_two_workers_without_a_secret_key(deployment):
    """Before: each worker made its own random key and 9 of 10 round trips failed CSRF with 400."""
    web = deployment.web(workers=2)
    statuses = [round_trip(web.url) for _ in range(10)]
    assert statuses == [200] * 10
    key_file = deployment.instance / "secret_key"
    assert key_file.exists() and key_file.read_text().strip() not in web.log  # never logged


def test_production_refuses_to_start_without_a_real_key(deployment):
    web_env = {"CIVICNET_ENV": "production"}
    with pytest.raises(AssertionError, match="exited"):
        deployment.web(workers=2, env=web_env)
    assert "SECRET_KEY" in deployment.processes[-1].log
    web = deployment.web(workers=2, env=web_env | {"SECRET_KEY": "p" * 48}, name="web-prod")
    assert httpx.get(web.url + "/healthz").status_code == 200
    # Secure cookies in production: a browser would only send them back over HTTPS; pass them by hand.
    assert [round_trip(web.url) for _ in range(4)] == [200] * 4


def test_a_group_registers_through_the_three_steps_on_a_phone(deployment, phone, artifacts):
    web = deployment.web(workers=2)
    page = phone
    page.goto(f"{web.url}/n/cheongju/register")
    for label, value in [("단체명", DETAILS["name"]), ("대표자 또는 담당자", DETAILS["contact_name"]),
                         ("이메일", DETAILS["email"]), ("전화번호", DETAILS["phone"]),
                         ("주요활동", DETAILS["activities"])]:
        page.get_by_label(label).fill(value)
    page.get_by_label("단체 유형").select_option("ngo")
    page.screenshot(path=artifacts / "register-1-details.png", full_page=True)
    page.get_by_role("button", name="다음: SDGs 선택").click()
    page.get_by_role("button", name="다음: 협약").wait_for()
    suggested = page.locator("input[type=checkbox]:checked").count()
    assert suggested >= 1  # the classifier runs in the real web process and pre-ticks goals
    if not page.get_by_label(re.compile(r"SDG 6:")).is_checked():
        page.get_by_label(re.compile(r"SDG 6:")).check()
    page.screenshot(path=artifacts / "register-2-goals.png", full_page=True)
    page.get_by_role("button", name="다음: 협약").click()
    page.get_by_role("button", name=re.compile("서명하고 등록")).wait_for()
    page.get_by_label(re.compile("개인정보를 수집·이용하는 데 동의")).check()
    page.screenshot(path=artifacts / "register-3-pledge.png", full_page=True)
    page.get_by_role("button", name=re.compile("서명하고 등록")).click()
    page.wait_for_url("**/register/done")
    page.screenshot(path=artifacts / "register-4-done.png", full_page=True)
    link = page.locator("#edit-link").input_value()
    page.goto(link)
    assert page.get_by_role("heading", name=DETAILS["name"]).is_visible()
    with deployment.engine.connect() as conn:
        row = conn.execute(sa.text("SELECT o.id, o.phone, p.edition FROM organisations o "
                                   "JOIN pledges p ON p.organisation_id = o.id")).one()
    assert row.phone == "+821012345678"
    wait_until(lambda: web.alive(), 1)
