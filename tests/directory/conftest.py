import pytest

from tests.dashboard.scenario import build_scenario


@pytest.fixture
def scenario(network):
    return build_scenario(network)
