import pytest

from civicnet.partners.index import clear_cache
from tests.dashboard.scenario import build_scenario


@pytest.fixture(autouse=True)
def _fresh_matrix_cache():
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def app(app):
    # The TF-IDF fallback: fast, deterministic and needs no model; the sentence encoder has its
    # own test below.
    app.config["PARTNERS_ENCODER"] = "tfidf"
    return app


@pytest.fixture
def scenario(network):
    return build_scenario(network)
