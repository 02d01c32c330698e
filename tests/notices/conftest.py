"""Fixtures for notice tests: a fake Telegram server and many linked recipients, fast."""
from __future__ import annotations

import asyncio
import itertools

import pytest
import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.notices.delivery import Sender, make_bot
from civicnet.notices.models import TelegramChat
from civicnet.notices.ratelimit import SlidingWindowLimiter
from civicnet.organisations.models import Organisation
from civicnet.timeutil import utcnow
from tests.bots.fake_telegram import FakeTelegram

_seq = itertools.count(1)


@pytest.fixture
def fake_tg():
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


def make_recipients(network, n: int, *, cluster=None, linked: bool = True) -> list[tuple[int, int]]:
    """``n`` members of ``network`` with consented, subscribed chats; returns (org id, chat id)."""
    batch = next(_seq)
    now = utcnow()
    rows = [{"network_id": network.id, "name": f"수신자 {batch}-{i}", "name_key": f"r{batch}-{i}", "kind": "ngo",
             "representative": "", "email": f"r{batch}-{i}@example.org", "contact_key": f"r{batch}-{i}@example.org",
             "district": "", "activities": "활동", "language": "ko", "status": "registered",
             "public_listing": False, "cluster_id": cluster.id if cluster else None,
             "created_at": now, "updated_at": now} for i in range(n)]
    db.session.execute(sa.insert(Organisation), rows)
    ids = list(db.session.scalars(sa.select(Organisation.id).where(Organisation.name_key.like(f"r{batch}-%"))
                                  .order_by(Organisation.id)))
    pairs = [(org_id, 50_000_000 + batch * 100_000 + i) for i, org_id in enumerate(ids)]
    if linked:
        db.session.execute(sa.insert(TelegramChat), [
            {"chat_id": chat_id, "network_id": network.id, "organisation_id": org_id, "language": "ko",
             "subscribed": True, "consent_version": "1", "consented_at": now, "created_at": now,
             "updated_at": now} for org_id, chat_id in pairs])
    db.session.commit()
    return pairs


def run_sender(fake: FakeTelegram, *, max_events: int = 100_000, window: float = 1.0, per_chat: float = 1.0,
               worker: str | None = None, lease: float = 120, max_in_flight: int = 8, notice_id=None):
    """Drain pending deliveries in this thread against the fake server; returns the report."""
    async def go():
        bot = make_bot(fake.token, fake.base_url, pool_size=max_in_flight + 2)
        async with bot:
            sender = Sender(db.engine, bot, SlidingWindowLimiter(max_events, window, per_chat), worker=worker,
                            max_in_flight=max_in_flight, lease_seconds=lease)
            return await sender.drain(notice_id)

    db.session.commit()
    return asyncio.run(go())


def max_in_any_window(times: list[float], window: float = 1.0) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best
