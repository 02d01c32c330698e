"""Printable A4 PDFs for the day: the table plan, name tags, table tent cards, the sign-in sheet.

Korean text is set in NanumGothic, embedded (``civicnet.pdfs``). Only used tables are printed (a
spare table has no number). SDGs are drawn as squares in the official UN colours with their
number; each cluster has a colour of its own (``cluster_colour``) shared by its tags and tents.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from babel.dates import format_datetime
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from ..goals.reference import GOAL_COLOURS
from ..pdfs import FONT, fit_text, new_canvas, register_fonts, wrap_text
from ..timeutil import to_local
from .breakouts import Plan, TableMix
from .models import BreakoutTable, JointAction, Meeting

WIDTH, HEIGHT = A4
MARGIN = 18 * mm
# One colour per cluster (by its position in the network), distinct from each other and dark
# enough for white text (WCAG AA at large sizes).
CLUSTER_COLOURS = ["#0B5E8E", "#2E7D32", "#B34700", "#8E2463", "#5B3F99", "#00695C", "#8A6100", "#4E5B66"]
GOAL_DARK_TEXT = {2, 3, 7, 11, 15}  # light SDG tiles take dark numbers (contrast)


def cluster_colour(table: BreakoutTable) -> Color:
    return HexColor(CLUSTER_COLOURS[table.cluster.position % len(CLUSTER_COLOURS)])


def _goal_chips(canvas: Canvas, goals: list[int], x: float, y: float, size: float = 6 * mm) -> float:
    for number in goals:
        canvas.setFillColor(HexColor(GOAL_COLOURS[number]))
        canvas.rect(x, y, size, size, stroke=0, fill=1)
        canvas.setFillColor(black if number in GOAL_DARK_TEXT else white)
        canvas.setFont(FONT, size * 0.55)
        canvas.drawCentredString(x + size / 2, y + size * 0.3, str(number))
        x += size + 1.2 * mm
    canvas.setFillColor(black)
    return x


def _when(meeting: Meeting) -> str:
    start = format_datetime(to_local(meeting.starts_at), "yyyy년 M월 d일 (E) HH:mm", locale="ko")
    end = format_datetime(to_local(meeting.ends_at), "HH:mm", locale="ko")
    return f"{start}–{end} · {meeting.venue_ko}"


def _table_name(mix: TableMix) -> str:
    name = mix.table.cluster.name_ko
    if mix.guests:
        name += " + " + ", ".join(c.name_ko for c in mix.guests)
    return name


def _empty(canvas: Canvas, text: str) -> None:
    canvas.setFont(FONT, 12)
    canvas.drawString(MARGIN, HEIGHT - MARGIN, text)
    canvas.showPage()


# --- the organiser's table plan --------------------------------------------------------------

def _overview(canvas: Canvas, meeting: Meeting, plan: Plan) -> None:
    canvas.setFont(FONT, 16)
    canvas.drawString(MARGIN, HEIGHT - MARGIN, fit_text(f"{meeting.title_ko} — 테이블 배치", 16, WIDTH - 2 * MARGIN))
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, HEIGHT - MARGIN - 6 * mm, _when(meeting))
    canvas.drawString(MARGIN, HEIGHT - MARGIN - 11 * mm,
                      f"{plan.groups}개 단체 {plan.people}명 · 테이블 {len(plan.tables)}개 · "
                      f"테이블마다 {plan.min_groups}–{plan.max_groups}개 단체, {plan.min_people}–{plan.max_people}명")
    y = HEIGHT - MARGIN - 20 * mm
    for mix in plan.tables:
        lines = max(1, -(-len(mix.members) // 2))
        if y - (8 + 5 * lines) * mm < MARGIN:
            canvas.showPage()
            y = HEIGHT - MARGIN
        canvas.setFillColor(cluster_colour(mix.table))
        canvas.rect(MARGIN, y - 6 * mm, 14 * mm, 7 * mm, stroke=0, fill=1)
        canvas.setFillColor(white)
        canvas.setFont(FONT, 12)
        canvas.drawCentredString(MARGIN + 7 * mm, y - 4 * mm, str(mix.table.shown_number))
        canvas.setFillColor(black)
        canvas.setFont(FONT, 10)
        canvas.drawString(MARGIN + 17 * mm, y - 4 * mm,
                          fit_text(f"{_table_name(mix)} · {len(mix.members)}개 단체 {mix.people}명", 10, 150 * mm))
        canvas.setFont(FONT, 8.5)
        for n, r in enumerate(mix.members):
            col, row = n % 2, n // 2
            canvas.drawString(MARGIN + 17 * mm + col * 78 * mm, y - (9 + 4.5 * row) * mm,
                              fit_text(f"{r.organisation.name} ({r.attendees})", 8.5, 75 * mm))
        y -= (12 + 4.5 * lines) * mm
    canvas.showPage()


def _table_page(canvas: Canvas, meeting: Meeting, mix: TableMix, action: JointAction | None) -> None:
    table, members = mix.table, mix.members
    canvas.setFillColor(cluster_colour(table))
    canvas.rect(0, HEIGHT - 30 * mm, WIDTH, 30 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(FONT, 11)
    canvas.drawString(MARGIN, HEIGHT - 10 * mm, fit_text(meeting.title_ko, 11, WIDTH - 2 * MARGIN - 40 * mm))
    canvas.setFont(FONT, 18)
    canvas.drawString(MARGIN, HEIGHT - 21 * mm, fit_text(_table_name(mix), 18, WIDTH - 2 * MARGIN - 45 * mm))
    canvas.setFont(FONT, 28)
    canvas.drawRightString(WIDTH - MARGIN, HEIGHT - 22 * mm, f"{table.shown_number}번 테이블")
    canvas.setFillColor(black)
    canvas.setFont(FONT, 10)
    y = HEIGHT - 38 * mm
    canvas.drawString(MARGIN, y, _when(meeting))
    y -= 10 * mm
    canvas.drawString(MARGIN, y + 1.5 * mm, "분야 SDGs")
    _goal_chips(canvas, table.cluster.goal_numbers, MARGIN + 22 * mm, y)
    canvas.drawRightString(WIDTH - MARGIN, y + 1.5 * mm, f"{len(members)}개 단체 · {mix.people}/{table.seats}명")
    y -= 10 * mm
    canvas.setFont(FONT, 9)
    canvas.drawString(MARGIN, y, "단체명")
    canvas.drawString(MARGIN + 80 * mm, y, "참석자")
    canvas.drawString(MARGIN + 125 * mm, y, "SDGs")
    canvas.line(MARGIN, y - 2 * mm, WIDTH - MARGIN, y - 2 * mm)
    y -= 9 * mm
    for n, registration in enumerate(members):
        if y < 60 * mm:
            canvas.setFont(FONT, 9)
            canvas.drawString(MARGIN, y, f"… 외 {len(members) - n}개 단체")
            break
        canvas.setFont(FONT, 11)
        canvas.drawString(MARGIN, y, fit_text(registration.organisation.name, 11, 78 * mm))
        canvas.setFont(FONT, 9)
        names = ", ".join(registration.attendee_names) or f"{registration.attendees}명"
        canvas.drawString(MARGIN + 80 * mm, y, fit_text(names, 9, 43 * mm))
        _goal_chips(canvas, registration.organisation.goal_numbers[:6], MARGIN + 125 * mm, y - 1.5 * mm, 5 * mm)
        y -= 9 * mm
    # The bottom of the page is for the table's joint action (filled in by hand if not yet recorded).
    canvas.setFont(FONT, 12)
    canvas.drawString(MARGIN, 48 * mm, "올해 공동 실천 행동")
    canvas.rect(MARGIN, 14 * mm, WIDTH - 2 * MARGIN, 30 * mm, stroke=1, fill=0)
    if action is not None:
        canvas.setFont(FONT, 11)
        canvas.drawString(MARGIN + 3 * mm, 36 * mm, fit_text(action.title, 11, WIDTH - 2 * MARGIN - 6 * mm))
        _goal_chips(canvas, [g.number for g in action.goals], MARGIN + 3 * mm, 26 * mm, 5 * mm)
    canvas.showPage()


def tables_pdf(meeting: Meeting, plan: Plan, actions: dict[int, JointAction] | None = None,
               *, overview: bool = True) -> bytes:
    """The organiser's table plan: an overview of every used table, then one A4 page per table
    (spare tables are not printed)."""
    out = io.BytesIO()
    canvas = new_canvas(out, title=f"{meeting.title_ko} — 분야별 모임 테이블 배치")
    if not plan.tables:
        _empty(canvas, "배정된 테이블이 없습니다.")
    else:
        if overview:
            _overview(canvas, meeting, plan)
        for mix in plan.tables:
            _table_page(canvas, meeting, mix, (actions or {}).get(mix.table.id))
    canvas.save()
    return out.getvalue()


# --- name tags -------------------------------------------------------------------------------

@dataclass(frozen=True)
class NameTag:
    name: str            # the person, or empty (written by hand)
    group: str
    table: BreakoutTable | None
    qr: str              # what the QR code carries (the registration's check-in page)


TAG_W, TAG_H = 86 * mm, 54 * mm     # 2 x 5 labels on A4 (common label sheets)
TAG_COLS, TAG_ROWS = 2, 5
TAG_X0 = (WIDTH - TAG_COLS * TAG_W) / 2
TAG_Y0 = (HEIGHT - TAG_ROWS * TAG_H) / 2


def _qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    widget = QrCodeWidget(data, barBorder=1)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0],
                      initialFontName=FONT)
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _name_tag(canvas: Canvas, meeting: Meeting, tag: NameTag, x: float, y: float) -> None:
    band = cluster_colour(tag.table) if tag.table else HexColor("#4E5B66")
    canvas.setStrokeColor(HexColor("#B0B8C0"))
    canvas.setLineWidth(0.3)
    canvas.rect(x, y, TAG_W, TAG_H, stroke=1, fill=0)  # cutting guide
    canvas.setFillColor(band)
    canvas.rect(x, y + TAG_H - 11 * mm, TAG_W, 11 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(FONT, 7.5)
    canvas.drawString(x + 4 * mm, y + TAG_H - 4.5 * mm, fit_text(meeting.title_ko, 7.5, TAG_W - 30 * mm))
    if tag.table:
        canvas.setFont(FONT, 8.5)
        canvas.drawString(x + 4 * mm, y + TAG_H - 9 * mm, fit_text(tag.table.cluster.name_ko, 8.5, TAG_W - 30 * mm))
        canvas.setFont(FONT, 16)
        canvas.drawRightString(x + TAG_W - 4 * mm, y + TAG_H - 8.5 * mm, f"{tag.table.shown_number}번")
    canvas.setFillColor(black)
    name = tag.name or ""
    canvas.setFont(FONT, 20)
    canvas.drawString(x + 4 * mm, y + TAG_H - 23 * mm, fit_text(name, 20, TAG_W - 30 * mm))
    if not name:
        canvas.line(x + 4 * mm, y + TAG_H - 24 * mm, x + TAG_W - 30 * mm, y + TAG_H - 24 * mm)
    for n, line in enumerate(wrap_text(tag.group, 10, TAG_W - 32 * mm, max_lines=2)):
        canvas.setFont(FONT, 10)
        canvas.drawString(x + 4 * mm, y + TAG_H - 31 * mm - n * 4.5 * mm, line)
    canvas.setFont(FONT, 8)
    table_text = f"테이블 {tag.table.shown_number}" if tag.table else "테이블 미정"
    canvas.drawString(x + 4 * mm, y + 4 * mm, table_text)
    _qr(canvas, tag.qr, x + TAG_W - 24 * mm, y + 3 * mm, 21 * mm)


def nametags_pdf(meeting: Meeting, tags: list[NameTag]) -> bytes:
    """A4 label sheets, 2 x 5 tags of 86 x 54 mm: name, group, table number, cluster colour, QR."""
    out = io.BytesIO()
    canvas = new_canvas(out, title=f"{meeting.title_ko} — 이름표")
    per_page = TAG_COLS * TAG_ROWS
    if not tags:
        _empty(canvas, "이름표를 만들 참가자가 없습니다.")
    for start in range(0, len(tags), per_page):
        for n, tag in enumerate(tags[start:start + per_page]):
            col, row = n % TAG_COLS, n // TAG_COLS
            _name_tag(canvas, meeting, tag, TAG_X0 + col * TAG_W, TAG_Y0 + (TAG_ROWS - 1 - row) * TAG_H)
        canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- table tent cards ------------------------------------------------------------------------

def _tent_half(canvas: Canvas, meeting: Meeting, mix: TableMix, width: float, height: float) -> None:
    """One face of a tent card, drawn in a box of ``width`` x ``height`` at the origin."""
    table = mix.table
    canvas.setFillColor(cluster_colour(table))
    canvas.rect(0, height - 16 * mm, width, 16 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(FONT, 16)
    canvas.drawString(14 * mm, height - 11 * mm, fit_text(_table_name(mix), 16, width - 28 * mm))
    canvas.setFillColor(black)
    canvas.setFont(FONT, 14)
    canvas.drawCentredString(width / 2, height - 26 * mm, "테이블")
    canvas.setFont(FONT, 130)
    canvas.drawCentredString(width / 2, 29 * mm, str(table.shown_number))
    goals = table.cluster.goal_numbers
    size = 12 * mm
    total = len(goals) * (size + 1.2 * mm) - 1.2 * mm
    _goal_chips(canvas, goals, (width - total) / 2, 7 * mm, size)
    canvas.setFont(FONT, 8)
    canvas.drawRightString(width - 14 * mm, 3 * mm, fit_text(meeting.title_ko, 8, width - 28 * mm))


def tents_pdf(meeting: Meeting, plan: Plan) -> bytes:
    """One landscape A4 per used table, folded along the middle: the table number in large type,
    the cluster and its SDG tiles on both faces (the upper face upside down, to read from across)."""
    page_w, page_h = landscape(A4)
    out = io.BytesIO()
    canvas = new_canvas(out, title=f"{meeting.title_ko} — 테이블 안내판", pagesize=landscape(A4))
    if not plan.tables:
        canvas.setFont(FONT, 12)
        canvas.drawString(MARGIN, page_h - MARGIN, "배정된 테이블이 없습니다.")
        canvas.showPage()
    half = page_h / 2
    for mix in plan.tables:
        _tent_half(canvas, meeting, mix, page_w, half)
        canvas.saveState()
        canvas.translate(page_w, page_h)
        canvas.rotate(180)
        _tent_half(canvas, meeting, mix, page_w, half)
        canvas.restoreState()
        canvas.setStrokeColor(HexColor("#B0B8C0"))
        canvas.setDash(3, 3)
        canvas.line(0, half, page_w, half)  # fold here
        canvas.setDash()
        canvas.showPage()
    canvas.save()
    return out.getvalue()


# --- the sign-in sheet -----------------------------------------------------------------------

def signin_pdf(meeting: Meeting, rows: list[list[object]]) -> bytes:
    """The reception sign-in sheet (rows from ``exports.signin_rows``: one per person), 22 a page,
    with the table number and a signature cell."""
    register_fonts()
    out = io.BytesIO()
    canvas = new_canvas(out, title=f"{meeting.title_ko} — 접수 명단")
    per_page = 22
    pages = max(1, -(-len(rows) // per_page))
    columns = [(MARGIN, "단체명", 64 * mm), (MARGIN + 66 * mm, "참석자", 40 * mm),
               (MARGIN + 108 * mm, "테이블", 16 * mm), (MARGIN + 126 * mm, "서명", 48 * mm)]
    row_h = 10 * mm
    for page in range(pages):
        canvas.setFont(FONT, 14)
        canvas.drawString(MARGIN, HEIGHT - MARGIN, fit_text(f"{meeting.title_ko} 접수 명단", 14, WIDTH - 2 * MARGIN))
        canvas.setFont(FONT, 9)
        canvas.drawString(MARGIN, HEIGHT - MARGIN - 6 * mm, _when(meeting))
        canvas.drawRightString(WIDTH - MARGIN, HEIGHT - MARGIN - 6 * mm, f"{page + 1}/{pages}")
        y = HEIGHT - MARGIN - 16 * mm
        for x, title, _width in columns:
            canvas.drawString(x, y, title)
        canvas.line(MARGIN, y - 2 * mm, WIDTH - MARGIN, y - 2 * mm)
        y -= 2 * mm
        for row in rows[page * per_page:(page + 1) * per_page]:
            group, person, number, _cluster, _sign = row
            canvas.setFont(FONT, 10)
            canvas.drawString(MARGIN, y - 6.5 * mm, fit_text(str(group), 10, 64 * mm))
            canvas.drawString(MARGIN + 66 * mm, y - 6.5 * mm, fit_text(str(person), 10, 40 * mm))
            canvas.setFont(FONT, 14)
            canvas.drawCentredString(MARGIN + 116 * mm, y - 7 * mm, str(number))
            canvas.rect(MARGIN + 126 * mm, y - row_h + 1 * mm, WIDTH - 2 * MARGIN - 126 * mm, row_h - 2 * mm)
            canvas.line(MARGIN, y - row_h, WIDTH - MARGIN, y - row_h)
            y -= row_h
        canvas.showPage()
    canvas.save()
    return out.getvalue()
