"""A long export as an organiser gets it from the real processes (gunicorn + the worker):
the click lands on a progress page whose bar moves while the worker writes the file, then the
download is offered and the file holds every row."""
from __future__ import annotations

import time

import sqlalchemy as sa
from openpyxl import load_workbook

from .conftest import telegram_env

# Past the default threshold (5,000): built by the worker. Large enough that the build outlasts a
# few of the page's one-second polls even on a quiet machine (12,000 took ~1.5 s once XlsxWriter
# wrote the file, and the bar was once seen only at 0 before the file was ready).
GROUPS = 30_000
PASSWORD = "correct horse battery staple"
ACTIVITIES = ["하천 정화 활동과 어린이 생태 교육", "독거 어르신 반찬 나눔", "청년 취업 상담", "마을 작은도서관 운영"]


def seed(deployment, count: int) -> None:
    from civicnet.accounts.services import create_user
    from civicnet.extensions import db
    from civicnet.networks.services import get_network
    from civicnet.organisations.models import Organisation

    with deployment.app().app_context():
        network = get_network("cheongju")
        db.session.execute(sa.insert(Organisation), [{
            "network_id": network.id, "name": f"실천 단체 {i:05d}", "name_key": f"실천단체{i:05d}", "kind": "ngo",
            "representative": "", "contact_key": f"g{i}@example.org", "email": f"g{i}@example.org",
            "district": "서원구", "activities": ACTIVITIES[i % 4], "language": "ko", "status": "approved",
            "public_listing": True} for i in range(count)])
        create_user("export@example.org", "사무국", PASSWORD, network=network, role="staff")
        db.session.commit()
    if deployment.database_url.startswith("postgresql"):
        # Statistics after the bulk insert, as autovacuum would take them (it is off on the CI
        # server; with none, the planner expects 8 groups and joins the pledges row by row).
        with deployment.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")


def login(page, url: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("이메일").fill("export@example.org")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_load_state()


def test_a_long_export_is_built_by_the_worker_with_a_progress_bar(deployment, fake_telegram, browser, desktop,
                                                                  artifacts, tmp_path):
    seed(deployment, GROUPS)
    env = telegram_env(fake_telegram)  # as deployed: the worker also sends notices
    web = deployment.web(workers=2, env=env)
    worker = deployment.worker(env=env)
    assert "civicnet.downloads.tasks" in worker.wait_for_log(r"worker: \d+ tasks from (.*)", timeout=120).group(1)
    page = desktop
    login(page, web.url)
    page.goto(f"{web.url}/o/cheongju/organisations")
    page.get_by_role("link", name="엑셀 내려받기").click()
    page.wait_for_url("**/o/cheongju/exports/*")
    assert page.get_by_role("heading", name="내보내기 파일").is_visible()
    bar = page.locator("#export-progress")
    values, deadline = [], time.monotonic() + 120
    shot = False
    while time.monotonic() < deadline and not page.locator("#export-download").count():
        try:
            value = int(bar.get_attribute("value", timeout=2000) or 0)
        except Exception:  # noqa: BLE001  the page reloads itself when the file is ready
            value = None
        if value is not None:
            values.append(value)
            if 0 < value < 100 and not shot:
                page.screenshot(path=artifacts / "export-1-progress.png", full_page=True)
                shot = True
        time.sleep(0.3)
    download_link = page.locator("#export-download")
    download_link.wait_for(timeout=30_000)
    assert any(0 < v < 100 for v in values), f"the bar never showed a step between 0 and 100: {values}"
    assert values == sorted(values)  # it only moves forward
    assert f"{GROUPS:,}" in page.locator("#export-message").inner_text()
    page.screenshot(path=artifacts / "export-2-ready.png", full_page=True)
    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / "groups.xlsx"
    info.value.save_as(path)
    assert info.value.suggested_filename == "cheongju-organisations.xlsx"
    book = load_workbook(path, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert len(rows) == GROUPS + 1 and rows[0][1] == "단체명"
    assert {r[1] for r in rows[1:]} == {f"실천 단체 {i:05d}" for i in range(GROUPS)}
    assert "Traceback" not in worker.log and "export@example.org" not in worker.log + web.log
    with deployment.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT state, rows_total, size FROM export_files")).one()
    assert stored.state == "ready" and stored.rows_total == GROUPS and stored.size == path.stat().st_size

    # Without JavaScript the page refreshes itself until the file is ready.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR", java_script_enabled=False)
    try:
        plain = context.new_page()
        login(plain, web.url)
        plain.goto(f"{web.url}/o/cheongju/organisations?status=approved")
        plain.get_by_role("link", name="CSV 내려받기").click()
        plain.wait_for_url("**/o/cheongju/exports/*")
        plain.locator("#export-download").wait_for(timeout=60_000)  # after one or more refreshes
        assert f"{GROUPS:,}" in plain.locator("#export-message").inner_text()
        plain.screenshot(path=artifacts / "export-3-ready-without-js.png", full_page=True)
    finally:
        context.close()
    print(f"export of {GROUPS} groups: progress seen {sorted(set(values))}, {stored.size:,} bytes")
