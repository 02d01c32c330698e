"""The screenshot gallery and the accessibility audit (issue 16).

A realistic network (``gallery/seed.py``: the 2024 ceremony, 189 groups) is seeded through the
services into a fresh deployment (``deployment`` from conftest.py: the Procfile's release steps,
then gunicorn with 2 workers as the Procfile starts it); headless Chromium visits every page the app has (``gallery/pages.py`` walks the URL
map, so a new page cannot be forgotten) at 390 px and 1280 px, in Korean and English, saves
full-page PNGs and runs axe-core on each; every PDF, XLSX and CSV the product makes is fetched
and rendered (PDFs through ``pdftoppm -png``). ``test-artifacts/gallery/index.html`` shows it all
side by side. Fails on: a page that is not 200, a page that loads anything from outside, a script
error, a serious or critical axe violation, an endpoint nobody put in the gallery, a chart without
a text alternative.

Run alone: ``.venv/bin/pytest -m gallery`` (or ``make gallery``).
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from civicnet.extensions import db
from civicnet.networks.services import get_network
from tests.acceptance.gallery import render
from tests.acceptance.gallery.pages import walk
from tests.acceptance.gallery.seed import PASSWORD, seed_ceremony

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-artifacts" / "gallery"
WIDTHS = (390, 1280)
LANGS = ("ko", "en")
SERIOUS = ("serious", "critical")
ONLY = os.environ.get("GALLERY_ONLY", "").split()  # e.g. "ko-1280" while working on one variant

pytestmark = [pytest.mark.browser, pytest.mark.gallery]


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


class Watch:
    """Requests to anything but the app, and script errors, on one page."""

    def __init__(self, page, base: str) -> None:
        self.outside: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.outside.append(r.url)
                if not r.url.startswith((base, "data:", "blob:", "about:")) else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def login(page, base: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "secretariat@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, "organiser login failed"


def audit(axe, page, variant: str) -> list[dict]:
    results = axe.run(page)
    return [{"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"]), "help": v["help"], "variant": variant,
             "targets": [", ".join(map(str, n["target"])) for n in v["nodes"][:5]]}
            for v in results.response["violations"]]


def check_charts(page) -> list[str]:
    """Every SVG chart is role=img, named by a non-empty title and desc, and has a table beside it."""
    problems = page.evaluate("""() => [...document.querySelectorAll('svg.chart')].flatMap(svg => {
        const out = [];
        if (svg.getAttribute('role') !== 'img') out.push('no role=img');
        const ids = (svg.getAttribute('aria-labelledby') || '').split(/\\s+/).filter(Boolean);
        if (ids.length < 2) out.push('no title+desc');
        for (const id of ids) { const el = document.getElementById(id);
          if (!el || !el.textContent.trim()) out.push('empty ' + id); }
        const fig = svg.closest('figure');
        if (!fig || !fig.querySelector('table')) out.push('no table for ' + svg.getAttribute('class'));
        const box = svg.getBoundingClientRect();
        if (box.height > 900 || box.width > 1100) out.push('oversized ' + svg.getAttribute('class') + ' ' + box.width + 'x' + box.height);
        return out; })""")
    return problems


def register_flow(page, base: str, slug: str, lang: str, stem: str):
    """The three registration steps with the mouse, shooting each step (and the error state)."""
    page.goto(f"{base}/n/{slug}/register?lang={lang}")
    page.locator("form button[type=submit]:not([name=back])").click()            # empty: errors shown
    page.wait_for_load_state()
    yield "register-1-errors"
    page.fill("#name", f"갤러리 {stem} 모임")
    page.select_option("#kind", "village_group")
    page.fill("#representative", "김갤러")
    page.fill("#phone", "010-2211-3424")
    page.fill("#activities", "무심천 둔치에서 주민들과 쓰레기를 줍고 아이들과 하천 생태를 관찰합니다. 마을 텃밭도 함께 가꿉니다.")
    # The first registration a gunicorn worker serves loads the SDG classifier (seconds on a quiet
    # machine, two minutes on two busy shared cores): wait for it rather than fail.
    page.locator("form button[type=submit]:not([name=back])").click(timeout=400_000)
    page.locator("input[name=goals]").first.wait_for(timeout=400_000)
    yield "register-2-goals"
    page.locator("form button[type=submit]:not([name=back])").click()
    page.locator("input[name=consent]").wait_for()
    yield "register-3-pledge"
    page.locator("form button[type=submit]:not([name=back])").click()            # no consent: error
    page.wait_for_load_state()
    yield "register-3-errors"
    page.locator("input[name=consent]").check()
    page.locator("form button[type=submit]:not([name=back])").click()
    page.wait_for_url("**/register/done**")
    yield "register-4-done"


FLOW_TITLES = {
    "register-1-errors": "Registration step 1 with errors", "register-2-goals": "Registration step 2: SDG picker",
    "register-3-pledge": "Registration step 3: pledge and consent",
    "register-3-errors": "Registration step 3 without consent", "register-4-done": "Registration done: edit link",
}


@pytest.fixture
def seeded_site(deployment):
    """(seeded network, app, base URL): the seed written through the services, then gunicorn started."""
    app = deployment.app()
    with app.app_context():
        seeded = seed_ceremony(get_network("cheongju"))
        pages = walk(app, seeded)
        db.session.remove()
        # The first registration loads the SDG classifier in a worker: on two busy shared cores that can
        # take longer than the 60 s default timeout, which is about the host, not about the pages.
        web = deployment.web(workers=2, env={"GUNICORN_TIMEOUT": "300"})
        try:
            yield seeded, pages, web.url
        finally:
            OUT.mkdir(parents=True, exist_ok=True)
            (OUT / "web.log").write_text(web.log, encoding="utf-8")
            db.session.remove()
            db.engine.dispose()


def test_gallery(deployment, seeded_site, browser, axe):
    started = time.monotonic()
    seeded, (pages, documents, answers, missing), base = seeded_site
    assert not missing, f"GET endpoints not in the gallery (add them to gallery/pages.py): {missing}"
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*"):
        if old.is_file() and old.name != "web.log":
            old.unlink()

    shots: dict[str, dict] = {p.name: {"name": p.name, "title": p.title, "path": p.path, "shots": []} for p in pages}
    found: dict[str, list[dict]] = {}
    failures: list[str] = []
    timings: dict[str, float] = {}
    phases: dict[str, float] = {}
    slug = seeded.slug
    doc_entries: list[dict] = []
    api_entries: list[dict] = []
    for width in WIDTHS:
        for lang in LANGS:
            variant = f"{lang}-{width}"
            if ONLY and variant not in ONLY:
                continue
            contexts = {}
            for who in ("public", "organiser"):
                contexts[who] = browser.new_context(viewport={"width": width, "height": 900},
                                                    locale="ko-KR" if lang == "ko" else "en-GB")
                contexts[who].set_default_timeout(120_000)  # two shared cores: be patient, not flaky
            organiser_page = contexts["organiser"].new_page()
            login(organiser_page, base)
            public_page = contexts["public"].new_page()
            watches = {"public": Watch(public_page, base), "organiser": Watch(organiser_page, base)}
            for spec in pages:
                page = organiser_page if spec.who == "organiser" else public_page
                t0 = time.monotonic()
                response = page.goto(base + with_lang(spec.path, lang))
                if response is None or response.status != 200:
                    failures.append(f"{spec.name} {variant}: HTTP {response and response.status}")
                    continue
                if page.locator("html").get_attribute("lang") != lang:
                    failures.append(f"{spec.name} {variant}: html lang is not {lang}")
                if "None" in (page.locator("[aria-describedby]").evaluate_all(
                        "els => els.map(e => e.getAttribute('aria-describedby')).join(' ')") or ""):
                    failures.append(f"{spec.name} {variant}: aria-describedby=None")
                if spec.endpoint in ("dashboard.index", "reports.index"):
                    failures += [f"{spec.name} {variant}: chart {p}" for p in check_charts(page)]
                t1 = time.monotonic()
                found.setdefault(spec.name, []).extend(audit(axe, page, variant))
                t2 = time.monotonic()
                file = f"{spec.name}--{variant}.png"
                page.screenshot(path=str(OUT / file), full_page=True, animations="disabled")
                for phase, seconds in (("load", t1 - t0), ("axe", t2 - t1), ("png", time.monotonic() - t2)):
                    phases[phase] = phases.get(phase, 0) + seconds
                shots[spec.name]["shots"].append({"file": file, "lang": lang, "width": width})
                timings[spec.name] = timings.get(spec.name, 0) + time.monotonic() - t0
            flow_page = contexts["public"].new_page()
            watches["flow"] = Watch(flow_page, base)
            for name in register_flow(flow_page, base, slug, lang, variant):
                entry = shots.setdefault(name, {"name": name, "title": FLOW_TITLES[name],
                                                "path": f"/n/{slug}/register (POST)", "shots": []})
                found.setdefault(name, []).extend(audit(axe, flow_page, variant))
                file = f"{name}--{variant}.png"
                flow_page.screenshot(path=str(OUT / file), full_page=True, animations="disabled")
                entry["shots"].append({"file": file, "lang": lang, "width": width})
            for who, watch in watches.items():
                failures += [f"{variant} {who}: outside request {u}" for u in watch.outside]
                failures += [f"{variant} {who}: script error {e}" for e in watch.errors]
            if not doc_entries:
                doc_entries = fetch_documents(contexts["organiser"], base, documents, failures)
                api_entries = fetch_api(contexts["public"], base, answers, seeded.api_token, failures)
            for context in contexts.values():
                context.close()

    serious = [(name, v) for name, vs in found.items() for v in vs if v["impact"] in SERIOUS]
    figures = {"groups": seeded.counts["groups"], "pages": len(shots), "screenshots": sum(len(s["shots"]) for s in shots.values()),
               "documents": len(documents), "api answers": len(answers), "seed seconds": seeded.counts["seconds"],
               "total seconds": round(time.monotonic() - started, 1),
               "axe serious/critical": len(serious), "axe other": sum(len(v) for v in found.values()) - len(serious)}
    index = render.write_index(OUT, pages=list(shots.values()), documents=doc_entries, answers=api_entries,
                               audit=found, figures=figures)
    (OUT / "axe.json").write_text(json.dumps(found, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\ngallery: {index} {figures}")
    print("seconds per phase:", {k: round(v, 1) for k, v in phases.items()})
    print("slowest pages (s, all variants):", sorted(((round(v, 1), k) for k, v in timings.items()), reverse=True)[:8])
    assert not failures, "\n".join(failures)
    assert not serious, "\n".join(f"{name} {v['variant']}: {v['id']} ({v['impact']}) {v['targets']}"
                                  for name, v in serious)


def fetch_documents(context, base: str, documents, failures: list[str]) -> list[dict]:
    entries = []
    for doc in documents:
        response = context.request.get(f"{base}{doc.path}")
        if response.status != 200:
            failures.append(f"{doc.name}: HTTP {response.status}")
            continue
        data = response.body()
        file = f"{doc.name}.{doc.kind}"
        (OUT / file).write_bytes(data)
        entry = {"name": doc.name, "title": doc.title, "path": doc.path, "file": file}
        if doc.kind == "pdf":
            entry["images"] = [p.name for p in render.pdf_pages(OUT / file, OUT, doc.name)]
            entry["fonts"] = render.pdf_fonts(OUT / file)
            if not entry["images"]:
                failures.append(f"{doc.name}: the PDF has no pages")
        elif doc.kind == "xlsx":
            entry["table"], summary = render.xlsx_html(data)
            if not any(rows > 1 for rows, _cols in summary.values()):
                failures.append(f"{doc.name}: the workbook is empty {summary}")
        else:
            entry["table"], rows = render.csv_html(data)
            if rows < 2:
                failures.append(f"{doc.name}: the CSV is empty")
        entries.append(entry)
    return entries


def fetch_api(context, base: str, answers, token: str, failures: list[str]) -> list[dict]:
    entries = []
    for answer in answers:
        headers = {"Authorization": f"Bearer {token}"} if answer.auth else {}
        response = context.request.get(f"{base}{answer.path}", headers=headers)
        if response.status != 200:
            failures.append(f"{answer.name}: HTTP {response.status}")
            continue
        text = json.dumps(response.json(), ensure_ascii=False, indent=1)
        file = f"{answer.name}.json"
        (OUT / file).write_text(text, encoding="utf-8")
        entries.append({"name": answer.name, "title": answer.title, "path": answer.path, "file": file,
                        "excerpt": "\n".join(text.splitlines()[:40])})
    return entries


# --- keyboard only ------------------------------------------------------------------------------

FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const visible = (node) => { if (!node) return false; const s = getComputedStyle(node);
    return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none'; };
  // The SDG checkboxes draw their focus ring on the tile (label) right after them.
  const shown = visible(el) || (el.classList.contains('sdg-check') && visible(el.nextElementSibling));
  return {tag: el.tagName, id: el.id, name: el.getAttribute('name'), type: el.getAttribute('type'),
          text: (el.innerText || el.value || '').slice(0, 40), visible: shown};
}"""


def tab_to(page, want, seen: list[dict], limit: int = 80, back: bool = False) -> dict:
    """Press Tab (Shift+Tab with ``back``) until the focused element matches ``want``; every stop is recorded."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        focused = page.evaluate(FOCUS_JS)
        if focused:
            seen.append(focused)
            if want(focused):
                return focused
    raise AssertionError(f"Tab never reached the element; stops: {[f['id'] or f['text'] for f in seen[-10:]]}")


def test_keyboard_only_registration(deployment, browser):
    """A group registers with Tab, typing, Space and Enter only, and sees where the focus is at every stop."""
    web = deployment.web(workers=2, env={"GUNICORN_TIMEOUT": "300"})  # see seeded_site
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ko-KR")
    context.set_default_timeout(120_000)
    page = context.new_page()
    seen: list[dict] = []
    try:
        page.goto(f"{web.url}/n/cheongju/register")
        by_id = lambda ident: (lambda f: f["id"] == ident)  # noqa: E731
        tab_to(page, by_id("name"), seen)
        page.keyboard.type("키보드 마을 모임")
        tab_to(page, by_id("kind"), seen)
        before = page.locator("#kind").input_value()
        page.keyboard.press("ArrowDown")
        assert page.locator("#kind").input_value() != before
        tab_to(page, by_id("representative"), seen)
        page.keyboard.type("김키보")
        tab_to(page, by_id("phone"), seen)
        page.keyboard.type("010-2211-3424")
        tab_to(page, by_id("activities"), seen)
        page.keyboard.type("무심천 둔치에서 쓰레기를 줍고 아이들과 하천 생태를 관찰합니다.")
        tab_to(page, lambda f: f["tag"] == "BUTTON", seen)
        page.keyboard.press("Enter")

        page.locator("input[name=goals]").first.wait_for(timeout=400_000)  # the classifier loads once
        for number in (6, 15):
            tab_to(page, by_id(f"goals-{number}"), seen)
            if not page.locator(f"#goals-{number}").is_checked():
                page.keyboard.press("Space")
            assert page.locator(f"#goals-{number}").is_checked()
        tab_to(page, lambda f: f["tag"] == "BUTTON" and f["name"] != "back", seen)
        page.keyboard.press("Enter")

        page.locator("input[name=consent]").wait_for()
        tab_to(page, by_id("signer_name"), seen)
        assert page.locator("#signer_name").input_value() == "김키보"
        tab_to(page, by_id("consent"), seen)
        page.keyboard.press("Space")
        assert page.locator("#consent").is_checked()
        tab_to(page, by_id("signer_name"), seen, back=True)
        page.keyboard.press("Enter")                       # Enter in a text field signs; it does not go back
        page.wait_for_url("**/register/done**")
        assert "키보드 마을 모임" in page.locator("h1").inner_text()
    finally:
        page.screenshot(path=str(ROOT / "test-artifacts" / "keyboard-registration.png"), full_page=True)
        context.close()
    hidden = [f for f in seen if not f["visible"]]
    assert not hidden, f"focus not visible on: {hidden}"
    assert len(seen) >= 10
