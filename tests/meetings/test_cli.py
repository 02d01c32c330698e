"""`flask meetings create-example` and `flask meetings assign`."""
from __future__ import annotations

from datetime import datetime

import pytest

from civicnet.extensions import db
from civicnet.meetings import services
from civicnet.meetings.cli import example_meeting_data, example_year
from civicnet.meetings.models import Meeting
from civicnet.timeutil import to_local
from tests.builders import make_organisation


def test_create_example_and_assign(app, network):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["meetings", "create-example", "--tables", "2"])
    assert result.exit_code == 0, result.output
    meeting = db.session.scalars(db.select(Meeting)).one()
    year = example_year(network)
    assert year >= network.current_edition and meeting.title_ko.startswith(str(year)) and meeting.capacity == 250
    # 14:00-15:30 Seoul on 05-30 of the current/next cycle (the 2024 programme), check-in from 13:30.
    assert to_local(meeting.starts_at).isoformat() == f"{year}-05-30T14:00:00"
    assert services.registration_open(meeting), "the example meeting takes registrations now"
    assert [to_local(p.at).strftime("%H:%M") for p in meeting.programme][0] == "13:30"
    assert len(meeting.tables) == 2 * len(network.clusters)
    for _ in range(3):
        services.register(meeting, make_organisation(network, goals=[6]), ignore_window=True)
    db.session.commit()
    result = runner.invoke(args=["meetings", "assign", str(meeting.id)])
    assert result.exit_code == 0 and "seated=3" in result.output


@pytest.mark.parametrize("now, year, opens, closes", [
    # Before the ceremony of the current cycle: that year's meeting, registration from 04-22.
    (datetime(2026, 3, 1, 9), 2026, "2026-03-01T00:00:00", "2026-05-29T00:00:00"),
    (datetime(2026, 4, 30, 9), 2026, "2026-04-22T00:00:00", "2026-05-29T00:00:00"),
    # On the day before: registration stays open until the start.
    (datetime(2026, 5, 29, 18), 2026, "2026-04-22T00:00:00", "2026-05-30T14:00:00"),
    # After it (the case: November): next year's meeting, registration open from today.
    (datetime(2026, 11, 29, 12), 2027, "2026-11-29T00:00:00", "2027-05-29T00:00:00"),
])
def test_example_meeting_is_dated_in_the_current_or_next_cycle(app, network, now, year, opens, closes):
    network.current_edition = 2026
    data = example_meeting_data(network, now=now)
    assert to_local(data["starts_at"]).isoformat() == f"{year}-05-30T14:00:00"
    assert to_local(data["ends_at"]).isoformat() == f"{year}-05-30T15:30:00"
    assert [to_local(p["at"]).strftime("%H:%M") for p in data["programme"]] == [
        "13:30", "14:00", "14:20", "14:30", "14:40", "14:50"]
    assert to_local(data["registration_opens_at"]).isoformat() == opens
    assert to_local(data["registration_closes_at"]).isoformat() == closes
    assert data["title_ko"].startswith(f"{year} ") and data["title_en"].startswith(f"{year} ")
