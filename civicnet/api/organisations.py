"""API: public registration; organisers' read access to groups and pledges (bearer token)."""
from __future__ import annotations

import sqlalchemy as sa
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy.orm import selectinload

from ..errors import Conflict, Invalid
from ..extensions import db
from ..networks.services import get_network
from ..organisations import services
from ..organisations.consent import CONSENT_VERSION, consent_text
from ..organisations.services import OrganisationFilters
from ..organisations.views import edit_link
from ..pledges.models import Pledge
from ..pledges.services import sign_pledge
from .auth import token_network
from .schemas import (
    OrganisationPageSchema,
    OrganisationQuerySchema,
    OrganisationSchema,
    PledgeQuerySchema,
    PledgeSchema,
    RegistrationOutSchema,
    RegistrationSchema,
)

bp = Blueprint("api_organisations", __name__, url_prefix="/api/v1/networks/<slug>",
               description="Groups of a network and their pledges")
SECURED = [{"bearerAuth": []}]


@bp.route("/organisations")
class Organisations(MethodView):
    @bp.arguments(OrganisationQuerySchema, location="query")
    @bp.response(200, OrganisationPageSchema)
    @bp.doc(security=SECURED)
    def get(self, args: dict, slug: str):
        """The network's groups, filtered and paged (organiser token for this network)"""
        network, _ = token_network(slug)
        page, per_page = args.pop("page"), args.pop("per_page")
        filters = OrganisationFilters(**args)
        return services.list_organisations(network, filters, page=page, per_page=per_page)

    # An instance, not the class: webargs would build the schema (and its nested one) on every request.
    @bp.arguments(RegistrationSchema())
    @bp.response(201, RegistrationOutSchema)
    @bp.alt_response(409, description="The group is already registered")
    def post(self, data: dict, slug: str):
        """Register a group (public). Returns the private edit token once."""
        network = get_network(slug, clusters=False)
        if not data.pop("consent"):
            raise Invalid("Please agree to the use of your personal data to register.", field="consent")
        if data.pop("consent_version") != CONSENT_VERSION:
            raise Invalid("The consent text has changed; please read the current version (%(version)s).",
                          field="consent_version", version=CONSENT_VERSION)
        goals, pledge = data.pop("goals"), data.pop("pledge")
        result = services.register_organisation(
            network, data, goals=goals, consent_version=CONSENT_VERSION,
            consent_text=consent_text(network, data["language"]), actor_kind="group", require_goals=True)
        if not result.created:
            raise Conflict("A group with this name and contact is already registered. Use your edit link, "
                           "or ask the organisers for a new one.")
        org = result.organisation
        if pledge:
            sign_pledge(org, pledge["signer_name"], pledge["goals"] or goals, pledge["joint_action"], new_group=True)
        return {"id": org.id, "status": org.status, "goals": org.goal_numbers, "edit_token": result.edit_token,
                "edit_url": edit_link(result.edit_token), "pledged": bool(pledge)}


@bp.route("/organisations/<int:org_id>")
class OrganisationItem(MethodView):
    @bp.response(200, OrganisationSchema)
    @bp.doc(security=SECURED)
    def get(self, slug: str, org_id: int):
        """One group of the network (organiser token for this network)"""
        network, _ = token_network(slug)
        return services.get_organisation(network, org_id)


@bp.route("/pledges")
class Pledges(MethodView):
    @bp.arguments(PledgeQuerySchema, location="query")
    @bp.response(200, PledgeSchema(many=True))
    @bp.doc(security=SECURED)
    def get(self, args: dict, slug: str):
        """Pledges signed in the network (current edition by default; organiser token)"""
        network, _ = token_network(slug)
        # Each pledge is shown with its group's name: load the groups in one query, not one each.
        stmt = sa.select(Pledge).options(selectinload(Pledge.organisation)).where(
            Pledge.network_id == network.id, Pledge.edition == (args["edition"] or network.current_edition))
        if not args["include_withdrawn"]:
            stmt = stmt.where(Pledge.withdrawn_at.is_(None))
        return list(db.session.scalars(stmt.order_by(Pledge.signed_at, Pledge.id)))
