"""Organiser page with a group's partner suggestions."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from ..accounts.access import organiser_required
from ..organisations.services import get_organisation
from .services import Audience, suggest_partners

bp = Blueprint("partners", __name__, template_folder="templates")


@bp.get("/o/<slug>/partners/<int:org_id>")
@organiser_required()
def organisation_partners(slug: str, org_id: int):
    org = get_organisation(g.network, org_id)
    suggestions = suggest_partners(org, audience=Audience.ORGANISER, limit=10)
    return render_template("partners/organisation.html", network=g.network, org=org, suggestions=suggestions)
