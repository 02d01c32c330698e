"""CSV and XLSX writing shared by every export: opens correctly in Excel, formula-safe."""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Response, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_STARTS)


def safe_cell(value):
    """Neutralise text that a spreadsheet would run as a formula (CSV/formula injection):
    group names and activities are typed by the public. Control characters that a worksheet
    cannot hold (a NUL stored before input was checked) are dropped rather than failing the export."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value[:1] in _FORMULA_FIRST:
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
    """One sheet written with openpyxl's write-only mode (rows go to a temporary file as they come,
    bold frozen header, fixed column widths), then read back in chunks: memory stays flat."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    widths = widths or {}
    for index in range(1, len(headers) + 1):
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = widths.get(letter, default_width)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(row if safe else [safe_cell(v) for v in row])
    with tempfile.TemporaryFile() as out:
        book.save(out)
        out.seek(0)
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
