"""Public network page /n/<slug>/: the directory of listed groups and the year's joint actions."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from ..dashboard.views import kind_choices, kind_label
from ..networks.services import get_network
from ..organisations.models import OrganisationKind
from .services import listed_groups, summarise_joint_actions

bp = Blueprint("directory", __name__, template_folder="templates")
# The page shows a summary: the first joint actions of the year, each naming its first groups.
ACTIONS_SHOWN = 30
NAMES_SHOWN = 10


def _int_arg(name: str, lo: int, hi: int) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if raw.isdigit() and lo <= int(raw) <= hi:
        return int(raw)
    return None


@bp.get("/n/<slug>/")
def network_page(slug: str):
    network = get_network(slug)
    q = request.args.get("q", "")
    goal = _int_arg("goal", 1, 17)
    kind = request.args.get("kind") or None
    if kind not in {k.value for k in OrganisationKind}:
        kind = None
    cluster = next((c for c in network.clusters if c.key == request.args.get("cluster")), None)
    page = _int_arg("page", 1, 100_000) or 1
    year = _int_arg("year", 1900, 2999) or network.current_edition
    directory = listed_groups(network, q=q, goal=goal, cluster_id=cluster.id if cluster else None,
                              kind=kind, page=page)
    return render_template(
        "directory/network.html", network=network, directory=directory, q=q, goal=goal, kind=kind,
        cluster=cluster, year=year, actions=summarise_joint_actions(network, year, limit=ACTIONS_SHOWN, names=NAMES_SHOWN), kinds=kind_choices(),
        kind_label=kind_label,
    )
