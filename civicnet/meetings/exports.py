"""Breakout lists and the reception sign-in sheet: rows for CSV (``spreadsheets.csv_bytes``) and XLSX.

A meeting with more rows than ``EXPORT_WORKER_THRESHOLD`` (a federation's assembly) is exported
by the worker instead (``downloads``, kinds ``meeting-tables`` and ``meeting-signin``), from the
same rows built here; ``row_count`` tells the view which way to go without loading the rows.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..extensions import db
from ..spreadsheets import Sheet, xlsx_bytes
from . import breakouts, services
from .models import BreakoutTable, Meeting, Registration, RegistrationStatus

TABLE_HEADERS = ["분야(클러스터)", "테이블", "단체명", "참석 인원", "참석자", "SDGs", "희망 분야", "고정",
                 "접근성 요청", "도착"]
SIGNIN_HEADERS = ["단체명", "참석자", "테이블", "분야(클러스터)", "서명"]
WIDTHS = {"A": 30, "B": 10, "C": 30, "E": 30, "I": 30}
TABLES_TITLE, SIGNIN_TITLE = "분야별 모임", "접수 명단"


def row_count(meeting: Meeting, *, people: bool = False) -> int:
    """Rows of the breakout list (confirmed registrations) or, with ``people``, of the sign-in
    sheet (one per person coming), counted in the database."""
    column = sa.func.coalesce(sa.func.sum(Registration.attendees), 0) if people else sa.func.count()
    return db.session.scalar(sa.select(column).where(
        Registration.meeting_id == meeting.id, Registration.status == RegistrationStatus.CONFIRMED)) or 0


def tables_export(meeting: Meeting, cluster_id: int | None = None) -> list[list[object]]:
    """The breakout list's rows: every table with people (of one cluster, or all and then the
    groups without a table)."""
    seating, unseated = breakouts.seating(meeting)
    seating = [(t, m) for t, m in seating if m and (not cluster_id or t.cluster_id == cluster_id)]
    return list(table_rows(seating, [] if cluster_id else unseated))


def signin_export(meeting: Meeting) -> list[list[object]]:
    return signin_rows(services.registrations(meeting, status=RegistrationStatus.CONFIRMED))


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
    return xlsx_bytes([Sheet(title, headers, rows, widths=WIDTHS)])
