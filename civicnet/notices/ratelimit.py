"""Send-rate limits for the Telegram Bot API: a sliding window across chats plus one per chat.

Telegram allows about 30 messages per second per bot and one per second per chat; a 429 answer
carries ``retry_after``, during which nothing may be sent. The clock and sleep are injectable so
tests can check the limits quickly and exactly.
"""
from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable


class SlidingWindowLimiter:
    """At most ``max_events`` starts in any ``window`` seconds, evenly paced; ``per_key_interval``
    seconds between two starts for the same key (chat); ``pause()`` stops everything for a while."""

    def __init__(self, max_events: int = 30, window: float = 1.05, per_key_interval: float = 1.0, *,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if max_events < 1 or window <= 0:
            raise ValueError("max_events must be >= 1 and window > 0")
        self.max_events, self.window, self.per_key_interval = max_events, window, per_key_interval
        self.clock, self.sleep = clock, sleep
        self.min_interval = window / max_events
        self._starts: deque[float] = deque()
        self._per_key: dict[Hashable, float] = {}
        self._paused_until = 0.0
        # Even pacing on a schedule: a start that came late (the loop was busy) may catch up by at
        # most ``catch_up`` slots; the sliding window above stays the hard limit.
        self.catch_up = 2
        self._next_slot = float("-inf")
        self._lock = asyncio.Lock()

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.clock() + max(0.0, seconds))

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self.clock())

    def key_wait(self, key: Hashable) -> float:
        """Seconds until ``key`` may be sent to again (0 when it may now)."""
        last = self._per_key.get(key)
        return 0.0 if last is None else max(0.0, last + self.per_key_interval - self.clock())

    def _wait(self, key: Hashable | None) -> float:
        now = self.clock()
        while self._starts and now - self._starts[0] >= self.window:
            self._starts.popleft()
        slot = max(self._next_slot, now - self.catch_up * self.min_interval)
        wait = max(0.0, self._paused_until - now, slot - now)
        if len(self._starts) >= self.max_events:
            wait = max(wait, self._starts[0] + self.window - now)
        if key is not None:
            wait = max(wait, self.key_wait(key))
        return wait

    async def acquire(self, key: Hashable | None = None) -> None:
        """Wait until one more start is allowed, then record it."""
        async with self._lock:
            while (wait := self._wait(key)) > 0:
                await self.sleep(wait)
            now = self.clock()
            self._starts.append(now)
            self._next_slot = max(self._next_slot, now - self.catch_up * self.min_interval) + self.min_interval
            if key is not None:
                self._per_key[key] = now
                if len(self._per_key) > 10_000:  # forget chats that are long past their interval
                    horizon = now - self.per_key_interval
                    self._per_key = {k: t for k, t in self._per_key.items() if t > horizon}
