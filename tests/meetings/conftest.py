"""Fixtures for meetings: an upcoming meeting of the default network with open registration."""
from __future__ import annotations

from datetime import timedelta

import pytest

from civicnet.extensions import db
from civicnet.meetings import services
from civicnet.meetings.cli import example_meeting_data
from civicnet.timeutil import utcnow
from tests.builders import login, make_user


def make_meeting(network, *, capacity: int = 40, per_org: int = 3, tables: int = 2, seats: int = 6,
                 breakouts: dict | None = None, **fields):
    data = example_meeting_data(network, tables=tables, seats=seats)
    start = utcnow().replace(microsecond=0) + timedelta(days=10)
    data.update(starts_at=start, ends_at=start + timedelta(hours=2), registration_opens_at=None,
                registration_closes_at=None, capacity=capacity, per_organisation_limit=per_org)
    data["programme"] = [dict(p, at=start + (p["at"] - data["programme"][1]["at"])) for p in data["programme"]]
    if breakouts is not None:
        data["breakouts"] = breakouts
    data.update(fields)
    meeting = services.create_meeting(network, data)
    db.session.commit()
    return meeting


@pytest.fixture
def meeting(network):
    return make_meeting(network)


@pytest.fixture
def organiser(client, network):
    """An organiser of the network, logged in on ``client``."""
    user = make_user(network)
    login(client, user)
    return user


def meeting_url(meeting, path=""):
    return f"/o/{meeting.network.slug}/meetings/{meeting.id}{path}"
