"""`flask meetings ...`: the example ceremony and optimiser runs from the shell."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from ..extensions import db
from ..networks.services import get_network
from ..timeutil import local_now, to_utc
from . import breakouts, services

meetings_cli = AppGroup("meetings", help="Meetings and breakout groups.")

# DOMAIN.md: the pledge ceremony and exchange meeting as held in 2024 (Seoul wall-clock times);
# the example is dated in the network's current cycle, or the next one once that day has passed.
EXAMPLE_PROGRAMME = [
    ("13:30", "접수", "Check-in", ""),
    ("14:00", "개회, 내빈 소개, 기념 촬영", "Opening, guests, photo", ""),
    ("14:20", "협약 개요", "Pledge overview", ""),
    ("14:30", "시민 공모전", "Citizen contest", ""),
    ("14:40", "네트워크 설문 결과", "Network survey results", ""),
    ("14:50", "분야별 모임", "Breakout exchange by thematic cluster", "15:30까지"),
]
EXAMPLE_DAY = (5, 30)             # 2024-05-30
EXAMPLE_REGISTRATION = (4, 22)    # the 2024 form opened 2024-04-22 and closed the day before


def example_year(network, now: datetime | None = None) -> int:
    """The network's current edition, or the first later year whose ceremony is still ahead."""
    now = now or local_now()
    year = network.current_edition
    while datetime(year, *EXAMPLE_DAY, 14, 0) <= now:
        year += 1
    return year


def example_meeting_data(network, *, tables: int = 4, seats: int = 8, now: datetime | None = None) -> dict:
    """The 협약식 및 교류회 of DOMAIN.md (2024-05-30 programme, times and venue) in the current or
    next cycle, with registration open now; every cluster with ``tables`` tables."""
    now = now or local_now()
    year = example_year(network, now)
    day = date(year, *EXAMPLE_DAY)

    def at(hhmm: str) -> datetime:
        return to_utc(datetime.combine(day, time.fromisoformat(hhmm)))

    # Registration opens on the usual day, or today when the example is created later than that.
    opens = min(datetime(year, *EXAMPLE_REGISTRATION), datetime.combine(now.date(), time()))
    closes = datetime.combine(day - timedelta(days=1), time())
    if now >= closes:  # created on the last day: registration stays open until the start
        closes = datetime.combine(day, time(14))
    return {
        "title_ko": f"{year} 시민실천 네트워크 협약식 및 교류회",
        "title_en": f"{year} Citizen Practice Network pledge ceremony and exchange meeting",
        "venue_ko": "서원구청 대회의실", "venue_en": "Seowon-gu office, main hall",
        "starts_at": at("14:00"), "ends_at": at("15:30"),
        "registration_opens_at": to_utc(opens),
        "registration_closes_at": to_utc(closes),
        "capacity": 250, "per_organisation_limit": 2,
        "programme": [{"at": at(t), "item_ko": ko, "item_en": en, "note": note}
                      for t, ko, en, note in EXAMPLE_PROGRAMME],
        "breakouts": {c.id: (tables, seats) for c in network.clusters},
    }


@meetings_cli.command("create-example")
@click.option("--network", "slug", default=None, help="Network slug (default: CIVICNET_DEFAULT_NETWORK).")
@click.option("--tables", default=4, show_default=True, help="Tables per cluster.")
@click.option("--seats", default=8, show_default=True, help="Seats per table.")
def create_example(slug: str, tables: int, seats: int) -> None:
    """Create the pledge ceremony and exchange meeting (2024-05-30 programme) in the current cycle."""
    network = get_network(slug or current_app.config["DEFAULT_NETWORK"])
    meeting = services.create_meeting(network, example_meeting_data(network, tables=tables, seats=seats))
    db.session.commit()
    click.echo(f"meeting {meeting.id}: {meeting.title_ko}")


@meetings_cli.command("assign")
@click.argument("meeting_id", type=int)
@click.option("--network", "slug", default=None, help="Network slug (default: CIVICNET_DEFAULT_NETWORK).")
@click.option("--arrived-only", is_flag=True, help="On the day: only groups that have checked in (and locked ones).")
def assign(meeting_id: int, slug: str, arrived_only: bool) -> None:
    """Run the breakout optimiser (locked groups stay where they are)."""
    meeting = services.get_meeting(get_network(slug or current_app.config["DEFAULT_NETWORK"]), meeting_id)
    summary = breakouts.run_assignment(meeting, arrived_only=arrived_only)
    db.session.commit()
    click.echo(" ".join(f"{k}={v}" for k, v in summary.items() if not isinstance(v, dict | list)))
    for merge in summary["merges"]:
        click.echo(f"merged cluster {merge['cluster_id']} into {merge['into_id']}: {merge['groups']} groups, "
                   f"{merge['people']} people, shared SDGs {merge['shared_goals']}")
