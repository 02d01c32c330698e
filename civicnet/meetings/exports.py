"""Breakout lists and the reception sign-in sheet: rows for CSV (``spreadsheets.csv_bytes``) and XLSX."""
from __future__ import annotations

from collections.abc import Iterable

from ..spreadsheets import Sheet, xlsx_bytes
from .models import BreakoutTable, Registration

TABLE_HEADERS = ["분야(클러스터)", "테이블", "단체명", "참석 인원", "참석자", "SDGs", "희망 분야", "고정",
                 "접근성 요청", "도착"]
SIGNIN_HEADERS = ["단체명", "참석자", "테이블", "분야(클러스터)", "서명"]


def table_rows(seating: list[tuple[BreakoutTable, list[Registration]]],
               unseated: list[Registration]) -> Iterable[list[object]]:
    """One row per seated group (by cluster, table, name), then groups without a table."""
    def row(table: BreakoutTable | None, r: Registration) -> list[object]:
        return [
            table.cluster.name_ko if table else "", table.shown_number if table else "", r.organisation.name,
            r.attendees, ", ".join(r.attendee_names), ", ".join(str(n) for n in r.organisation.goal_numbers),
            r.preferred_cluster.name_ko if r.preferred_cluster else "", "예" if r.table_locked else "",
            r.accessibility, "도착" if r.checked_in_at else "",
        ]

    for table, members in seating:
        for registration in members:
            yield row(table, registration)
    for registration in unseated:
        yield row(None, registration)


def signin_rows(registrations: Iterable[Registration]) -> list[list[object]]:
    """The reception sign-in sheet: one row per person coming (named, or blank to write in),
    groups sorted by name (Hangul syllable order), with the table number and a signature cell."""
    rows = []
    for r in sorted(registrations, key=lambda r: (r.organisation.name, r.id)):
        names = list(r.attendee_names or [])
        names += [""] * max(0, r.attendees - len(names))
        for name in names:
            rows.append([r.organisation.name, name, r.table.shown_number if r.table else "",
                         r.table.cluster.name_ko if r.table else "", ""])
    return rows


def to_xlsx(headers: list[str], rows: Iterable[list[object]], title: str) -> bytes:
    return xlsx_bytes([Sheet(title, headers, rows, widths={"A": 30, "B": 10, "C": 30, "E": 30, "I": 30})])
