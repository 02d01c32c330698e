"""Public API: networks and their clusters."""
from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from ..networks.services import get_network, list_networks
from .schemas import ClusterSchema, NetworkSchema

bp = Blueprint("api_networks", __name__, url_prefix="/api/v1/networks",
               description="Citizen practice networks and their thematic clusters")


@bp.route("/")
class Networks(MethodView):
    @bp.response(200, NetworkSchema(many=True))
    def get(self):
        """All networks on this service"""
        return list_networks()


@bp.route("/<slug>")
class NetworkItem(MethodView):
    @bp.response(200, NetworkSchema)
    def get(self, slug: str):
        """One network, with its pledge text and clusters"""
        return get_network(slug)


@bp.route("/<slug>/clusters")
class Clusters(MethodView):
    @bp.response(200, ClusterSchema(many=True))
    def get(self, slug: str):
        """The network's thematic clusters and the SDGs each covers"""
        return get_network(slug).clusters
