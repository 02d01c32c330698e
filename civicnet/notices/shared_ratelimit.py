"""The Telegram send budget shared in Redis by every worker and bot process (and machine).

``SharedSlidingWindowLimiter`` keeps the interface of ``ratelimit.SlidingWindowLimiter`` (at most
``max_events`` starts in any ``window`` seconds, evenly paced; ``per_key_interval`` between two
starts for one chat; ``pause()`` after a 429 stops everyone), but its state lives in Redis and
each decision is one Lua script run atomically there, timed by the Redis server's clock, so two
senders on two machines can never both take the 30th slot of a second. Keys are per bot (a hash
of the token, never the token itself) and expire on their own.

The pattern is GOV.UK Notify's Redis rate limit (``app/notifications/validators.py``): one
budget for every process.
"""
from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable, Hashable

import redis

# KEYS: starts (zset), paused, next slot, chat key or ""   ARGV: window ms, max, chat interval ms,
# member, min interval ms, catch-up slots. Returns 0 when a start was recorded, else ms to wait.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, max, interval = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local min_interval, catch_up = tonumber(ARGV[5]), tonumber(ARGV[6])
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
if KEYS[4] ~= '' then
  local chat = redis.call('PTTL', KEYS[4])
  if chat > 0 then return chat end
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= max then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return math.max(1, math.ceil(tonumber(oldest[2]) + window - now))
end
local slot = now - catch_up * min_interval
local next_slot = tonumber(redis.call('GET', KEYS[3]) or '0')
if next_slot > slot then slot = next_slot end
if slot > now then return math.max(1, math.ceil(slot - now)) end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], 2 * window)
redis.call('SET', KEYS[3], tostring(slot + min_interval), 'PX', 2 * window)
if KEYS[4] ~= '' then redis.call('SET', KEYS[4], '1', 'PX', interval) end
return 0
"""

# KEYS: paused   ARGV: ms. Extends the pause, never shortens it.
_PAUSE = """
local left = redis.call('PTTL', KEYS[1])
local ms = tonumber(ARGV[1])
if ms > left then redis.call('SET', KEYS[1], '1', 'PX', ms) end
return 0
"""


class SharedSlidingWindowLimiter:
    """``SlidingWindowLimiter`` with its state in Redis (see the module doc)."""

    def __init__(self, client: redis.Redis, namespace: str, max_events: int = 30, window: float = 1.05,
                 per_key_interval: float = 1.0, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        if max_events < 1 or window <= 0:
            raise ValueError("max_events must be >= 1 and window > 0")
        self.client, self.sleep = client, sleep
        self.max_events, self.window, self.per_key_interval = max_events, window, per_key_interval
        self.min_interval = window / max_events
        self.catch_up = 2
        self._prefix = f"civicnet:ratelimit:{namespace}"
        self._acquire = client.register_script(_ACQUIRE)
        self._pause = client.register_script(_PAUSE)

    @classmethod
    def for_bot(cls, redis_url: str, bot_token: str, max_events: int, window: float,
                per_key_interval: float) -> SharedSlidingWindowLimiter:
        """One budget per bot: the namespace is a hash of the token (the token never reaches Redis)."""
        namespace = hashlib.sha256(bot_token.encode()).hexdigest()[:16]
        return cls(redis.Redis.from_url(redis_url), namespace, max_events, window, per_key_interval)

    def _key(self, name: str) -> str:
        return f"{self._prefix}:{name}"

    def _chat_key(self, key: Hashable) -> str:
        return self._key(f"chat:{key}")

    def pause(self, seconds: float) -> None:
        ms = int(max(0.0, seconds) * 1000)
        if ms > 0:
            self._pause(keys=[self._key("paused")], args=[ms])

    @property
    def paused_for(self) -> float:
        return max(0, self.client.pttl(self._key("paused"))) / 1000

    def key_wait(self, key: Hashable) -> float:
        """Seconds until ``key`` may be sent to again (0 when it may now), for every process."""
        return max(0, self.client.pttl(self._chat_key(key))) / 1000

    def try_acquire(self, key: Hashable | None = None) -> float:
        """Record a start if one is allowed now (0.0), else return the seconds to wait."""
        wait_ms = self._acquire(
            keys=[self._key("starts"), self._key("paused"), self._key("next"),
                  self._chat_key(key) if key is not None else ""],
            args=[int(self.window * 1000), self.max_events, int(self.per_key_interval * 1000), uuid.uuid4().hex,
                  self.window * 1000 / self.max_events, self.catch_up])
        return int(wait_ms) / 1000

    async def acquire(self, key: Hashable | None = None) -> None:
        """Wait until one more start is allowed for every process together, then record it."""
        while (wait := await asyncio.to_thread(self.try_acquire, key)) > 0:
            await self.sleep(wait)
