"""What each kind of prepared export writes: ``BUILDERS[kind](network, params, fmt, progress)``
returns the file's bytes as an iterator of chunks and reports ``progress(rows_done, rows_total)``.

The organisations export reuses the streamed export's own pieces (``organisations.exports``:
columns, formula-safe rows, sheet layout). The matching ids are read first, then the rows a
thousand ids at a time, each query read to its end: between two slices no cursor is open, so the
builder can commit its progress and chunks (SQLite would refuse a write while a read is open).
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from ..networks.models import Network
from ..organisations import exports
from ..organisations.models import Organisation
from ..organisations.services import OrganisationFilters, filtered_select
from ..extensions import db
from ..spreadsheets import csv_chunks, xlsx_chunks

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


BUILDERS: dict[str, Callable[[Network, Mapping[str, str], str, Progress], Iterator[bytes]]] = {
    "organisations": organisations,
}
