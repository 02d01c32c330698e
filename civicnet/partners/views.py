"""Organiser page with a group's partner suggestions."""
from __future__ import annotations

from flask import Blueprint, g, render_template

from ..accounts.access import organiser_required
from ..errors import NotFound
from ..extensions import db
from ..organisations.models import Organisation
from .services import Audience, suggest_partners


def N_(message: str) -> str:
    """Marks a msgid for extraction; DomainError translates it on display."""
    return message


bp = Blueprint("partners", __name__, template_folder="templates")


@bp.get("/o/<slug>/partners/<int:org_id>")
@organiser_required()
def organisation_partners(slug: str, org_id: int):
    org = db.session.get(Organisation, org_id)
    if org is None or org.network_id != g.network.id:
        raise NotFound(N_("There is no such group in this network."))
    suggestions = suggest_partners(org, audience=Audience.ORGANISER, limit=10)
    return render_template("partners/organisation.html", network=g.network, org=org, suggestions=suggestions)
