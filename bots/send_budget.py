"""The bot's own messages count in the bot's one send budget (Telegram: about 30 a second).

Without this, the bot answered users at whatever pace they wrote while a worker sent a broadcast
at the full 30 a second with the same token: together more than Telegram allows, and its 429s
paused the broadcast. ``SendBudget`` is PTB's rate-limiter hook (``ApplicationBuilder
.rate_limiter``) over the notice sender's limiter (``civicnet.notices.delivery.make_limiter``):
shared in Redis by every bot and worker process when ``REDIS_URL`` is set, this process's own
otherwise. Replies wait for a slot like any broadcast message (no per-chat pacing: a reply
answers the user); a 429 answered to the bot pauses everyone's sending, as it does the sender's.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from civicnet.notices.delivery import make_limiter, retry_after_seconds

# Methods that put a message in a chat (what Telegram's per-bot limit counts).
COUNTED = ("send", "edit", "copy", "forward")
NOT_COUNTED = {"sendChatAction"}


def counts(endpoint: str) -> bool:
    return endpoint.startswith(COUNTED) and endpoint not in NOT_COUNTED


class SendBudget(BaseRateLimiter[None]):
    def __init__(self, config) -> None:
        self.limiter = make_limiter(config)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, Any]], args: Any,
                              kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: None) -> Any:
        if not counts(endpoint):
            return await callback(*args, **kwargs)
        await self.limiter.acquire(None)
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:
            self.limiter.pause(retry_after_seconds(exc))
            raise
