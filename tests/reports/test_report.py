"""The yearly report: PDF, CSV and XLSX carry the same counts as the database."""
import csv
import io

import pytest
from openpyxl import load_workbook

from tests.builders import login, make_user
from tests.pdfcheck import assert_fonts_embedded, pdf_text
from tests.dashboard.scenario import expected


def _csv(client, network, table="sdgs", year=2024):
    response = client.get(f"/o/{network.slug}/reports/{year}.csv?table={table}")
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())
    assert response.headers["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_sdg_csv_has_one_row_per_goal_with_counted_numbers(client, network, scenario, organiser):
    login(client, organiser)
    rows = _csv(client, network)
    want = expected(network, year=2024)
    assert [int(r["sdg"]) for r in rows] == list(range(1, 18))
    for row in rows:
        n = int(row["sdg"])
        assert int(row["groups"]) == want["goal_groups"][n]
        assert int(row["pledges"]) == want["goal_pledges"][n]
        assert row["gap"] == ("yes" if n in want["gaps"] else "no")
        assert float(row["share_of_groups_pct"]) == round(100 * want["goal_groups"][n] / want["groups"], 1)
        assert row["year"] == "2024" and row["network"] == network.slug
    assert rows[5]["sdg_name_ko"] and rows[5]["sdg_name_en"] == "Clean water and sanitation" or rows[5]["sdg_name_en"]
    assert rows[11]["clusters"].split() == [c.key for c in network.clusters if 12 in c.goal_numbers]


def test_other_csv_tables(client, network, scenario, organiser):
    login(client, organiser)
    want = expected(network, year=2024)
    clusters = {r["cluster"]: (int(r["groups"]), int(r["pledges"])) for r in _csv(client, network, "clusters")}
    assert clusters == want["clusters"]
    participation = {(r["measure"], r["kind"]): int(r["value"]) for r in _csv(client, network, "participation")}
    assert participation[("groups", "")] == want["groups"]
    assert participation[("pledges", "")] == want["pledges"]
    assert {k: v for (m, k), v in participation.items() if m == "groups_by_kind"} == dict(want["kinds"])
    timeline = _csv(client, network, "timeline")
    assert sum(int(r["registrations"]) for r in timeline) == want["groups"]
    assert sum(int(r["pledges"]) for r in timeline) == want["pledges"]
    actions = _csv(client, network, "actions")
    titles = {r["title"] for r in actions}
    assert "무심천 함께 줍깅" in titles
    assert "'=HYPERLINK(\"x\")" in titles  # formulas are neutralised
    assert client.get(f"/o/{network.slug}/reports/2024.csv?table=secrets").status_code == 404


XLSX_WORDS = {
    "ko": (["SDGs", "분야", "참여 현황", "월별", "공동 실천 행동"],
           ["SDG", "목표", "단체", "협약", "단체 비율", "공백(참여 단체가 가장 적음)", "분야"], "예", "깨끗한 물과 위생 보장"),
    "en": (["SDGs", "Clusters", "Participation", "By month", "Joint actions"],
           ["SDG", "Goal", "Groups", "Pledges", "Share of groups", "Gap (fewest groups)", "Clusters"], "Yes",
           "Clean water and sanitation"),
}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_xlsx_workbook_speaks_the_readers_language(client, network, scenario, organiser, lang):
    login(client, organiser)
    response = client.get(f"/o/{network.slug}/reports/2024.xlsx?lang={lang}")
    assert response.status_code == 200
    assert f"report-2024-{lang}.xlsx" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    sheets, headers, yes, sdg6 = XLSX_WORDS[lang]
    assert book.sheetnames == sheets
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == headers
    want = expected(network, year=2024)
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert {r[0]: (r[2], r[3]) for r in rows} == {
        n: (want["goal_groups"][n], want["goal_pledges"][n]) for n in range(1, 18)}
    assert rows[5][1] == sdg6
    for r in rows:  # the share is a number shown as a percentage; the gap a word, never yes/no codes
        assert r[4] == pytest.approx(want["goal_groups"][r[0]] / want["groups"])
        assert r[5] == (yes if r[0] in want["gaps"] else None)
    assert {sheet.cell(row=i, column=5).number_format for i in range(2, 19)} == {"0.0%"}
    assert sheet.cell(row=7, column=1).fill.fgColor.rgb.endswith("26BDE2")  # SDG 6 in its colour
    every = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    for code in ("share_of_groups_pct", "sdg_name_ko", "groups_by_kind", "sdgs_covered", "yes", "no", "meeting"):
        assert code not in every, code
    assert all(not v.startswith("=") for v in every)
    clusters = {r[0].value: r[2].value for r in book.worksheets[1].iter_rows(min_row=2)}
    assert clusters[network.clusters[0].name(lang)] == want["clusters"][network.clusters[0].key][0]


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_pdf_is_a4_with_korean_font(client, network, scenario, organiser, lang):
    login(client, organiser)
    response = client.get(f"/o/{network.slug}/reports/2024.pdf?lang={lang}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    fonts = assert_fonts_embedded(response.data)
    assert {f["name"].split("+")[-1] for f in fonts} == {"NanumGothic"}
    assert network.name(lang) in pdf_text(response.data)
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in response.data  # A4
    assert f"report-2024-{lang}.pdf" in response.headers["Content-Disposition"]


@pytest.mark.parametrize("lang,title", [("ko", "연간 보고서"), ("en", "Yearly report")])
def test_report_page(client, network, scenario, organiser, lang, title):
    login(client, organiser)
    html = client.get(f"/o/{network.slug}/reports/?year=2023&lang={lang}").get_data(as_text=True)
    want = expected(network, year=2023)
    assert title in html
    assert f'<strong id="total-groups">{want["groups"]}</strong>' in html
    assert "/reports/2023.pdf" in html and "/reports/2023.xlsx" in html


def test_organisers_of_other_networks_get_404(client, network, scenario):
    login(client, make_user(scenario["other_network"], "admin"))
    for path in ("reports/", "reports/2024.pdf", "reports/2024.csv", "reports/2024.xlsx"):
        assert client.get(f"/o/{network.slug}/{path}").status_code == 404, path


def test_absurd_year_is_404(client, network, organiser):
    login(client, organiser)
    assert client.get(f"/o/{network.slug}/reports/99999.pdf").status_code == 404


@pytest.mark.parametrize("lang,stamp", [("ko", "작성 시각"), ("en", "Generated")])
def test_pdf_says_when_in_local_time(client, network, scenario, organiser, lang, stamp, tmp_path, monkeypatch):
    import subprocess
    from datetime import datetime

    from civicnet.reports import data

    monkeypatch.setattr(data, "utcnow", lambda: datetime(2026, 11, 29, 18, 5))  # 03:05 next day in Seoul
    login(client, organiser)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(client.get(f"/o/{network.slug}/reports/2024.pdf?lang={lang}").data)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    text = " ".join(text.split())
    assert stamp in text and "UTC" not in text
    assert ("2026년 11월 30일 03:05 (대한민국 시간)" if lang == "ko" else "Nov 30, 2026 03:05 (Korean Time)") in text


def test_report_offers_every_year_with_data_and_the_current_one(client, network, scenario, organiser):
    from civicnet.reports.data import report_years
    from civicnet.timeutil import local_today

    this_year = local_today().year
    years = report_years(network)
    # Pledges of 2024, groups registered from 2022 (the farm), and the current edition.
    assert years[0] == this_year and {2024, 2023, 2022} <= set(years) and years == sorted(years, reverse=True)
    login(client, organiser)
    html = client.get(f"/o/{network.slug}/reports/").get_data(as_text=True)
    assert f'<option value="{this_year}" selected>' in html and '<option value="2022"' in html
    assert f"/reports/{this_year}.pdf" in html  # the page opens on the current edition
