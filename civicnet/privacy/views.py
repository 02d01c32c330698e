"""The group's own data, through its private edit link: a readable page and a JSON download."""
from __future__ import annotations

import json
from datetime import datetime

from flask import Blueprint, Response, render_template, request
from flask_babel import lazy_gettext as _l

from ..organisations.forms import AGE_BAND_LABELS, KIND_LABELS, SOURCE_LABELS, STATUS_LABELS
from ..organisations.services import organisation_by_edit_token
from ..timeutil import utcnow
from .export import export_personal_data

bp = Blueprint("privacy", __name__, template_folder="templates")

ACTION_LABELS = {
    "registered": _l("Registered"), "updated": _l("Details changed"), "goals_set": _l("SDGs changed"),
    "cluster_set": _l("Thematic cluster changed"), "approved": _l("Approved by the organisers"),
    "withdrawn": _l("Withdrew from the network"), "edit_link_issued": _l("New edit link issued"),
    "edit_link_revoked": _l("Edit link revoked"), "consents_changed": _l("Optional consents changed"),
    "pledge_signed": _l("Pledge signed"), "pledge_withdrawn": _l("Pledge withdrawn"),
    "personal_data_erased": _l("Personal data deleted"),
}
ACTOR_LABELS = {"group": _l("your group"), "organiser": _l("an organiser"), "system": _l("the system"),
                "bot": _l("the Telegram bot"), "import": _l("an import")}
REGISTRATION_LABELS = {"confirmed": _l("Confirmed"), "waitlisted": _l("On the waiting list"),
                       "cancelled": _l("Cancelled")}


@bp.after_request
def _private(response):
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_template_filter("iso_time")
def _iso_time(value: str | None) -> datetime | None:
    """An RFC 3339 string from the export back to a datetime for Babel's formatting filters."""
    return datetime.fromisoformat(value) if value else None


@bp.get("/edit/data")
def data_page():
    token = request.args.get("t")
    org = organisation_by_edit_token(token)
    return render_template("privacy/data.html", org=org, network=org.network, data=export_personal_data(org),
                           token=token, kind_labels=KIND_LABELS, status_labels=STATUS_LABELS,
                           source_labels=SOURCE_LABELS, age_labels=AGE_BAND_LABELS, action_labels=ACTION_LABELS,
                           actor_labels=ACTOR_LABELS, registration_labels=REGISTRATION_LABELS)


@bp.get("/edit/data.json")
def data_json():
    org = organisation_by_edit_token(request.args.get("t"))
    body = json.dumps(export_personal_data(org), ensure_ascii=False, indent=2)
    filename = f"civicnet-{org.network.slug}-{org.id}-{utcnow():%Y%m%d}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
