"""Organiser dashboard: the network's SDG coverage at a glance."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, render_template, request
from flask_babel import gettext as _

from ..accounts.access import organiser_required
from ..extensions import db
from ..organisations.models import OrganisationKind
from ..pledges.models import Pledge
from ..templating import current_lang
from . import charts
from .stats import Filters, NetworkStats, groups_to_place, network_stats
from ..data_versions import cached

bp = Blueprint("dashboard", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static/dashboard")


def _kind_labels() -> dict[str, str]:
    """Every kind's label in the current language, translated once per request (the directory and
    the dashboard show dozens)."""
    lang = current_lang()
    labels = g.setdefault("_kind_labels", {})
    if lang not in labels:
        labels[lang] = {
            "ngo": _("NGO"), "cooperative": _("Cooperative"), "social_enterprise": _("Social enterprise"),
            "company": _("Company"), "school": _("School"), "public_body": _("Public body"),
            "village_group": _("Village group"), "club": _("Club"), "individual": _("Individual citizen"),
        }
    return labels[lang]


def kind_label(kind: str) -> str:
    return _kind_labels().get(kind, kind)


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, kind_label(k.value)) for k in OrganisationKind]


def render_charts(stats: NetworkStats) -> dict:
    """The three SVG charts for ``stats`` in the current language."""
    lang = current_lang()
    groups, pledges = _("Groups"), _("Pledges")
    gaps = ", ".join(str(g.number) for g in stats.gaps)
    return {
        "goals": charts.goal_bars(
            stats.goals, lang, title=_("Groups and pledges per SDG"),
            desc=_("%(covered)s of 17 goals have at least one group. Fewest groups (gaps): SDG %(gaps)s.",
                   covered=stats.goals_covered, gaps=gaps),
            groups_label=groups, pledges_label=pledges, gap_label=_("gap"),
        ),
        "clusters": charts.cluster_bars(
            stats.clusters, lang, title=_("Groups per cluster"),
            desc=_("%(groups)s groups in %(clusters)s clusters.", groups=stats.groups, clusters=len(stats.clusters)),
            none_label=_("No cluster yet"), groups_label=groups, pledges_label=pledges,
        ),
        "timeline": charts.timeline(
            stats.months, stats.registrations_by_month, stats.pledges_by_month, lang,
            title=_("Registrations and pledges over time"),
            desc=_("Registrations and pledges signed per month, %(first)s to %(last)s.",
                   first=charts.month_label(stats.months[0], lang) if stats.months else "-",
                   last=charts.month_label(stats.months[-1], lang) if stats.months else "-"),
            registrations_label=_("Groups registered"), pledges_label=pledges,
        ),
    }


@bp.get("/o/<slug>/dashboard")
@organiser_required()
def index(slug: str):
    network = g.network
    filters = Filters.from_args(request.args, network)
    stats = network_stats(network, filters)
    to_place_total, to_place = groups_to_place(network)
    return render_template(
        "dashboard/index.html", network=network, stats=stats, filters=filters, charts=render_charts(stats),
        to_place=to_place, to_place_total=to_place_total,
        kinds=kind_choices(), kind_label=kind_label, years=year_choices(network), month_label=charts.month_label,
    )


def year_choices(network) -> list[int]:
    """Editions with pledges, and the current one, newest first."""
    editions = set(cached(network.id, ("editions",), lambda: tuple(db.session.scalars(
        sa.select(Pledge.edition).where(Pledge.network_id == network.id).distinct()))))
    editions.add(network.current_edition)
    return sorted(editions, reverse=True)
