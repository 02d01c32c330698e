"""CSV and XLSX writing shared by every export: opens correctly in Excel, formula-safe."""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import quote

import xlsxwriter
from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_STARTS)
# An international phone number as displayed ("+1 202-555-0123"): no function, no reference.
_PHONE_TEXT = re.compile(r"^\+\d[\d ()-]{3,30}$")


def safe_cell(value, *, typed_text: bool = False):
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection):
    group names and activities are typed by the public. Control characters that a worksheet
    cannot hold (a NUL stored before input was checked) are dropped rather than failing the export.
    ``typed_text``: the cell is stored as a text cell (XLSX), which Excel never evaluates, so a
    displayed phone number keeps its "+"."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in _FORMULA_FIRST:
            if typed_text and _PHONE_TEXT.match(value):
                return value
            return "'" + value
    return value


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte-order mark and CRLF lines, which Excel needs to show Korean."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_chunks(headers: Sequence[str], row_batches: Iterable[Iterable[Sequence[object]]], *,
               safe: bool = False) -> Iterator[bytes]:
    """``csv_bytes`` as a stream: the BOM and header, then one encoded chunk per batch of rows, so
    memory holds one batch at a time however many rows there are. ``safe``: the caller already
    passed every typed text through ``safe_cell``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    yield ("\ufeff" + buffer.getvalue()).encode("utf-8")
    for batch in row_batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(batch if safe else ([safe_cell(v) for v in row] for row in batch))
        yield buffer.getvalue().encode("utf-8")


STREAM_CHUNK = 64 * 1024


def xlsx_chunks(title: str, headers: Sequence[str], rows: Iterable[Sequence[object]],
                widths: dict[str, int] | None = None, default_width: int = 12, *, safe: bool = False) -> Iterator[bytes]:
    """One sheet (bold frozen header, fixed column widths) written by XlsxWriter in constant-memory
    mode — each row goes to a temporary file as it comes, about twice as fast as openpyxl's
    write-only mode — then read back in chunks: memory stays flat however many rows.

    Values are written as they are: texts as text cells, never as formulas, links or numbers
    (``safe_cell`` has neutralised them already), numbers as numbers, None as no cell."""
    widths = widths or {}
    with tempfile.TemporaryDirectory(prefix="civicnet-xlsx-") as tmp:
        path = os.path.join(tmp, "export.xlsx")
        book = xlsxwriter.Workbook(path, {"constant_memory": True, "tmpdir": tmp, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False})
        sheet = book.add_worksheet(title[:31])
        for index in range(len(headers)):
            sheet.set_column(index, index, widths.get(_column_letter(index + 1), default_width))
        sheet.freeze_panes(1, 0)
        sheet.write_row(0, 0, list(headers), book.add_format({"bold": True}))
        date_format = book.add_format({"num_format": "yyyy-mm-dd"})
        write_string, write_number = sheet.write_string, sheet.write_number
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row if safe else [safe_cell(v) for v in row]):
                if value is None:
                    continue
                if isinstance(value, str):
                    write_string(r, c, value)
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    write_number(r, c, value)
                elif isinstance(value, (date, datetime)):
                    sheet.write_datetime(r, c, value, date_format)
                else:
                    sheet.write(r, c, value)
        book.close()
        with open(path, "rb") as out:
            while chunk := out.read(STREAM_CHUNK):
                yield chunk


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


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
            sheet.append([safe_cell(v, typed_text=True) for v in row])
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


def download(body: bytes | Iterable[bytes], mimetype: str, filename: str) -> Response:
    """An attachment response; Korean file names survive via RFC 5987 ``filename*``.

    ``body`` may be an iterable of chunks (``csv_chunks``, ``xlsx_chunks``): it is streamed with
    the request context kept open, so a large export never sits whole in memory."""
    if not isinstance(body, (bytes, bytearray)):
        body = stream_with_context(body)
    # content_type, not mimetype: Werkzeug would append a second "; charset=utf-8" to text types.
    response = Response(body, content_type=mimetype)
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    )
    # Exports hold personal data: never keep them in shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response
