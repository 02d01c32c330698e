"""Headless Chromium opens the dashboard and the public page in both languages.

Screenshots go to test-artifacts/ (git-ignored). Skipped when /usr/bin/chromium is missing,
unless CIVICNET_REQUIRE_BROWSER=1.
"""
import os
from pathlib import Path

import pytest

from civicnet.extensions import db
from tests.builders import make_user, session_id
from tests.serving import serving

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.browser


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CIVICNET_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{CHROMIUM} is required (CIVICNET_REQUIRE_BROWSER=1)")
        pytest.skip(f"{CHROMIUM} not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def live_server(app):
    app.config["SERVER_NAME"] = None
    with serving(app, threaded=False) as url:
        yield url


def _session_cookie(app, user, base_url: str) -> dict:
    value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": session_id(user), "_fresh": True})
    return {"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": value, "url": base_url}


def test_dashboard_and_public_page_in_both_languages(app, network, scenario, browser, live_server):
    organiser = make_user(network, "staff")
    # The public directory shows approved groups only: approve the scenario's listed, active ones.
    for org in scenario.values():
        if getattr(org, "status", None) == "registered":
            org.status = "approved"
    db.session.commit()
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="ko-KR")
    context.add_cookies([_session_cookie(app, organiser, live_server)])
    page = context.new_page()
    outside: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server) and not r.url.startswith("data:") else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        for lang, dashboard_heading, directory_heading in (("ko", "현황판", "회원 단체"), ("en", "Dashboard", "Member groups")):
            response = page.goto(f"{live_server}/o/{network.slug}/dashboard?lang={lang}&year=2024")
            assert response.status == 200
            assert dashboard_heading in page.locator("h1").inner_text()
            assert page.locator("li.cov-tile").count() == 17
            chart = page.locator("svg.goal-bars")
            box = chart.bounding_box()
            assert box and box["height"] > 200 and box["width"] > 300
            assert page.locator("svg.chart[role=img]").count() == 3
            page.screenshot(path=str(ARTIFACTS / f"dashboard-{lang}.png"), full_page=True)

            response = page.goto(f"{live_server}/n/{network.slug}/?lang={lang}")
            assert response.status == 200
            assert directory_heading in page.locator("main").inner_text()
            assert page.locator("li.card").count() == 5
            assert "river@example.org" not in page.content()
            page.screenshot(path=str(ARTIFACTS / f"directory-{lang}.png"), full_page=True)

        response = page.goto(f"{live_server}/o/{network.slug}/partners/{scenario['river'].id}?lang=ko")
        assert response.status == 200
        page.screenshot(path=str(ARTIFACTS / "partners-ko.png"), full_page=True)
    finally:
        context.close()
    assert not outside, outside
    assert not errors, errors
    for name in ("dashboard-ko", "dashboard-en", "directory-ko", "directory-en", "partners-ko"):
        assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000
