r"""Sending pending deliveries to Telegram: at most once per (notice, recipient), never lost.

How a delivery moves:

    pending --claim--> sending --Telegram answered--> sent | failed | unreachable
                          \--429 (not sent)--> pending   (after pausing retry_after)

* **Claim** is a conditional ``UPDATE ... SET state='sending' WHERE id=:id AND state='pending'``
  committed *before* the request; only one sender's UPDATE can match, so two workers never send
  the same delivery (on PostgreSQL the row lock makes the loser re-check and find 'sending').
* The outcome is committed right after Telegram answers.
* **At-most-once.** Telegram has no idempotency key and no way to ask "did message X arrive?". A
  delivery found in 'sending' after its lease expired belongs to a sender that died between the
  claim and the outcome: the message may or may not have arrived. Resending could double it, so it
  is *not* resent: it becomes ``failed`` with error ``interrupted`` and the organiser sees it (and
  may press "retry failed" knowingly). The window is at most ``NOTICES_MAX_IN_FLIGHT`` deliveries
  per crash. Every other delivery resumes from 'pending', so none is lost.
* 403 (blocked by the user) and "chat not found" mark the chat unreachable; later deliveries to it
  are skipped. 429 pauses all sending for ``retry_after`` and puts the delivery back to pending.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.request import HTTPXRequest

from ..timeutil import utcnow
from .models import Delivery, DeliveryState, Notice, TelegramChat
from .ratelimit import SlidingWindowLimiter

# Opt in to PTB's coming API (durations as timedelta) so it does not warn on every 429.
os.environ.setdefault("PTB_TIMEDELTA", "1")
log = logging.getLogger(__name__)
MAX_ATTEMPTS = 5
D = Delivery.__table__
C = TelegramChat.__table__


def worker_name() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def retry_after_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB 22 warns about the int/timedelta switch on access
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


@dataclass
class DrainReport:
    sent: int = 0
    failed: int = 0
    unreachable: int = 0
    rate_limited: int = 0
    interrupted: int = 0
    pauses: list[float] = field(default_factory=list)
    request_times: list[float] = field(default_factory=list)  # monotonic, when each request left


def recover_interrupted(engine: Engine, lease_seconds: float, *, sole_sender: str | None = None) -> int:
    """Deliveries left 'sending' by a dead sender become failed/interrupted (never resent blindly).

    ``sole_sender``: the caller holds the bot's sender lease, so every 'sending' row claimed by
    anyone else belongs to a sender that died: flag those at once instead of after ``lease_seconds``.
    """
    orphaned = (D.c.claimed_by != sole_sender) if sole_sender else (
        D.c.claimed_at <= utcnow() - timedelta(seconds=lease_seconds))
    with engine.begin() as conn:
        result = conn.execute(
            D.update().where(D.c.state == DeliveryState.SENDING, orphaned)
            .values(state=DeliveryState.FAILED, error="interrupted: outcome unknown, not resent",
                    finished_at=utcnow()))
    return result.rowcount or 0


def _pending_batch(engine: Engine, notice_id: int | None, limit: int) -> list[sa.Row]:
    stmt = (sa.select(D.c.id, D.c.notice_id, D.c.chat_ref_id, D.c.attempts, C.c.chat_id, C.c.language,
                      C.c.subscribed, C.c.unreachable_at)
            .select_from(D.outerjoin(C, C.c.id == D.c.chat_ref_id))
            .where(D.c.state == DeliveryState.PENDING).order_by(D.c.id).limit(limit))
    if notice_id is not None:
        stmt = stmt.where(D.c.notice_id == notice_id)
    with engine.connect() as conn:
        return list(conn.execute(stmt))


def _skip(engine: Engine, delivery_id: int, reason: str) -> None:
    with engine.begin() as conn:
        conn.execute(D.update().where(D.c.id == delivery_id, D.c.state == DeliveryState.PENDING)
                     .values(state=DeliveryState.UNREACHABLE, error=reason, finished_at=utcnow()))


class Sender:
    """Drains pending deliveries through one ``telegram.Bot`` within the rate limits.

    Claims are taken in small groups (about 0.15 s of sending at the configured rate, at most
    ``max_in_flight``) and outcomes are written in the same transaction as the next claim, so a
    message costs a fraction of a commit. A crash therefore leaves at most about two groups in
    'sending': those become failed/interrupted (see the module doc), everything else resumes.
    """

    def __init__(self, engine: Engine, bot: Bot, limiter: SlidingWindowLimiter, *, worker: str | None = None,
                 max_in_flight: int = 8, lease_seconds: float = 120) -> None:
        self.engine, self.bot, self.limiter = engine, bot, limiter
        self.worker = worker or worker_name()
        self.max_in_flight, self.lease_seconds = max_in_flight, lease_seconds
        rate = limiter.max_events / limiter.window
        self.group_size = max(1, min(max_in_flight, int(rate * 0.15)))
        self._bodies: dict[int, tuple[str, str | None]] = {}
        self._results: list[tuple[int, str, str | None, int | None, int | None]] = []
        self.report = DrainReport()

    def _load_bodies(self, notice_ids: set[int]) -> None:
        missing = notice_ids - set(self._bodies)
        if missing:
            with self.engine.connect() as conn:
                for row in conn.execute(sa.select(Notice.id, Notice.body_ko, Notice.body_en)
                                        .where(Notice.id.in_(missing))):
                    self._bodies[row.id] = (row.body_ko, row.body_en)

    def _body(self, notice_id: int, lang: str) -> str:
        ko, en = self._bodies[notice_id]
        return en if lang == "en" and en else ko

    def _write_results(self, conn, results: list) -> None:
        now = utcnow()
        for delivery_id, state, error, message_id, chat_ref in results:
            values = {"state": state, "error": error, "message_id": message_id,
                      "finished_at": None if state == DeliveryState.PENDING else now}
            if state == DeliveryState.PENDING:
                values.update(claimed_by=None, claimed_at=None)
            conn.execute(D.update().where(D.c.id == delivery_id, D.c.state == DeliveryState.SENDING,
                                          D.c.claimed_by == self.worker).values(**values))
            if state == DeliveryState.UNREACHABLE and chat_ref is not None:
                conn.execute(C.update().where(C.c.id == chat_ref).values(unreachable_at=now, updated_at=now))

    async def _flush_and_claim(self, ids: list[int]) -> set[int]:
        """One transaction: write finished outcomes, then claim ``ids`` (those still pending).

        Database work runs in a thread so the event loop keeps sending on time meanwhile (a
        blocked loop would bunch sends together and break the per-second limit at Telegram's end).
        """
        results, self._results = self._results, []
        if not ids and not results:
            return set()
        return await asyncio.to_thread(self._flush_and_claim_sync, ids, results)

    def _flush_and_claim_sync(self, ids: list[int], results: list) -> set[int]:
        with self.engine.begin() as conn:
            self._write_results(conn, results)
            if not ids:
                return set()
            claimed = conn.execute(
                D.update().where(D.c.id.in_(ids), D.c.state == DeliveryState.PENDING)
                .values(state=DeliveryState.SENDING, claimed_by=self.worker, claimed_at=utcnow(),
                        attempts=D.c.attempts + 1).returning(D.c.id))
            return set(claimed.scalars())

    def _outcome(self, row: sa.Row, state: str, error: str | None = None, message_id: int | None = None) -> None:
        self._results.append((row.id, state, error, message_id, row.chat_ref_id))

    async def _send(self, row: sa.Row, slots: asyncio.Semaphore) -> None:
        try:
            text = self._body(row.notice_id, row.language)
            while (paused := self.limiter.paused_for) > 0:  # a 429 came in after this slot was given
                await asyncio.sleep(paused)
            try:
                self.report.request_times.append(time.monotonic())
                message = await self.bot.send_message(chat_id=row.chat_id, text=text)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.limiter.pause(seconds)
                self.report.rate_limited += 1
                self.report.pauses.append(seconds)
                self._outcome(row, DeliveryState.PENDING, "429")  # not sent: safe to send later
            except Forbidden:
                self.report.unreachable += 1
                self._outcome(row, DeliveryState.UNREACHABLE, "blocked")
            except BadRequest as exc:
                chat_gone = "chat not found" in str(exc).lower()
                self.report.unreachable += chat_gone
                self.report.failed += not chat_gone
                self._outcome(row, DeliveryState.UNREACHABLE if chat_gone else DeliveryState.FAILED,
                              "chat not found" if chat_gone else str(exc)[:200])
            except TimedOut:
                # The request may have reached Telegram: at-most-once means we do not retry.
                self.report.failed += 1
                self._outcome(row, DeliveryState.FAILED, "timed out: outcome unknown")
            except (NetworkError, TelegramError) as exc:
                # Connection refused and the like: not delivered, so it is safe to try again later.
                final = row.attempts + 1 >= MAX_ATTEMPTS
                self.report.failed += final
                self._outcome(row, DeliveryState.FAILED if final else DeliveryState.PENDING, str(exc)[:200])
                if not final:
                    self.limiter.pause(min(30.0, 2.0 ** row.attempts))
            else:
                self.report.sent += 1
                self._outcome(row, DeliveryState.SENT, message_id=message.message_id)
        finally:
            slots.release()

    async def drain(self, notice_id: int | None = None, *, batch_size: int = 200,
                    stop: threading.Event | None = None, sole_sender: bool = False) -> DrainReport:
        """Send every pending delivery (of one notice, or all); return when none is left.

        ``stop`` is set when the sender lease was lost: claim nothing more, finish what is in flight.
        ``sole_sender``: this sender holds the bot's lease (see ``recover_interrupted``).
        """
        self.report.interrupted += await asyncio.to_thread(
            recover_interrupted, self.engine, self.lease_seconds, sole_sender=self.worker if sole_sender else None)
        slots = asyncio.Semaphore(self.max_in_flight)
        tasks: set[asyncio.Task] = set()
        while not (stop and stop.is_set()):
            await self._flush_and_claim([])
            batch = await asyncio.to_thread(_pending_batch, self.engine, notice_id, batch_size)
            if not batch:
                if not tasks:
                    break
                await asyncio.wait(tasks)  # 429s and transient errors put rows back to pending
                continue
            await asyncio.to_thread(self._load_bodies, {row.notice_id for row in batch})
            ready, seen_chats = [], set()
            for row in batch:
                if row.chat_id is None or not row.subscribed or row.unreachable_at is not None:
                    await asyncio.to_thread(_skip, self.engine, row.id, "no_telegram" if row.chat_id is None else
                                            "unsubscribed" if not row.subscribed else "blocked")
                    self.report.unreachable += 1
                elif row.chat_id not in seen_chats and self.limiter.key_wait(row.chat_id) == 0:
                    seen_chats.add(row.chat_id)  # one message per chat per round: 1/s per chat
                    ready.append(row)
            started = 0
            for i in range(0, len(ready), self.group_size):
                group = ready[i:i + self.group_size]
                claimed = await self._flush_and_claim([row.id for row in group])
                for row in group:
                    if row.id not in claimed:
                        continue  # another sender has it
                    await slots.acquire()
                    await self.limiter.acquire(row.chat_id)
                    task = asyncio.create_task(self._send(row, slots))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                    started += 1
            if not started:
                await asyncio.sleep(max(0.05, min(1.0, self.limiter.paused_for)))
        if tasks:
            await asyncio.wait(tasks)
        await self._flush_and_claim([])
        return self.report


def make_bot(token: str, base_url: str, *, pool_size: int = 16) -> Bot:
    request = HTTPXRequest(connection_pool_size=pool_size, read_timeout=15, write_timeout=15,
                           connect_timeout=10, pool_timeout=30)
    return Bot(token, base_url=base_url, request=request)


def make_limiter(config) -> SlidingWindowLimiter:
    if config.get("REDIS_URL"):  # several workers/machines: one budget in Redis (shared_ratelimit.py)
        from .shared_ratelimit import SharedSlidingWindowLimiter

        return SharedSlidingWindowLimiter.for_bot(
            config["REDIS_URL"], config["TELEGRAM_BOT_TOKEN"], int(config["NOTICES_RATE_PER_WINDOW"]),
            float(config["NOTICES_RATE_WINDOW_SECONDS"]), float(config["NOTICES_PER_CHAT_INTERVAL"]))
    return SlidingWindowLimiter(int(config["NOTICES_RATE_PER_WINDOW"]), float(config["NOTICES_RATE_WINDOW_SECONDS"]),
                                float(config["NOTICES_PER_CHAT_INTERVAL"]))


async def drain_with_config(engine: Engine, config, notice_id: int | None = None,
                            worker: str | None = None, stop: threading.Event | None = None) -> DrainReport:
    """Build the bot and limiter from the app config and drain (used by the worker task)."""
    bot = make_bot(config["TELEGRAM_BOT_TOKEN"], config["TELEGRAM_API_BASE_URL"],
                   pool_size=int(config["NOTICES_MAX_IN_FLIGHT"]) + 2)
    async with bot:
        sender = Sender(engine, bot, make_limiter(config), worker=worker,
                        max_in_flight=int(config["NOTICES_MAX_IN_FLIGHT"]),
                        lease_seconds=float(config["NOTICES_SENDING_LEASE_SECONDS"]))
        return await sender.drain(notice_id, stop=stop, sole_sender=stop is not None)
