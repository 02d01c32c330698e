"""Two (or eight) submissions of the same group at the same moment make one record."""
from __future__ import annotations

import functools
import threading

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.networks.models import Network
from civicnet.organisations import services
from civicnet.organisations.models import Organisation
from tests.organisations.conftest import DETAILS

THREADS = 8


import pytest


@pytest.mark.parametrize("skip_precheck", [False, True], ids=["precheck", "constraint-only"])
def test_concurrent_duplicate_registrations(app, network, monkeypatch, skip_precheck):
    if skip_precheck:
        # Every thread passes the look-up (the registration's INSERT has none, and the look-up of the
        # winner finds nothing): only uq_organisations_identity can stop the duplicates.
        monkeypatch.setattr(services, "_identity_insert", functools.partial(services._identity_insert, precheck=False))
        monkeypatch.setattr(services, "find_existing", lambda *args, **kwargs: None)
    barrier = threading.Barrier(THREADS)
    results, errors = [], []

    def submit(i: int) -> None:
        with app.app_context():
            try:
                net = db.session.scalar(sa.select(Network).where(Network.slug == "cheongju"))
                barrier.wait(timeout=10)
                result = services.register_organisation(
                    net, DETAILS | {"name": "청주 하천 지킴이" if i % 2 else "청주하천지킴이"},
                    goals=[6], consent_version="1")
                db.session.commit()
                results.append((result.created, result.organisation.id))
            except Exception as exc:  # collected and reported below
                db.session.rollback()
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    assert len(results) == THREADS
    assert sum(created for created, _ in results) == 1
    assert len({org_id for _, org_id in results}) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1
