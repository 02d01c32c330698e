import pytest

from civicnet.extensions import db
from tests.dashboard.scenario import build_scenario

# Left "registered" (not yet approved by the organisers): listed by choice but not shown.
AWAITING_APPROVAL = "farm"


@pytest.fixture
def scenario(network):
    made = build_scenario(network)
    for key, org in made.items():
        if getattr(org, "status", None) == "registered" and key != AWAITING_APPROVAL:
            org.status = "approved"
    db.session.commit()
    return made
