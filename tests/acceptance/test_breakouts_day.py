"""The breakout exchange on the day, against the real gunicorn (two workers) in headless Chromium:
an organiser seats ~15 registered groups, checks some in, adds a walk-in in one tap, reads the
table number in large type, and prints name tags, table tents and the sign-in sheet."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.meetings.test_breakouts_day import GROUPS  # 15 groups of 2 (issue 11's try-out)
from tests.pdfcheck import assert_fonts_embedded, pdf_pages, pdf_text

from .deployment import wait_until

EMAIL, PASSWORD = "secretariat@example.org", "correct horse battery staple"
WALK_IN = ("현장 참가 협동조합", "cooperative", [2, 12])


def _seed(deployment) -> int:
    """The README's commands for the meeting and the organiser; groups and registrations through
    the services (as the registration pages would make them)."""
    out = deployment.flask("meetings", "create-example").stdout
    meeting_id = int(re.search(r"meeting (\d+)", out).group(1))
    deployment.flask("user", "create", "--email", EMAIL, "--name", "사무국", "--network", "cheongju", "--role", "admin",
                     env={"CIVICNET_PASSWORD": PASSWORD})
    app = deployment.app()
    with app.app_context():
        from civicnet.extensions import db
        from civicnet.meetings import services
        from civicnet.networks.services import get_network
        from tests.builders import make_organisation

        network = get_network("cheongju")
        meeting = services.get_meeting(network, meeting_id)
        for n, (name, kind, goals) in enumerate(GROUPS):
            org = make_organisation(network, name=name, kind=kind, goals=goals, status="approved")
            services.register(meeting, org, attendees=2, attendee_names=[f"{name[0]}참석{n}", f"{name[0]}동행{n}"],
                              ignore_window=True)
        make_organisation(network, name=WALK_IN[0], kind=WALK_IN[1], goals=WALK_IN[2], status="approved")
        db.session.commit()
        db.engine.dispose()
    return meeting_id


def _download(page, link_name: str, path) -> bytes:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    info.value.save_as(path)
    return path.read_bytes()


def _png(pdf_path, artifacts) -> list:
    prefix = artifacts / pdf_path.stem
    subprocess.run([shutil.which("pdftoppm"), "-png", "-r", "60", str(pdf_path), str(prefix)], check=True, timeout=120)
    return sorted(artifacts.glob(f"{pdf_path.stem}-*.png"))


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) is not installed")
def test_breakout_exchange_on_the_day(deployment, desktop, phone, artifacts):
    meeting_id = _seed(deployment)
    web = deployment.web(workers=2)
    base = f"{web.url}/o/cheongju/meetings/{meeting_id}"
    page = desktop
    page.goto(f"{web.url}/login")
    page.get_by_label("이메일").fill(EMAIL)
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()

    # Assignment: a handful of tables, each with several groups, described in words.
    page.goto(f"{base}/breakouts")
    page.get_by_role("button", name="자동으로 배정하기").click()
    page.locator("#plan-summary").wait_for()
    summary = page.locator("#plan-summary").inner_text()
    tables = int(re.search(r"15개 단체\(30명\)가 테이블 (\d+)개에 앉습니다", summary).group(1))
    assert 4 <= tables <= 5  # 30 people at 6-8 a table, not 15 tables of one group
    assert "LP" not in summary and "적합도 합계" not in summary
    cards = page.locator("#tables > li")
    assert cards.count() == tables
    for i in range(tables):
        assert cards.nth(i).locator("ul > li").count() >= 3
    page.screenshot(path=artifacts / "breakouts-plan.png", full_page=True)

    # Check-in on a phone: search, one tap, the table number in large type.
    desk = phone
    desk.context.add_cookies(page.context.cookies())
    desk.goto(f"{base}/checkin?q=맑은물")
    desk.get_by_role("button", name="접수하기").first.click()
    number = desk.locator(".table-number")
    number.wait_for()
    assert re.fullmatch(r"\d+", number.inner_text().strip())
    assert desk.locator(".table-number-label").inner_text().strip() == f"{number.inner_text().strip()}번 테이블"
    assert float(number.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 60
    desk.screenshot(path=artifacts / "checkin-arrival.png", full_page=True)
    for name in ("무심천", "초록", "햇살", "마을 돌봄"):
        desk.goto(f"{base}/checkin?q={name}")
        desk.get_by_role("button", name="접수하기").first.click()
        desk.locator(".table-number").wait_for()

    # A walk-in: one tap seats them at a used table with room.
    desk.goto(f"{base}/checkin?q=현장 참가")
    desk.get_by_role("button", name="현장 참가로 자리 배정").click()
    walk_in_number = desk.locator(".table-number")
    walk_in_number.wait_for()
    seated_at = int(walk_in_number.inner_text().strip())
    assert 1 <= seated_at <= tables + 1
    desk.screenshot(path=artifacts / "checkin-walk-in.png", full_page=True)
    assert desk.locator("#arrived").inner_text().strip() == "6"  # five registered groups and the walk-in

    # Printing: name tags, table tents, the sign-in sheet.
    page.goto(f"{base}/breakouts")
    tags = _download(page, "이름표 (PDF)", artifacts / "day-nametags.pdf")
    tents = _download(page, "테이블 안내판 (PDF)", artifacts / "day-tents.pdf")
    signin = _download(page, "접수 명단 (PDF)", artifacts / "day-signin.pdf")
    for data in (tags, tents, signin):
        fonts = assert_fonts_embedded(data)
        assert {f["name"].split("+")[-1] for f in fonts} == {"NanumGothic"}
    tag_text = pdf_text(tags)
    assert pdf_pages(tags) == 4  # 31 people (30 + the walk-in), 10 tags a page
    assert "맑은물 지킴이" in tag_text and "맑참석0" in tag_text and WALK_IN[0] in tag_text
    used = tables + (1 if seated_at > tables else 0)
    assert pdf_pages(tents) == used  # spare tables are not printed
    tent_text = pdf_text(tents)
    assert all(re.search(rf"\b{n}\b", tent_text) for n in range(1, used + 1))
    sheet = pdf_text(signin)
    row = next(line for line in sheet.splitlines() if WALK_IN[0] in line)
    assert re.search(rf"\b{seated_at}\b", row)  # the walk-in's table number on its row
    assert sum(1 for line in sheet.splitlines() if re.search(r"(참석|동행)\d", line)) == 30 and "서명" in sheet
    pngs = [png for name in ("day-nametags", "day-tents", "day-signin") for png in _png(artifacts / f"{name}.pdf", artifacts)]
    assert len(pngs) == pdf_pages(tags) + pdf_pages(tents) + pdf_pages(signin)
    wait_until(web.alive, 1, what="the web process to stay up")
