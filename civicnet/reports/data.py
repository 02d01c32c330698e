"""The yearly report's content, independent of its format (PDF, CSV, XLSX, HTML)."""
from __future__ import annotations

from dataclasses import dataclass

from ..dashboard.stats import Filters, NetworkStats, network_stats
from ..directory.services import JointActionSummary, summarise_joint_actions
from ..networks.models import Network
from ..timeutil import utcnow


@dataclass
class YearlyReport:
    network: Network
    year: int
    stats: NetworkStats
    actions: JointActionSummary
    generated_at: str

    def goal_rows(self) -> list[dict]:
        """One row per SDG, the shape a Voluntary Local Review table needs."""
        total = self.stats.groups or 0
        rows = []
        for g in self.stats.goals:
            rows.append({
                "network": self.network.slug, "year": self.year, "sdg": g.number,
                "sdg_name_ko": g.short_ko, "sdg_name_en": g.short_en,
                "groups": g.groups, "pledges": g.pledges,
                "share_of_groups_pct": round(100 * g.groups / total, 1) if total else 0.0,
                "gap": "yes" if g.gap else "no", "clusters": " ".join(g.cluster_keys),
            })
        return rows

    def cluster_rows(self) -> list[dict]:
        return [{
            "network": self.network.slug, "year": self.year,
            "cluster": c.cluster.key if c.cluster else "", "cluster_name_ko": c.cluster.name_ko if c.cluster else "",
            "cluster_name_en": c.cluster.name_en if c.cluster else "",
            "sdgs": " ".join(str(n) for n in c.cluster.goal_numbers) if c.cluster else "",
            "groups": c.groups, "pledges": c.pledges,
        } for c in self.stats.clusters]

    def participation_rows(self) -> list[dict]:
        rows = [{"network": self.network.slug, "year": self.year, "measure": "groups", "kind": "", "value": self.stats.groups},
                {"network": self.network.slug, "year": self.year, "measure": "pledges", "kind": "", "value": self.stats.pledges},
                {"network": self.network.slug, "year": self.year, "measure": "sdgs_covered", "kind": "",
                 "value": self.stats.goals_covered}]
        rows += [{"network": self.network.slug, "year": self.year, "measure": "groups_by_kind", "kind": kind, "value": n}
                 for kind, n in self.stats.kinds.items()]
        return rows

    def timeline_rows(self) -> list[dict]:
        return [{"network": self.network.slug, "month": m, "registrations": r, "pledges": p}
                for m, r, p in zip(self.stats.months, self.stats.registrations_by_month, self.stats.pledges_by_month)]

    def action_rows(self) -> list[dict]:
        return [{
            "network": self.network.slug, "year": self.year, "source": a.source, "title": a.title,
            "description": a.description, "cluster": a.cluster.key if a.cluster else "",
            "sdgs": " ".join(str(n) for n in a.goals), "groups": "; ".join(a.groups),
        } for a in self.actions]


# The overview page and the PDF summarise: the first joint actions, each naming its first groups.
ACTIONS_SHOWN = 50
NAMES_SHOWN = 10


def build_report(network: Network, year: int, *, summary: bool = True) -> YearlyReport:
    """Report data for ``network`` and ``year`` (edition): organisers' view, all groups counted;
    joint actions name only publicly listed groups, since the report is published. With
    ``summary`` (page, PDF) the joint actions are cut as in ``summarise_joint_actions``; the CSV
    and XLSX tables take them whole."""
    stats = network_stats(network, Filters(year=year))
    actions = (summarise_joint_actions(network, year, limit=ACTIONS_SHOWN, names=NAMES_SHOWN) if summary
               else summarise_joint_actions(network, year))
    return YearlyReport(network=network, year=year, stats=stats, actions=actions,
                        generated_at=utcnow().strftime("%Y-%m-%d %H:%M UTC"))
