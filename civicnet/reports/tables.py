"""CSV (UTF-8 with BOM, opens in Excel) and XLSX exports of the yearly report."""
from __future__ import annotations

from openpyxl.styles import Font, PatternFill

from ..goals.reference import GOAL_COLOURS
from ..spreadsheets import Sheet, build_workbook, csv_bytes, workbook_bytes
from .data import YearlyReport

TABLES = ("sdgs", "clusters", "participation", "timeline", "actions")


def _rows(report: YearlyReport, table: str) -> list[dict]:
    return {
        "sdgs": report.goal_rows, "clusters": report.cluster_rows, "participation": report.participation_rows,
        "timeline": report.timeline_rows, "actions": report.action_rows,
    }[table]()


_EMPTY_HEADERS = {
    "timeline": ["network", "month", "registrations", "pledges"],
    "actions": ["network", "year", "source", "title", "description", "cluster", "sdgs", "groups"],
    "clusters": ["network", "year", "cluster", "cluster_name_ko", "cluster_name_en", "sdgs", "groups", "pledges"],
}



def _headers(rows: list[dict], table: str) -> list[str]:
    return list(rows[0]) if rows else _EMPTY_HEADERS.get(table, [])


def to_csv(report: YearlyReport, table: str = "sdgs") -> bytes:
    rows = _rows(report, table)
    return csv_bytes(_headers(rows, table), [list(row.values()) for row in rows])


def to_xlsx(report: YearlyReport) -> bytes:
    tables = {table: _rows(report, table) for table in TABLES}
    book = build_workbook(
        Sheet(table, _headers(rows, table), [list(row.values()) for row in rows]) for table, rows in tables.items()
    )
    # The SDG sheet shows each goal's number cell in its official colour.
    sheet = book["sdgs"]
    for r, row in enumerate(tables["sdgs"], start=2):
        sheet.cell(row=r, column=3).fill = PatternFill("solid", fgColor=GOAL_COLOURS[row["sdg"]].lstrip("#"))
        sheet.cell(row=r, column=3).font = Font(bold=True, color="FFFFFF")
    return workbook_bytes(book)
