"""Organisers' pages of a prepared export: progress (HTML and JSON) and the download."""
from __future__ import annotations

from collections.abc import Mapping

from flask import Blueprint, current_app, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..accounts.access import organiser_required
from ..spreadsheets import CSV_MIMETYPE, XLSX_MIMETYPE, download
from . import services
from .models import ExportState

bp = Blueprint("downloads", __name__, template_folder="templates", url_prefix="/o/<slug>/exports")
MIMETYPES = {"csv": CSV_MIMETYPE, "xlsx": XLSX_MIMETYPE}


def prepared(kind: str, fmt: str, params: Mapping[str, str], filename: str):
    """The answer to an export past EXPORT_WORKER_THRESHOLD rows: the worker builds the file, the
    organiser goes to its progress page."""
    export = services.request_export(g.network, kind, fmt, params, user_id=current_user.id, filename=filename)
    return redirect(url_for("downloads.show", slug=g.network.slug, export_id=export.id))


def message(export) -> str:
    """The state in words (the page and the JSON the page's script reads)."""
    if export.state == ExportState.QUEUED:
        return _("Waiting for the worker to start on this file…")
    if export.state == ExportState.BUILDING:
        if export.rows_total is None:
            return _("Reading the list…")
        return _("Writing the file: %(done)s of %(total)s rows (%(percent)s%%)", done=f"{export.rows_done:,}",
                 total=f"{export.rows_total:,}", percent=export.percent)
    if export.state == ExportState.READY:
        return _("The file is ready: %(total)s rows.", total=f"{export.rows_total or 0:,}")
    return _("The file could not be made. Please try the export again.")


def back_url(export) -> str:
    """The page the export was asked from."""
    slug, params = g.network.slug, export.params
    if export.kind.startswith("meeting-"):
        return url_for("meetings.show", slug=slug, meeting_id=int(params["meeting"]))
    if export.kind.startswith("report"):
        return url_for("reports.index", slug=slug, year=params.get("year"))
    return url_for("organisers.index", slug=slug, **params)


@bp.get("/<int:export_id>")
@organiser_required()
def show(slug: str, export_id: int):
    export = services.get_export(g.network, export_id)
    return render_template("downloads/status.html", network=g.network, export=export, message=message(export),
                           back=back_url(export), retention_hours=int(current_app.config["EXPORT_RETENTION_HOURS"]))


@bp.get("/<int:export_id>/status.json")
@organiser_required()
def status(slug: str, export_id: int):
    export = services.get_export(g.network, export_id)
    response = services.status(export) | {"message": message(export)}
    return response, 200, {"Cache-Control": "no-store"}


@bp.get("/<int:export_id>/download")
@organiser_required()
def fetch(slug: str, export_id: int):
    export = services.get_export(g.network, export_id)
    return download(services.file_chunks(export), MIMETYPES[export.fmt], export.filename)
