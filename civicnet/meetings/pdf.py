"""Printable A4 PDFs in Korean: one page per breakout table, and the reception sign-in sheet.

Korean text uses ReportLab's built-in CID font HYGothic-Medium (no font file, no network; PDF
viewers supply the glyphs). Set ``CIVICNET_PDF_FONT`` to a Korean TrueType file (e.g. Noto Sans KR)
to embed it instead. SDGs are drawn as squares in the official UN colours with their number.
"""
from __future__ import annotations

import io
import os
from datetime import datetime

from reportlab.lib.colors import HexColor, black, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from ..goals.reference import GOAL_COLOURS
from ..timeutil import to_local
from .models import BreakoutTable, JointAction, Meeting, Registration

FONT = "HYGothic-Medium"
WIDTH, HEIGHT = A4
MARGIN = 18 * mm
_registered = False


def _font() -> str:
    global _registered, FONT
    if not _registered:
        path = os.environ.get("CIVICNET_PDF_FONT")
        if path and os.path.isfile(path):
            pdfmetrics.registerFont(TTFont("CivicNetKorean", path))
            FONT = "CivicNetKorean"
        else:
            pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _fit(text: str, size: float, width: float) -> str:
    """Cut ``text`` with an ellipsis so it fits ``width`` points."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def _goal_chips(canvas: Canvas, goals: list[int], x: float, y: float, size: float = 6 * mm) -> float:
    for number in goals:
        canvas.setFillColor(HexColor(GOAL_COLOURS[number]))
        canvas.rect(x, y, size, size, stroke=0, fill=1)
        canvas.setFillColor(white)
        canvas.setFont(FONT, size * 0.55)
        canvas.drawCentredString(x + size / 2, y + size * 0.3, str(number))
        x += size + 1.2 * mm
    canvas.setFillColor(black)
    return x


def _when(meeting: Meeting) -> str:

    start, end = to_local(meeting.starts_at), to_local(meeting.ends_at)
    return f"{start:%Y-%m-%d %H:%M}–{end:%H:%M} · {meeting.venue_ko}"


def _table_page(canvas: Canvas, meeting: Meeting, table: BreakoutTable, members: list[Registration],
                action: JointAction | None) -> None:
    cluster = table.cluster
    goals = cluster.goal_numbers
    band = HexColor(GOAL_COLOURS[goals[0]]) if goals else HexColor("#00689D")
    canvas.setFillColor(band)
    canvas.rect(0, HEIGHT - 30 * mm, WIDTH, 30 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(FONT, 11)
    canvas.drawString(MARGIN, HEIGHT - 10 * mm, _fit(meeting.title_ko, 11, WIDTH - 2 * MARGIN))
    canvas.setFont(FONT, 20)
    canvas.drawString(MARGIN, HEIGHT - 21 * mm, _fit(cluster.name_ko, 20, WIDTH - 2 * MARGIN - 40 * mm))
    canvas.setFont(FONT, 28)
    canvas.drawRightString(WIDTH - MARGIN, HEIGHT - 22 * mm, f"{table.number}번")
    canvas.setFillColor(black)
    canvas.setFont(FONT, 10)
    y = HEIGHT - 38 * mm
    canvas.drawString(MARGIN, y, _when(meeting))
    y -= 10 * mm
    canvas.drawString(MARGIN, y + 1.5 * mm, "분야 SDGs")
    _goal_chips(canvas, goals, MARGIN + 22 * mm, y)
    people = sum(r.attendees for r in members)
    canvas.drawRightString(WIDTH - MARGIN, y + 1.5 * mm, f"{len(members)}개 단체 · {people}/{table.seats}명")
    y -= 10 * mm
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, y, "단체명")
    canvas.drawString(MARGIN + 80 * mm, y, "참석자")
    canvas.drawString(MARGIN + 125 * mm, y, "SDGs")
    canvas.line(MARGIN, y - 2 * mm, WIDTH - MARGIN, y - 2 * mm)
    y -= 9 * mm
    for registration in members:
        if y < 60 * mm:
            canvas.setFont(FONT, 9)
            canvas.drawString(MARGIN, y, f"… 외 {len(members) - members.index(registration)}개 단체")
            break
        canvas.setFont(FONT, 11)
        canvas.drawString(MARGIN, y, _fit(registration.organisation.name, 11, 78 * mm))
        canvas.setFont(FONT, 9)
        names = ", ".join(registration.attendee_names) or f"{registration.attendees}명"
        canvas.drawString(MARGIN + 80 * mm, y, _fit(names, 9, 43 * mm))
        _goal_chips(canvas, registration.organisation.goal_numbers[:6], MARGIN + 125 * mm, y - 1.5 * mm, 5 * mm)
        y -= 9 * mm
    # The bottom of the page is for the table's joint action (filled in by hand if not yet recorded).
    canvas.setFont(FONT, 12)
    canvas.drawString(MARGIN, 48 * mm, "올해 공동 실천 행동")
    canvas.rect(MARGIN, 14 * mm, WIDTH - 2 * MARGIN, 30 * mm, stroke=1, fill=0)
    if action is not None:
        canvas.setFont(FONT, 11)
        canvas.drawString(MARGIN + 3 * mm, 36 * mm, _fit(action.title, 11, WIDTH - 2 * MARGIN - 6 * mm))
        _goal_chips(canvas, [g.number for g in action.goals], MARGIN + 3 * mm, 26 * mm, 5 * mm)
    canvas.showPage()


def tables_pdf(meeting: Meeting, seating: list[tuple[BreakoutTable, list[Registration]]],
               actions: dict[int, JointAction] | None = None) -> bytes:
    """One A4 page per table (all tables, or the tables of one cluster if ``seating`` is filtered)."""
    _font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{meeting.title_ko} — 분야별 모임")
    for table, members in seating:
        _table_page(canvas, meeting, table, members, (actions or {}).get(table.id))
    if not seating:
        canvas.setFont(FONT, 12)
        canvas.drawString(MARGIN, HEIGHT - MARGIN, "배정된 테이블이 없습니다.")
        canvas.showPage()
    canvas.save()
    return out.getvalue()


def signin_pdf(meeting: Meeting, rows: list[list[object]], printed_at: datetime | None = None) -> bytes:
    """The reception sign-in sheet (rows from ``exports.signin_rows``), 25 lines per A4 page."""
    _font()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"{meeting.title_ko} — 접수 명단")
    per_page = 25
    pages = max(1, -(-len(rows) // per_page))
    columns = [(MARGIN, "단체명", 62 * mm), (MARGIN + 64 * mm, "참석자", 44 * mm),
               (MARGIN + 110 * mm, "인원", 10 * mm), (MARGIN + 122 * mm, "테이블", 18 * mm),
               (MARGIN + 142 * mm, "서명", 30 * mm)]
    for page in range(pages):
        canvas.setFont(FONT, 14)
        canvas.drawString(MARGIN, HEIGHT - MARGIN, _fit(f"{meeting.title_ko} 접수 명단", 14, WIDTH - 2 * MARGIN))
        canvas.setFont(FONT, 9)
        canvas.drawString(MARGIN, HEIGHT - MARGIN - 6 * mm, _when(meeting))
        canvas.drawRightString(WIDTH - MARGIN, HEIGHT - MARGIN - 6 * mm, f"{page + 1}/{pages}")
        y = HEIGHT - MARGIN - 16 * mm
        for x, title, _width in columns:
            canvas.drawString(x, y, title)
        canvas.line(MARGIN, y - 2 * mm, WIDTH - MARGIN, y - 2 * mm)
        y -= 9 * mm
        for row in rows[page * per_page:(page + 1) * per_page]:
            name, names, people, cluster, number, _sign = row
            values = [str(name), str(names), str(people), f"{cluster[:6]} {number}".strip(), ""]
            for (x, _title, width), value in zip(columns, values, strict=True):
                canvas.setFont(FONT, 10 if x == MARGIN else 9)
                canvas.drawString(x, y, _fit(value, 10 if x == MARGIN else 9, width))
            canvas.line(MARGIN, y - 3 * mm, WIDTH - MARGIN, y - 3 * mm)
            y -= 9 * mm
        canvas.showPage()
    canvas.save()
    return out.getvalue()
