"""`flask meetings create-example` and `flask meetings assign`."""
from __future__ import annotations

from civicnet.extensions import db
from civicnet.meetings import services
from civicnet.meetings.models import Meeting
from civicnet.timeutil import to_local
from tests.builders import make_organisation


def test_create_example_and_assign(app, network):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["meetings", "create-example", "--tables", "2"])
    assert result.exit_code == 0, result.output
    meeting = db.session.scalars(db.select(Meeting)).one()
    assert meeting.title_ko.startswith("2024") and meeting.capacity == 250
    # 14:00-15:30 Seoul on 2024-05-30, check-in from 13:30, breakouts at 14:50.
    assert to_local(meeting.starts_at).isoformat() == "2024-05-30T14:00:00"
    assert [to_local(p.at).strftime("%H:%M") for p in meeting.programme][0] == "13:30"
    assert len(meeting.tables) == 2 * len(network.clusters)
    for _ in range(3):
        services.register(meeting, make_organisation(network, goals=[6]), ignore_window=True)
    db.session.commit()
    result = runner.invoke(args=["meetings", "assign", str(meeting.id)])
    assert result.exit_code == 0 and "seated=3" in result.output
