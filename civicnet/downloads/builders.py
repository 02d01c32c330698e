"""What each kind of prepared export writes: ``BUILDERS[kind](network, params, fmt, progress)``
returns the file's bytes as an iterator of chunks and reports ``progress(rows_done, rows_total)``.

Kinds: ``organisations`` (the groups list, filtered), ``meeting-tables`` and ``meeting-signin``
(a meeting's breakout list and sign-in sheet), ``report-actions`` (the yearly report's joint
actions CSV) and ``report`` (the yearly report workbook). Each reuses its domain's own rows and
layout; only the choice of who builds the file (a web worker or the worker) is made here.

The organisations export reuses the streamed export's own pieces (``organisations.exports``:
columns, formula-safe rows, sheet layout). The matching ids are read first, then the rows a
thousand ids at a time, each query read to its end: between two slices no cursor is open, so the
builder can commit its progress and chunks (SQLite would refuse a write while a read is open).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence

from flask_babel import force_locale

from ..errors import NotFound
from ..extensions import db
from ..meetings import exports as meeting_exports
from ..meetings.models import Meeting
from ..networks.models import Network
from ..organisations import exports
from ..organisations.models import Organisation
from ..organisations.services import OrganisationFilters, filtered_select
from ..spreadsheets import csv_chunks, safe_cell, xlsx_chunks

Progress = Callable[[int, int], None]


def organisations(network: Network, params: Mapping[str, str], fmt: str, progress: Progress) -> Iterator[bytes]:
    stmt = filtered_select(network, OrganisationFilters.from_mapping(params))
    ids = list(db.session.scalars(stmt.with_only_columns(Organisation.id)))
    total = len(ids)
    progress(0, total)
    xlsx = fmt == "xlsx"
    select = exports.export_select(network, stmt)  # built once; each slice only adds its ids

    def batches() -> Iterator[list[list[object]]]:
        for start in range(0, total, exports.BATCH):
            part = select.where(Organisation.id.in_(ids[start:start + exports.BATCH]))
            yield from exports.row_batches(part, typed_text=xlsx)
            progress(min(total, start + exports.BATCH), total)

    if not xlsx:
        return csv_chunks(exports.HEADERS, batches(), safe=True)
    # As the streamed sheet: empty texts become empty cells.
    rows = ([v if v != "" else None for v in row] for batch in batches() for row in batch)
    return xlsx_chunks("참여단체", exports.HEADERS, rows, widths=exports.WIDTHS, safe=True)


def _rows_file(title: str, headers: Sequence[str], rows: list[list[object]], fmt: str, progress: Progress,
               widths: dict[str, int]) -> Iterator[bytes]:
    """A file of ``rows`` (plain values, read before the first progress commit expires any ORM
    object), written and reported a batch at a time."""
    total, xlsx = len(rows), fmt == "xlsx"
    progress(0, total)

    def batches() -> Iterator[list[list[object]]]:
        for start in range(0, total, exports.BATCH):
            yield [[safe_cell(v, typed_text=xlsx) for v in row] for row in rows[start:start + exports.BATCH]]
            progress(min(total, start + exports.BATCH), total)

    if not xlsx:
        return csv_chunks(headers, batches(), safe=True)
    return xlsx_chunks(title, headers, (row for batch in batches() for row in batch), widths=widths, safe=True)


def _meeting(network: Network, params: Mapping[str, str]) -> Meeting:
    meeting = db.session.get(Meeting, int(params.get("meeting") or 0))
    if meeting is None or meeting.network_id != network.id:
        raise NotFound("There is no such meeting.")
    return meeting


def meeting_tables(network: Network, params: Mapping[str, str], fmt: str, progress: Progress) -> Iterator[bytes]:
    cluster_id = int(params["cluster"]) if params.get("cluster") else None
    rows = meeting_exports.tables_export(_meeting(network, params), cluster_id)
    return _rows_file(meeting_exports.TABLES_TITLE, meeting_exports.TABLE_HEADERS, rows, fmt, progress,
                      meeting_exports.WIDTHS)


def meeting_signin(network: Network, params: Mapping[str, str], fmt: str, progress: Progress) -> Iterator[bytes]:
    rows = meeting_exports.signin_export(_meeting(network, params))
    return _rows_file(meeting_exports.SIGNIN_TITLE, meeting_exports.SIGNIN_HEADERS, rows, fmt, progress,
                      meeting_exports.WIDTHS)


def report_actions(network: Network, params: Mapping[str, str], fmt: str, progress: Progress) -> Iterator[bytes]:
    """The report's joint actions table (CSV: stable machine columns, as the streamed one)."""
    from ..reports.data import build_report
    from ..reports.tables import to_csv

    if fmt != "csv":
        raise NotFound("There is no such export.")
    report = build_report(network, int(params["year"]), summary=False)
    body, total = to_csv(report, "actions"), len(report.actions)
    progress(total, total)  # after: a progress commit would expire the report's objects
    return iter([body])


def report(network: Network, params: Mapping[str, str], fmt: str, progress: Progress) -> Iterator[bytes]:
    """The yearly report workbook for people, in the language it was asked in (``lang``)."""
    from ..reports.data import build_report
    from ..reports.tables import to_xlsx

    if fmt != "xlsx":
        raise NotFound("There is no such export.")
    with force_locale(params.get("report_lang", "ko")):
        built = build_report(network, int(params["year"]), summary=False)
        body, total = to_xlsx(built, params.get("report_lang", "ko")), len(built.actions)
    progress(total, total)
    return iter([body])


BUILDERS: dict[str, Callable[[Network, Mapping[str, str], str, Progress], Iterator[bytes]]] = {
    "organisations": organisations,
    "meeting-tables": meeting_tables,
    "meeting-signin": meeting_signin,
    "report-actions": report_actions,
    "report": report,
}
