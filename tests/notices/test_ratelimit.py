"""The limiter's promises, checked with a fake clock (exact) and against the fake server (real time)."""
from __future__ import annotations

import asyncio

from civicnet.notices.models import Notice
from civicnet.notices.ratelimit import SlidingWindowLimiter
from civicnet.notices.services import create_notice
from tests.notices.conftest import make_recipients, max_in_any_window, run_sender


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _run(limiter: SlidingWindowLimiter, keys) -> list[float]:
    starts = []

    async def go():
        for key in keys:
            await limiter.acquire(key)
            starts.append(limiter.clock())

    asyncio.run(go())
    return starts


def test_never_more_than_30_in_any_second_and_close_to_the_limit():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(30, 1.05, 1.0, clock=clock, sleep=clock.sleep)
    starts = _run(limiter, range(3000))
    assert max_in_any_window(starts, 1.0) <= 30
    rate = (len(starts) - 1) / (starts[-1] - starts[0])
    assert 28 <= rate <= 30


def test_one_message_per_second_per_chat():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(30, 1.0, 1.0, clock=clock, sleep=clock.sleep)
    starts = _run(limiter, ["a", "a", "a"])
    assert starts[1] - starts[0] >= 1.0 and starts[2] - starts[1] >= 1.0


def test_pause_stops_everything_for_retry_after():
    clock = FakeClock()
    limiter = SlidingWindowLimiter(30, 1.0, 1.0, clock=clock, sleep=clock.sleep)
    _run(limiter, ["a"])
    limiter.pause(7)
    paused_at = clock.now
    starts = _run(limiter, ["b"])
    assert starts[0] - paused_at >= 7


def test_real_sends_never_exceed_30_in_any_one_second_window(app, network, fake_tg):
    """The default limits, measured where it counts: arrival times at the (fake) Telegram server."""
    make_recipients(network, 75)
    notice = create_notice(network, "공지", None, "network")
    assert isinstance(notice, Notice)
    run_sender(fake_tg, max_events=app.config["NOTICES_RATE_PER_WINDOW"],
               window=app.config["NOTICES_RATE_WINDOW_SECONDS"], notice_id=notice.id)
    arrivals = [m.at for m in fake_tg.sent_messages()]
    assert len(arrivals) == 75
    assert max_in_any_window(arrivals, 1.0) <= 30
