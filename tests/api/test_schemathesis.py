"""Schemathesis over the OpenAPI document, against the app: no server error, and every response
(status, content type, body) as the document says — without a token and with an organiser token.

Both positive (valid per the schema) and negative (invalid) requests are generated, so the
document's limits and the server's validation must agree on what is refused and how.
"""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from civicnet.accounts import services as accounts
from civicnet.extensions import db
from tests.builders import make_organisation, make_user

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25


@pytest.fixture
def api_app(app, network):
    # The classifier's time budget is kept short so that generated texts cannot make the run slow;
    # a request over budget is a documented 503. Rate limits stay on (429 is documented too).
    app.config.update(CLASSIFY_TIME_BUDGET=0.5, SERVER_NAME=None)
    make_organisation(network, name="맑은물 지킴이", goals=[6, 15])
    return app


def _run(app, mode: schemathesis.GenerationMode, headers: dict | None) -> list[str]:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        def check(case):
            try:
                case.call_and_validate(headers=headers, checks=CHECKS)
            except Exception as exc:  # collect every operation's failure, not just the first
                failures.append(f"{operation.method.upper()} {operation.path}: {type(exc).__name__}: "
                                f"{str(exc)[:600]}")
                raise

        try:
            check()
        except Exception:
            pass
        db.session.rollback()
    return failures


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
                         ids=["positive", "negative"])
@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "token"])
def test_api_matches_its_document(api_app, network, mode, with_token):
    headers = None
    if with_token:
        _, raw = accounts.create_api_token(make_user(network), network, "schemathesis")
        db.session.commit()
        headers = {"Authorization": f"Bearer {raw}"}
    failures = _run(api_app, mode, headers)
    assert not failures, "\n".join(failures)
