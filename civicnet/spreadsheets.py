"""CSV and XLSX writing shared by every export: opens correctly in Excel, formula-safe."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Response
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection):
    group names and activities are typed by the public. Control characters that a worksheet
    cannot hold (a NUL stored before input was checked) are dropped rather than failing the export."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(_FORMULA_STARTS):
            return "'" + value
    return value


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark and CRLF lines, which Excel needs to show Korean."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]
    # Column letter -> width; columns not named are sized to their content.
    widths: dict[str, int] = field(default_factory=dict)


def build_workbook(sheets: Iterable[Sheet]) -> Workbook:
    """A workbook with one sheet per ``Sheet``: bold frozen header row, sized columns."""
    book = Workbook()
    book.remove(book.active)
    for spec in sheets:
        sheet = book.create_sheet(spec.title[:31])
        sheet.append(list(spec.headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in spec.rows:
            sheet.append([safe_cell(v) for v in row])
        for column in sheet.columns:
            letter = column[0].column_letter
            longest = max((len(str(c.value or "")) for c in column), default=8)
            sheet.column_dimensions[letter].width = spec.widths.get(letter, min(max(10, longest + 2), 60))
        sheet.freeze_panes = "A2"
    return book


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    return workbook_bytes(build_workbook(sheets))


def download(body: bytes, mimetype: str, filename: str) -> Response:
    """An attachment response; Korean file names survive via RFC 5987 ``filename*``."""
    # content_type, not mimetype: Werkzeug would append a second "; charset=utf-8" to text types.
    response = Response(body, content_type=mimetype)
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    # Exports hold personal data: never keep them in shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response
