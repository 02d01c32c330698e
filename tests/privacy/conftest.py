import pytest


@pytest.fixture(autouse=True)
def _no_classifier(app):
    """Registration runs with manual SDG choice here."""
    app.config["SDG_SUGGESTIONS"] = False
