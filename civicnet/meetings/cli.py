"""`flask meetings ...`: the example ceremony and optimiser runs from the shell."""
from __future__ import annotations

from datetime import datetime

import click
from flask.cli import AppGroup

from ..extensions import db
from ..networks.services import get_network
from ..timeutil import to_utc
from . import breakouts, services

meetings_cli = AppGroup("meetings", help="Meetings and breakout groups.")

# DOMAIN.md: the 2024 pledge ceremony and exchange meeting (Seoul wall-clock times).
EXAMPLE_PROGRAMME = [
    ("13:30", "접수", "Check-in", ""),
    ("14:00", "개회, 내빈 소개, 기념 촬영", "Opening, guests, photo", ""),
    ("14:20", "협약 개요", "Pledge overview", ""),
    ("14:30", "시민 공모전", "Citizen contest", ""),
    ("14:40", "네트워크 설문 결과", "Network survey results", ""),
    ("14:50", "분야별 모임", "Breakout exchange by thematic cluster", "15:30까지"),
]


def example_meeting_data(network, *, tables: int = 4, seats: int = 8) -> dict:
    """The 2024-05-30 협약식 및 교류회 of DOMAIN.md, every cluster with ``tables`` tables."""
    day = "2024-05-30"

    def at(hhmm: str) -> datetime:
        return to_utc(datetime.fromisoformat(f"{day}T{hhmm}"))

    return {
        "title_ko": "2024 시민실천 네트워크 협약식 및 교류회",
        "title_en": "2024 Citizen Practice Network pledge ceremony and exchange meeting",
        "venue_ko": "서원구청 대회의실", "venue_en": "Seowon-gu office, main hall",
        "starts_at": at("14:00"), "ends_at": at("15:30"),
        "registration_opens_at": to_utc(datetime(2024, 4, 22)),
        "registration_closes_at": to_utc(datetime(2024, 5, 29)),
        "capacity": 250, "per_organisation_limit": 2,
        "programme": [{"at": at(t), "item_ko": ko, "item_en": en, "note": note}
                      for t, ko, en, note in EXAMPLE_PROGRAMME],
        "breakouts": {c.id: (tables, seats) for c in network.clusters},
    }


@meetings_cli.command("create-example")
@click.option("--network", "slug", default="cheongju", show_default=True)
@click.option("--tables", default=4, show_default=True, help="Tables per cluster.")
@click.option("--seats", default=8, show_default=True, help="Seats per table.")
def create_example(slug: str, tables: int, seats: int) -> None:
    """Create the 2024-05-30 pledge ceremony and exchange meeting."""
    network = get_network(slug)
    meeting = services.create_meeting(network, example_meeting_data(network, tables=tables, seats=seats))
    db.session.commit()
    click.echo(f"meeting {meeting.id}: {meeting.title_ko}")


@meetings_cli.command("assign")
@click.argument("meeting_id", type=int)
@click.option("--network", "slug", default="cheongju", show_default=True)
@click.option("--arrived-only", is_flag=True, help="On the day: only groups that have checked in (and locked ones).")
def assign(meeting_id: int, slug: str, arrived_only: bool) -> None:
    """Run the breakout optimiser (locked groups stay where they are)."""
    meeting = services.get_meeting(get_network(slug), meeting_id)
    summary = breakouts.run_assignment(meeting, arrived_only=arrived_only)
    db.session.commit()
    click.echo(" ".join(f"{k}={v}" for k, v in summary.items() if not isinstance(v, dict | list)))
    for merge in summary["merges"]:
        click.echo(f"merged cluster {merge['cluster_id']} into {merge['into_id']}: {merge['groups']} groups, "
                   f"{merge['people']} people, shared SDGs {merge['shared_goals']}")
