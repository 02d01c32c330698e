"""The yearly report as a printable A4 PDF (reportlab; Korean through the HYGothic CID font)."""
from __future__ import annotations

import io

from flask_babel import gettext as _
from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from xml.sax.saxutils import escape

from ..dashboard.views import kind_label
from .data import YearlyReport

FONT = "HYGothic-Medium"
_registered = False


def _font() -> str:
    global _registered
    if not _registered:
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
        _registered = True
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14),
        "small": ParagraphStyle("small", fontName=font, fontSize=8, leading=11, textColor=colors.HexColor("#5b6773")),
    }


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _table(rows: list[list], widths: list[float], header_bg: str = "#19486A") -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), _font()),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(header_bg)),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d6dde4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
    ]))
    return table


def goal_chart(report: YearlyReport, lang: str, width: float = 170 * mm) -> Drawing:
    """Horizontal bars per SDG in the official colours: groups (full) and pledges (thin)."""
    goals = report.stats.goals
    row_h, label_w = 14, 62 * mm
    drawing = Drawing(width, row_h * len(goals) + 16)
    top = max([g.groups for g in goals] + [g.pledges for g in goals] + [1])
    span = width - label_w - 50
    for i, g in enumerate(goals):
        y = drawing.height - 14 - i * row_h
        drawing.add(String(label_w - 4, y + 2, f"{g.number}. {g.short(lang)}"[:26], fontName=_font(),
                           fontSize=7.5, textAnchor="end"))
        colour = colors.HexColor(g.colour)
        drawing.add(Rect(label_w, y + 3, span * g.groups / top, 7, fillColor=colour, strokeColor=None))
        drawing.add(Rect(label_w, y, span * g.pledges / top, 2.5, fillColor=colour, strokeColor=None,
                         fillOpacity=0.5))
        mark = " ▲" if g.gap else ""
        drawing.add(String(label_w + span * max(g.groups, g.pledges) / top + 3, y + 2,
                           f"{g.groups} / {g.pledges}{mark}", fontName=_font(), fontSize=7.5))
    return drawing


def cluster_chart(report: YearlyReport, lang: str, width: float = 170 * mm) -> Drawing:
    rows = report.stats.clusters
    row_h, label_w = 14, 80 * mm
    drawing = Drawing(width, row_h * max(len(rows), 1) + 8)
    top = max([c.groups for c in rows] + [1])
    span = width - label_w - 30
    for i, c in enumerate(rows):
        y = drawing.height - 12 - i * row_h
        name = c.name(lang) or _("No cluster yet")
        drawing.add(String(label_w - 4, y + 2, name[:30], fontName=_font(), fontSize=7.5, textAnchor="end"))
        drawing.add(Rect(label_w, y + 1, span * c.groups / top, 8, fillColor=colors.HexColor("#19486A"),
                         strokeColor=None))
        drawing.add(String(label_w + span * c.groups / top + 3, y + 2, str(c.groups), fontName=_font(), fontSize=7.5))
    return drawing


def render_pdf(report: YearlyReport, lang: str) -> bytes:
    styles = _styles()
    stats = report.stats
    network_name = report.network.name(lang)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm, bottomMargin=16 * mm,
        title=_("%(network)s: yearly report %(year)s", network=network_name, year=report.year),
        author=network_name, lang=lang,
    )
    story: list = [
        _p(_("%(network)s: yearly report %(year)s", network=network_name, year=report.year), styles["title"]),
        _p(_("Generated %(when)s. Counts follow the CivicNet dashboard definitions for the year %(year)s: "
             "groups registered that year or pledged in that edition, not withdrawn.",
             when=report.generated_at, year=report.year), styles["small"]),
        _p(_("Participation"), styles["h2"]),
        _table([[_("Measure"), _("Count")],
                [_("Groups"), stats.groups], [_("Pledges"), stats.pledges],
                [_("SDGs covered (of 17)"), stats.goals_covered],
                *[[kind_label(k), n] for k, n in stats.kinds.items()]], [120 * mm, 40 * mm]),
        _p(_("SDG coverage"), styles["h2"]),
        _p(_("Bars: groups (thick) and pledges (thin) per goal; ▲ marks a gap."), styles["small"]),
        goal_chart(report, lang),
        Spacer(1, 4 * mm),
        _table([[_("SDG"), _("Groups"), _("Pledges"), _("Share of groups"), _("Gap")]] + [
            [f"{r['sdg']}. {r['sdg_name_en'] if lang == 'en' else r['sdg_name_ko']}", r["groups"], r["pledges"],
             f"{r['share_of_groups_pct']}%", _("yes") if r["gap"] == "yes" else ""]
            for r in report.goal_rows()
        ], [70 * mm, 22 * mm, 22 * mm, 28 * mm, 18 * mm]),
        _p(_("Gaps: goals with the fewest groups"), styles["h2"]),
        _p(", ".join(f"{g.number}. {g.short(lang)} ({g.groups})" for g in stats.gaps) or "-", styles["body"]),
        _p(_("Clusters"), styles["h2"]),
        cluster_chart(report, lang),
        _table([[_("Cluster"), _("SDGs"), _("Groups"), _("Pledges")]] + [
            [_p(c.name(lang) or _("No cluster yet"), styles["body"]),
             " ".join(str(n) for n in c.cluster.goal_numbers) if c.cluster else "", c.groups, c.pledges]
            for c in stats.clusters
        ], [80 * mm, 40 * mm, 20 * mm, 20 * mm]),
        _p(_("Joint actions %(year)s", year=report.year), styles["h2"]),
    ]
    if report.actions:
        for action in report.actions:
            line = action.title
            if action.cluster:
                line += f" · {action.cluster.name(lang)}"
            if action.goals:
                line += " · SDG " + ", ".join(str(n) for n in action.goals)
            story.append(_p("• " + line, styles["body"]))
            if action.groups:
                names = ", ".join(action.groups)
                if action.more_groups:
                    names += " " + _("and %(count)s more", count=action.more_groups)
                story.append(_p("   " + names, styles["small"]))
        if report.actions.more:
            story.append(_p(_("%(count)s more joint actions are in the CSV and XLSX downloads.",
                              count=report.actions.more), styles["small"]))
    else:
        story.append(_p(_("No joint actions recorded for this year yet."), styles["body"]))

    def _footer(canvas, document):
        canvas.saveState()
        canvas.setFont(_font(), 7.5)
        canvas.drawString(18 * mm, 9 * mm, f"{network_name} · {report.year}")
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, str(document.page))
        canvas.restoreState()

    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()
