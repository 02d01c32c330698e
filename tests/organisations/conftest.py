import re
from contextlib import contextmanager

import pytest

from tests.serving import serving


@pytest.fixture(autouse=True)
def _no_classifier(app):
    """Registration tests run with manual SDG choice; the suggestion slot has its own test."""
    app.config["SDG_SUGGESTIONS"] = False


DETAILS = {"name": "청주 하천 지킴이", "kind": "ngo", "representative": "김민지", "email": "river@example.org",
           "phone": "010-1234-5678", "district": "서원구", "size": "25", "website": "",
           "activities": "무심천 정화 활동과 어린이 생태 교육"}


def state_of(response) -> str:
    match = re.search(r'name="state"[^>]*value="([^"]+)"', response.get_data(as_text=True)) or re.search(
        r'value="([^"]+)"[^>]*name="state"', response.get_data(as_text=True))
    assert match, "no state field"
    return match.group(1)


def register_through_web(client, slug="cheongju", details=None, goals=("6", "15"), lang="ko"):
    """Run the three steps; returns the final response (a redirect on success)."""
    q = f"?lang={lang}"
    step1 = client.post(f"/n/{slug}/register{q}", data=details or DETAILS)
    assert step1.status_code == 200, step1.get_data(as_text=True)[:500]
    step2 = client.post(f"/n/{slug}/register/goals{q}", data={"state": state_of(step1), "goals": list(goals)})
    assert step2.status_code == 200
    return client.post(f"/n/{slug}/register/pledge{q}", data={
        "state": state_of(step2), "signer_name": "김민지", "joint_action": "하천 정화", "consent": "y",
        "public_listing": "y"})


@contextmanager
def served_app(database_url: str, **overrides):
    """The app on a real HTTP port in a thread, with CSRF on (the browser tests); yields its URL."""
    from civicnet import create_app
    from civicnet.extensions import db
    from tests import conftest

    config = conftest.test_config(database_url) | {"WTF_CSRF_ENABLED": True} | overrides
    config.pop("SERVER_NAME")
    served = create_app(config)
    try:
        with serving(served) as url:
            yield url
    finally:
        with served.app_context():
            db.session.remove()
            db.engine.dispose()
