"""Organiser pages for the yearly report: overview with links, PDF, CSV and XLSX downloads."""
from __future__ import annotations

from flask import Blueprint, abort, g, render_template, request

from ..accounts.access import organiser_required
from ..dashboard.views import kind_label, render_charts
from ..directory.services import summarise_joint_actions
from ..downloads.services import too_large
from ..downloads.views import prepared
from ..spreadsheets import CSV_MIMETYPE, XLSX_MIMETYPE, download
from ..templating import current_lang
from .data import build_report, report_years
from .pdf import render_pdf
from .tables import TABLES, to_csv, to_xlsx

bp = Blueprint("reports", __name__, template_folder="templates")


def _year(raw: int | None = None) -> int:
    value = raw or request.args.get("year", type=int) or g.network.current_edition
    if not 1900 < value < 3000:
        abort(404)
    return value



@bp.get("/o/<slug>/reports/")
@organiser_required()
def index(slug: str):
    year = _year()
    report = build_report(g.network, year)
    return render_template("reports/index.html", network=g.network, report=report, stats=report.stats,
                           charts=render_charts(report.stats), years=report_years(g.network), year=year,
                           tables=TABLES, kind_label=kind_label)


@bp.get("/o/<slug>/reports/<int:year>.pdf")
@organiser_required()
def pdf(slug: str, year: int):
    report = build_report(g.network, _year(year))
    lang = current_lang()
    return download(render_pdf(report, lang), "application/pdf", f"{slug}-report-{year}-{lang}.pdf")


@bp.get("/o/<slug>/reports/<int:year>.csv")
@organiser_required()
def csv(slug: str, year: int):
    table = request.args.get("table", "sdgs")
    if table not in TABLES:
        abort(404)
    name = f"{slug}-{year}-{table}.csv"
    if table == "actions" and _too_many_actions(_year(year)):
        return prepared("report-actions", "csv", {"year": str(year)}, name)
    report = build_report(g.network, _year(year), summary=table != "actions")
    return download(to_csv(report, table), CSV_MIMETYPE, name)


@bp.get("/o/<slug>/reports/<int:year>.xlsx")
@organiser_required()
def xlsx(slug: str, year: int):
    lang = current_lang()
    name = f"{slug}-report-{year}-{lang}.xlsx"
    if _too_many_actions(_year(year)):
        return prepared("report", "xlsx", {"year": str(year), "report_lang": lang}, name)
    report = build_report(g.network, _year(year), summary=False)
    return download(to_xlsx(report, lang), XLSX_MIMETYPE, name)


def _too_many_actions(year: int) -> bool:
    """The joint actions (one per pledge text: they grow with the network) are the rows that make
    the report's table and workbook large; counted without building them."""
    return too_large(summarise_joint_actions(g.network, year, limit=0).total)

