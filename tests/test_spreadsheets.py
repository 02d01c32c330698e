import io

from openpyxl import load_workbook

from civicnet.spreadsheets import Sheet, csv_bytes, download, xlsx_bytes


def test_csv_is_excel_friendly_and_formula_safe():
    body = csv_bytes(["단체명", "메모"], [["=HYPERLINK(\"x\")", "-1"], ["청주 푸드뱅크", 3]])
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.splitlines()[1] == "\"'=HYPERLINK(\"\"x\"\")\",'-1"
    assert text.endswith("청주 푸드뱅크,3\r\n")


def test_xlsx_has_header_and_neutralised_cells():
    body = xlsx_bytes([Sheet("참여단체", ["단체명", "수"], [["@SUM(A1)", 2]], widths={"A": 30})])
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.title == "참여단체"
    assert [c.value for c in sheet[1]] == ["단체명", "수"] and sheet[1][0].font.bold
    assert [c.value for c in sheet[2]] == ["'@SUM(A1)", 2]
    assert sheet.column_dimensions["A"].width == 30 and sheet.freeze_panes == "A2"


def test_download_keeps_korean_file_names(app):
    response = download(b"x", "text/csv", "청주-참여단체.csv")
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "filename*=UTF-8''%EC%B2%AD%EC%A3%BC" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"


def test_displayed_phones_are_not_quoted_where_no_formula_can_run():
    """The Korean national form never looks like a formula; an international number keeps its
    "+" in a typed XLSX text cell, and only the CSV (which Excel parses) quotes it."""
    rows = [["010-2211-3424", "+1 202-555-0123", "+1 202-555-0123+SUM(A1)", "-1"]]
    text = csv_bytes(["a", "b", "c", "d"], rows).decode("utf-8-sig")
    assert text.splitlines()[1] == "010-2211-3424,'+1 202-555-0123,'+1 202-555-0123+SUM(A1),'-1"
    sheet = load_workbook(io.BytesIO(xlsx_bytes([Sheet("s", ["a", "b", "c", "d"], rows)]))).active
    assert [c.value for c in sheet[2]] == ["010-2211-3424", "+1 202-555-0123", "'+1 202-555-0123+SUM(A1)", "'-1"]
    assert {c.data_type for c in sheet[2]} == {"s"}
