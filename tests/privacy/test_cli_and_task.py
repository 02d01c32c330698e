"""`flask privacy purge` and the worker's daily task."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.organisations import services
from civicnet.privacy.models import PurgeRun
from civicnet.timeutil import utcnow
from tests.builders import make_network, make_organisation


def _expired_withdrawn(network, name="오래 전에 떠난 모임"):
    org = make_organisation(network, name=name)
    services.withdraw(org, actor_kind="group")
    org.withdrawn_at = utcnow() - timedelta(days=4 * 365)
    db.session.commit()
    return org


def test_cli_dry_run_then_purge(app, network, caplog):
    org = _expired_withdrawn(network)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["privacy", "purge", "--network", "cheongju", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would delete network cheongju" in dry.output and "withdrawn_groups=1" in dry.output
    db.session.expire_all()
    assert not org.is_erased and db.session.scalar(sa.select(sa.func.count()).select_from(PurgeRun)) == 0
    with caplog.at_level("DEBUG"):
        done = runner.invoke(args=["privacy", "purge", "--network", "cheongju"])
    assert done.exit_code == 0 and "deleted network cheongju" in done.output and "withdrawn_groups=1" in done.output
    assert "오래 전에 떠난 모임" not in done.output + caplog.text
    db.session.expire_all()
    assert org.is_erased and db.session.scalar(sa.select(PurgeRun)).counts["withdrawn_groups"] == 1


def test_cli_every_network_and_unknown_network(app, network):
    other = make_network("other")
    theirs = _expired_withdrawn(other)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "purge"])
    assert result.exit_code == 0 and "network other" in result.output and "bot conversations" in result.output
    db.session.expire_all()
    assert theirs.is_erased
    missing = runner.invoke(args=["privacy", "purge", "--network", "nowhere"])
    assert missing.exit_code != 0 and "no network called 'nowhere'" in missing.output


def test_daily_task_is_declared_for_the_worker_and_purges(app, network):
    from civicnet import DOMAINS, queue

    assert "civicnet.privacy.tasks" in queue.load_task_modules(DOMAINS)
    declared = queue.DECLARED["privacy.purge"]
    assert declared.schedule is not None
    org = _expired_withdrawn(network)
    totals = declared.func()
    assert totals["withdrawn_groups"] == 1 and "stale_bot_conversations" in totals
    db.session.expire_all()
    assert org.is_erased
    assert {r.trigger for r in db.session.scalars(sa.select(PurgeRun))} == {"worker"}


def test_daily_task_skips_while_another_worker_purges(app, network):
    from civicnet.leases import Lease
    from civicnet.privacy.tasks import PURGE_LEASE, run_daily_purge

    other = Lease(db.engine, PURGE_LEASE, ttl=60, holder="another-worker")
    assert other.acquire()
    try:
        assert run_daily_purge() == {"locked": True}
    finally:
        other.release()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PurgeRun)) == 0
