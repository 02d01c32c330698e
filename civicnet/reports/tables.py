"""CSV (UTF-8 with BOM, opens in Excel) and XLSX exports of the yearly report.

The CSV tables keep stable machine column names (``share_of_groups_pct``, ``gap=yes``): they are
data for a Voluntary Local Review and other tools. The XLSX workbook is for people: sheet names,
headers and values in the reader's language, shares as percentages, no codes.
"""
from __future__ import annotations

from flask_babel import gettext as _
from openpyxl.styles import Font, PatternFill

from ..dashboard.views import kind_label
from ..goals.reference import GOAL_COLOURS
from ..spreadsheets import Sheet, build_workbook, csv_bytes, workbook_bytes
from .data import YearlyReport

TABLES = ("sdgs", "clusters", "participation", "timeline", "actions")


def _rows(report: YearlyReport, table: str) -> list[dict]:
    return {
        "sdgs": report.goal_rows, "clusters": report.cluster_rows, "participation": report.participation_rows,
        "timeline": report.timeline_rows, "actions": report.action_rows,
    }[table]()


_EMPTY_HEADERS = {
    "timeline": ["network", "month", "registrations", "pledges"],
    "actions": ["network", "year", "source", "title", "description", "cluster", "sdgs", "groups"],
    "clusters": ["network", "year", "cluster", "cluster_name_ko", "cluster_name_en", "sdgs", "groups", "pledges"],
}


def _headers(rows: list[dict], table: str) -> list[str]:
    return list(rows[0]) if rows else _EMPTY_HEADERS.get(table, [])


def to_csv(report: YearlyReport, table: str = "sdgs") -> bytes:
    rows = _rows(report, table)
    return csv_bytes(_headers(rows, table), [list(row.values()) for row in rows])


# --- the workbook for people ---------------------------------------------------------------

def _goal_sheet(report: YearlyReport, lang: str) -> Sheet:
    names = {c.key: c.name(lang) for c in report.network.clusters}
    total = report.stats.groups or 0
    rows = [[g.number, g.short(lang), g.groups, g.pledges, g.groups / total if total else 0.0,
             _("Yes") if g.gap else "", ", ".join(names.get(k, k) for k in g.cluster_keys)]
            for g in report.stats.goals]
    return Sheet(_("SDGs"), [_("SDG"), _("Goal"), _("Groups"), _("Pledges"), _("Share of groups"),
                             _("Gap (fewest groups)"), _("Clusters")], rows, widths={"B": 30, "G": 60})


def _cluster_sheet(report: YearlyReport, lang: str) -> Sheet:
    rows = [[c.name(lang) or _("No cluster yet"),
             ", ".join(str(n) for n in c.cluster.goal_numbers) if c.cluster else "", c.groups, c.pledges]
            for c in report.stats.clusters]
    return Sheet(_("Clusters"), [_("Cluster"), _("SDGs"), _("Groups"), _("Pledges")], rows, widths={"A": 50})


def _participation_sheet(report: YearlyReport) -> Sheet:
    stats = report.stats
    rows = [[_("Groups"), stats.groups], [_("Pledges"), stats.pledges], [_("SDGs covered (of 17)"), stats.goals_covered]]
    rows += [[_("Groups: %(kind)s", kind=kind_label(kind)), n] for kind, n in stats.kinds.items()]
    return Sheet(_("Participation"), [_("Measure"), _("Count")], rows, widths={"A": 40})


def _timeline_sheet(report: YearlyReport) -> Sheet:
    rows = [[m, r, p] for m, r, p in zip(report.stats.months, report.stats.registrations_by_month,
                                         report.stats.pledges_by_month)]
    return Sheet(_("By month"), [_("Month"), _("Registrations"), _("Pledges")], rows)


def _action_sheet(report: YearlyReport, lang: str) -> Sheet:
    sources = {"meeting": _("Breakout meeting"), "pledge": _("Pledge")}
    rows = [[a.title, a.description, a.cluster.name(lang) if a.cluster else "", ", ".join(str(n) for n in a.goals),
             ", ".join(a.groups), sources.get(a.source, a.source)] for a in report.actions]
    return Sheet(_("Joint actions"), [_("Joint action"), _("Description"), _("Cluster"), _("SDGs"), _("Groups"),
                                      _("Recorded at")], rows, widths={"A": 40, "B": 60, "C": 40, "E": 40})


def _text_colour(background: str) -> str:
    """Black or white, whichever contrasts more with ``background`` (WCAG relative luminance)."""
    def channel(hex2: str) -> float:
        c = int(hex2, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    h = background.lstrip("#")
    lum = 0.2126 * channel(h[0:2]) + 0.7152 * channel(h[2:4]) + 0.0722 * channel(h[4:6])
    return "000000" if (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) else "FFFFFF"


def to_xlsx(report: YearlyReport, lang: str) -> bytes:
    """The report as a workbook for people, in ``lang`` (see the module doc)."""
    book = build_workbook([_goal_sheet(report, lang), _cluster_sheet(report, lang), _participation_sheet(report),
                           _timeline_sheet(report), _action_sheet(report, lang)])
    sheet = book.worksheets[0]
    for r, goal in enumerate(report.stats.goals, start=2):
        # Each goal's number cell in its official colour; shares as percentages.
        sheet.cell(row=r, column=1).fill = PatternFill("solid", fgColor=GOAL_COLOURS[goal.number].lstrip("#"))
        sheet.cell(row=r, column=1).font = Font(bold=True, color=_text_colour(GOAL_COLOURS[goal.number]))
        sheet.cell(row=r, column=5).number_format = "0.0%"
    book.properties.title = _("%(network)s: yearly report %(year)s", network=report.network.name(lang), year=report.year)
    return workbook_bytes(book)
