import pytest

from tests.builders import make_user
from tests.dashboard.scenario import build_scenario


@pytest.fixture
def scenario(network):
    return build_scenario(network)


@pytest.fixture
def organiser(network):
    return make_user(network, "admin")
