"""The bot's replies wait for the bot's send budget (``bots/send_budget.py``)."""
from __future__ import annotations

import asyncio
import time

from bots.send_budget import SendBudget, counts

CONFIG = {"NOTICES_RATE_PER_WINDOW": 5, "NOTICES_RATE_WINDOW_SECONDS": 0.5, "NOTICES_PER_CHAT_INTERVAL": 1.0,
          "REDIS_URL": "", "TELEGRAM_BOT_TOKEN": "1:x"}


def test_messages_count_and_the_rest_do_not():
    assert counts("sendMessage") and counts("editMessageText") and counts("copyMessage")
    assert not counts("sendChatAction") and not counts("answerCallbackQuery") and not counts("getUpdates")


def test_replies_are_paced_to_the_budget_and_other_calls_are_not():
    budget = SendBudget(CONFIG)
    starts: dict[str, list[float]] = {"sendMessage": [], "answerCallbackQuery": []}

    async def call(endpoint: str):
        async def request():
            starts[endpoint].append(time.monotonic())
            return True
        return await budget.process_request(request, (), {}, endpoint, {"chat_id": 1}, None)

    async def main():
        await asyncio.gather(*[call("sendMessage") for _ in range(12)],
                             *[call("answerCallbackQuery") for _ in range(12)])

    asyncio.run(main())
    sent = sorted(starts["sendMessage"])
    assert len(sent) == 12
    for i, start in enumerate(sent):  # never more than 5 in any 0.5 s
        assert sum(1 for t in sent[i:] if t < start + 0.5) <= 5
    assert sent[-1] - sent[0] >= 0.9  # 12 messages at 5 per 0.5 s take at least two windows
    answers = sorted(starts["answerCallbackQuery"])
    assert answers[-1] - answers[0] < 0.2  # not held back
