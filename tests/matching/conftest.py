"""Matching tests share the process-wide model (loaded once, lazily)."""
from __future__ import annotations

import pytest

from civicnet.matching.model import get_model


@pytest.fixture(scope="session")
def sdg_model():
    return get_model()
