"""Webhook mode without extra dependencies: a small asyncio HTTP endpoint feeding PTB's queue.

Telegram sends the secret given to setWebhook in ``X-Telegram-Bot-Api-Secret-Token``; it is checked
in constant time (``hmac.compare_digest``) before the body is even read. Put it behind the reverse
proxy that terminates TLS (Telegram only calls https URLs).
"""
from __future__ import annotations

import asyncio
import hmac
import json
import logging

from telegram import Update
from telegram.ext import Application

log = logging.getLogger(__name__)
MAX_BODY = 1_000_000


def secret_ok(given: str | None, expected: str) -> bool:
    if not expected:
        return False
    return hmac.compare_digest((given or "").encode("utf-8"), expected.encode("utf-8"))


async def _respond(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
    writer.write(f"HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    writer.close()


async def start_webhook_server(application: Application, *, listen: str, port: int, path: str,
                               secret: str) -> asyncio.base_events.Server:
    """Serve POST ``path``; returns the running server (close it to stop)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await asyncio.wait_for(reader.readline(), 10)).decode("latin-1").split()
            headers: dict[str, str] = {}
            while True:
                line = (await asyncio.wait_for(reader.readline(), 10)).decode("latin-1")
                if line in ("\r\n", "\n", ""):
                    break
                name, _sep, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if len(request_line) < 2 or request_line[0] != "POST" or request_line[1] != path:
                return await _respond(writer, 404, "Not Found")
            if not secret_ok(headers.get("x-telegram-bot-api-secret-token"), secret):
                return await _respond(writer, 403, "Forbidden")
            length = int(headers.get("content-length") or 0)
            if length <= 0 or length > MAX_BODY:
                return await _respond(writer, 400, "Bad Request")
            body = await asyncio.wait_for(reader.readexactly(length), 10)
            update = Update.de_json(json.loads(body), application.bot)
            await application.update_queue.put(update)
            await _respond(writer, 200, "OK")
        except (ValueError, json.JSONDecodeError, asyncio.IncompleteReadError, asyncio.TimeoutError):
            await _respond(writer, 400, "Bad Request")
        except ConnectionError:
            pass

    return await asyncio.start_server(handle, listen, port)
