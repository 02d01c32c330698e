"""The Redis-shared send budget: two limiters (two processes' worth) never exceed it together."""
from __future__ import annotations

import asyncio
import os
import uuid

import pytest

redis = pytest.importorskip("redis")

from civicnet.notices.shared_ratelimit import SharedSlidingWindowLimiter  # noqa: E402

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


@pytest.fixture
def client():
    c = redis.Redis.from_url(REDIS_URL)
    try:
        c.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CIVICNET_REQUIRE_REDIS"):
            raise
        pytest.skip("no Redis at " + REDIS_URL)
    yield c
    c.close()


def _pair(client, **kw):
    namespace = "test-" + uuid.uuid4().hex[:8]
    a = SharedSlidingWindowLimiter(client, namespace, **kw)
    b = SharedSlidingWindowLimiter(redis.Redis.from_url(REDIS_URL), namespace, **kw)
    return a, b


def test_two_limiters_share_one_window(client):
    a, b = _pair(client, max_events=5, window=0.4, per_key_interval=0.0)
    starts: dict[bytes, float] = {}  # every start as Redis recorded it (server clock, ms)

    def recording(limiter):
        original = limiter.try_acquire

        def try_acquire(key=None):
            wait = original(key)
            if wait == 0:
                starts.update(client.zrange(limiter._key("starts"), 0, -1, withscores=True))
            return wait
        limiter.try_acquire = try_acquire
        return limiter

    async def run(limiter, n):
        for _ in range(n):
            await limiter.acquire()

    async def both():
        await asyncio.gather(run(recording(a), 12), run(recording(b), 12))

    asyncio.run(both())
    times = sorted(starts.values())
    assert len(times) == 24
    # No window of 0.4 s on the Redis clock holds more than 5 starts of the two limiters together.
    for i, t in enumerate(times):
        assert sum(1 for u in times[i:] if u - t < 400) <= 5, times
    assert times[-1] - times[0] >= (24 / 5 - 1) * 400  # the shared budget really spread them


def test_per_chat_interval_and_pause_are_seen_by_the_other_process(client):
    a, b = _pair(client, max_events=30, window=1.0, per_key_interval=0.5)
    assert a.try_acquire(42) == 0
    assert 0 < b.key_wait(42) <= 0.5
    assert 0 < b.try_acquire(42) <= 0.5
    assert b.try_acquire(43) == 0  # another chat is free
    a.pause(0.3)
    assert 0.2 < b.paused_for <= 0.3
    assert b.try_acquire() > 0
    b.pause(0.1)  # a shorter pause never shortens the running one
    assert a.paused_for > 0.15


def test_make_limiter_uses_redis_when_configured(app):
    from civicnet.notices.delivery import make_limiter
    from civicnet.notices.ratelimit import SlidingWindowLimiter

    config = dict(app.config)
    assert isinstance(make_limiter(config | {"REDIS_URL": ""}), SlidingWindowLimiter)
    shared = make_limiter(config | {"REDIS_URL": REDIS_URL, "TELEGRAM_BOT_TOKEN": "123:secret"})
    assert isinstance(shared, SharedSlidingWindowLimiter)
    assert "secret" not in shared._prefix and shared.max_events == config["NOTICES_RATE_PER_WINDOW"]
