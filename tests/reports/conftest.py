import pytest

from civicnet.extensions import db
from tests.builders import make_user
from tests.dashboard.scenario import build_scenario


@pytest.fixture
def scenario(network):
    made = build_scenario(network)
    # Joint actions in the (publishable) report name approved, listed groups only: approve the active ones.
    for org in made.values():
        if getattr(org, "status", None) == "registered":
            org.status = "approved"
    db.session.commit()
    return made


@pytest.fixture
def organiser(network):
    return make_user(network, "admin")
