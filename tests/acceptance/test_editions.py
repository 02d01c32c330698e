"""A new edition (year) in the deployed service: an admin opens it in Chromium, last year's group
gets a Telegram message with its edit link from the worker, renews in one click on a phone, and
the dashboard opens on the new year.

Before: the year was stuck at 2024 (``current_edition or 2024``); there was no way to open a year,
no renewal, and the dashboard opened on 2024.
"""
from __future__ import annotations

import re

import sqlalchemy as sa

from .conftest import telegram_env
from .deployment import wait_until

PASSWORD = "correct horse battery staple"
CHAT = 7100


def seed_last_years_group(deployment) -> tuple[int, int]:
    """A group that pledged SDG 6 and 15 in the current edition, with a linked Telegram chat."""
    from civicnet.extensions import db
    from civicnet.networks.services import get_network
    from civicnet.notices.services import link_chat
    from civicnet.organisations.services import register_organisation
    from civicnet.pledges.services import sign_pledge

    app = deployment.app()
    with app.app_context():
        network = get_network("cheongju")
        this_year = network.current_edition
        org = register_organisation(network, {"name": "무심천 지킴이", "kind": "ngo", "representative": "김민지",
                                              "phone": "010-2211-3424", "activities": "무심천 정화와 생태 교육"},
                                    goals=[6, 15], consent_version="2024-1").organisation
        sign_pledge(org, "김민지")
        link_chat(CHAT, network, org, language="ko", consent_version="2024-1")
        db.session.commit()
        return org.id, this_year


def test_an_admin_opens_a_new_edition_and_a_group_renews(deployment, fake_telegram, desktop, phone, artifacts):
    env = telegram_env(fake_telegram)
    org_id, this_year = seed_last_years_group(deployment)
    new_year = this_year + 1
    deployment.flask("user", "create", "--email", "admin@example.org", "--name", "사무국장", "--network", "cheongju",
                     "--role", "admin", env={"CIVICNET_PASSWORD": PASSWORD})
    web = deployment.web(workers=2, env=env)
    worker = deployment.worker(env=env)

    # The organiser opens the next year from the network page, with a confirmation.
    page = desktop
    page.goto(f"{web.url}/login")
    page.get_by_label("이메일").fill("admin@example.org")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.get_by_role("link", name="협약 연도").first.click()
    assert page.locator("#current-edition").inner_text() == f"현재 협약 연도: {this_year}년"
    page.get_by_role("button", name="새 협약 연도 시작하기").click()  # not confirmed yet
    assert page.get_by_role("alert").inner_text() == "확인란에 표시해 주세요."
    page.get_by_label(re.compile("이 연도의 협약을 시작")).check()
    page.get_by_role("button", name="새 협약 연도 시작하기").click()
    page.get_by_text(f"{new_year}년 협약을 시작했습니다").wait_for()
    assert page.locator("#current-edition").inner_text() == f"현재 협약 연도: {new_year}년"
    page.screenshot(path=artifacts / "edition-1-opened.png", full_page=True)
    history = page.locator("table tbody tr").first.inner_text()
    assert str(new_year) in history and "사무국장" in history and "텔레그램 1곳" in history

    # The worker sends last year's group its invitation, with a private edit link.
    message = fake_telegram.next_message(CHAT, timeout=90)
    assert f"{new_year}년 협약이 시작되었습니다" in message.text
    link = re.search(r"https?://\S+/edit\?t=[\w-]+", message.text).group(0)

    # On a phone, the group renews in one click with last year's SDGs.
    phone.goto(link)
    renew = phone.get_by_role("button", name=f"{new_year}년 협약 갱신하기")
    assert renew.is_visible()
    assert phone.get_by_label(re.compile(r"SDG 6:")).nth(0).is_checked()
    phone.screenshot(path=artifacts / "edition-2-renew.png", full_page=True)
    renew.click()
    phone.get_by_text(f"{new_year}년 협약을 갱신했습니다").wait_for()
    with deployment.engine.connect() as conn:
        pledges = conn.execute(sa.text(
            "SELECT p.edition, (SELECT count(*) FROM pledge_goals g WHERE g.pledge_id = p.id) FROM pledges p "
            "WHERE p.organisation_id = :o AND p.withdrawn_at IS NULL"), {"o": org_id}).all()
    assert sorted(pledges) == [(this_year, 2), (new_year, 2)]

    # Every organiser page now opens on the new year: the dashboard counts the renewed pledge.
    page.goto(f"{web.url}/o/cheongju/dashboard")
    assert page.locator("select[name=year] option:checked").inner_text() == str(new_year)
    assert page.locator("#total-pledges").inner_text() == "1"
    page.screenshot(path=artifacts / "edition-3-dashboard.png")
    page.goto(f"{web.url}/o/cheongju/reports/")
    assert page.locator("select[name=year] option:checked").inner_text() == str(new_year)
    assert "Traceback" not in web.log
    # The worker's own log is the worker suite's business: under load it once logged a retried
    # SQLAlchemy error (reported to the lead); what matters here is that the message arrived.
    assert worker.alive()
    wait_until(lambda: web.alive(), 1)
