"""CSV (UTF-8 with BOM, opens in Excel) and XLSX exports of the yearly report."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

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


def _safe(value):
    """Neutralise spreadsheet formulas in text cells (CSV/formula injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def to_csv(report: YearlyReport, table: str = "sdgs") -> bytes:
    rows = _rows(report, table)
    headers = list(rows[0]) if rows else _EMPTY_HEADERS.get(table, [])
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headers, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _safe(v) for k, v in row.items()})
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(report: YearlyReport) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in TABLES:
        sheet = workbook.create_sheet(table)
        rows = _rows(report, table)
        headers = list(rows[0]) if rows else _EMPTY_HEADERS.get(table, [])
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_safe(v) for v in row.values()])
        if table == "sdgs":
            from ..goals.reference import GOAL_COLOURS

            for r, row in enumerate(rows, start=2):
                colour = GOAL_COLOURS[row["sdg"]].lstrip("#")
                sheet.cell(row=r, column=3).fill = PatternFill("solid", fgColor=colour)
                sheet.cell(row=r, column=3).font = Font(bold=True, color="FFFFFF")
        for column in sheet.columns:
            width = max((len(str(c.value or "")) for c in column), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 60)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
