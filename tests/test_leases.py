"""Database leases: one holder at a time; a dead holder's lease expires by itself."""
from __future__ import annotations

import time

from civicnet.extensions import db
from civicnet.leases import Lease, keep_alive


def test_one_holder_at_a_time_and_takeover_after_expiry(app):
    a = Lease(db.engine, "sender:test", ttl=0.6, holder="a")
    b = Lease(db.engine, "sender:test", ttl=0.6, holder="b")
    assert a.acquire() and a.acquire()  # re-acquiring our own lease extends it
    assert not b.acquire()
    assert b.current_holder() == "a"
    time.sleep(0.7)  # a died without releasing
    assert b.acquire()
    assert not a.renew() and not a.acquire()


def test_release_frees_at_once_and_only_for_the_holder(app):
    a = Lease(db.engine, "poller:test", ttl=60, holder="a")
    b = Lease(db.engine, "poller:test", ttl=60, holder="b")
    assert a.acquire()
    b.release()  # not b's: nothing happens
    assert not b.acquire()
    a.release()
    assert b.acquire() and b.current_holder() == "b"


def test_keep_alive_holds_past_the_ttl_and_reports_loss(app):
    a = Lease(db.engine, "beat:test", ttl=0.6, holder="a")
    assert a.acquire()
    with keep_alive(a, interval=0.1) as lost:
        time.sleep(1.0)
        assert not lost.is_set()
        assert not Lease(db.engine, "beat:test", ttl=0.6, holder="b").acquire()
    assert a.current_holder() is None  # released on exit
