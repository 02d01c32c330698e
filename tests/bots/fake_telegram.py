"""A small fake Telegram Bot API server on 127.0.0.1 for the bot and notice tests (and bench/).

Standard library only (http.server in a thread). It decodes python-telegram-bot's requests
(form-encoded, JSON or multipart), answers getMe, getUpdates (long polling), sendMessage,
editMessageText, editMessageReplyMarkup, answerCallbackQuery, setWebhook, deleteWebhook,
setMyCommands, keeps every message the bot sent, and lets a test inject user messages, button
presses (callback_query), contact shares, 429 answers with retry_after and 403 "blocked".

Once the bot has called setWebhook, injected updates are POSTed to its URL instead, one at a time
and in order, with the secret token header, as Telegram does (a failed delivery is retried).
"""
from __future__ import annotations

import email.parser
import email.policy
import http.client
import itertools
import json
import threading
import time
from urllib.parse import urlsplit
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

BOT_ID = 777000111


@dataclass
class SentMessage:
    message_id: int
    chat_id: int
    text: str
    reply_markup: dict | None
    method: str
    at: float
    extra: dict = field(default_factory=dict)

    def buttons(self) -> list[dict]:
        """Inline keyboard buttons (text, callback_data) in order."""
        rows = (self.reply_markup or {}).get("inline_keyboard") or []
        return [b for row in rows for b in row]

    def button_data(self, text_contains: str) -> str:
        for b in self.buttons():
            if text_contains in b.get("text", ""):
                return b["callback_data"]
        raise AssertionError(f"no button with {text_contains!r} in {[b.get('text') for b in self.buttons()]}")

    @property
    def keyboard(self) -> list[str]:
        rows = (self.reply_markup or {}).get("keyboard") or []
        return [b["text"] if isinstance(b, dict) else b for row in rows for b in row]


class FakeTelegram:
    def __init__(self, token: str = "123456:TEST-TOKEN", username: str = "CivicNetTestBot",
                 response_delay: float = 0.0) -> None:
        self.token, self.username = token, username
        self.response_delay = response_delay
        self.cond = threading.Condition()
        self.requests: list[tuple[str, dict]] = []
        self.sent: list[SentMessage] = []
        self.updates: list[dict] = []
        self.blocked: set[int] = set()
        self.rate_limits: list[int] = []          # retry_after values for the next sendMessage calls
        self.rate_limit_every: int | None = None  # or: a 429 for every n-th sendMessage
        self.rate_limit_retry_after = 1
        self.rate_limit_at: dict[int, int] = {}    # sendMessage number -> retry_after
        self.rate_limited_at: list[float] = []     # when each 429 was answered
        self.send_count = 0
        self.webhook: dict | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []  # (update_id, HTTP status) per attempt
        # getUpdates calls that arrived while another one was still waiting: two pollers on one bot
        # (real Telegram answers one of them 409 Conflict).
        self.poll_conflicts = 0
        self._polls_in_flight = 0
        self._webhook_cursor = 0
        self._stopping = False
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._callback_ids = itertools.count(1)
        self._cursor: dict[int, int] = {}
        self._all_updates: list[dict] = []
        self._server: ThreadingHTTPServer | None = None
        self._arrival = threading.local()  # per request thread: when the request arrived

    # --- server lifecycle -----------------------------------------------------------------
    def start(self) -> FakeTelegram:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                fake._handle(self)

            do_GET = do_POST

        class Server(ThreadingHTTPServer):
            def handle_error(self, request, client_address) -> None:
                pass  # clients killed mid-request (the kill -9 test) are expected here

        self._server = Server(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        threading.Thread(target=self._deliver_webhooks, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server:
            with self.cond:
                self._stopping = True
                self.cond.notify_all()
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # --- request handling -----------------------------------------------------------------
    @staticmethod
    def _decode(handler: BaseHTTPRequestHandler) -> dict:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        ctype = handler.headers.get("Content-Type", "")
        if not raw:
            return {}
        if ctype.startswith("application/json"):
            return json.loads(raw)
        if ctype.startswith("multipart/form-data"):
            msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
                b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
            return {part.get_param("name", header="content-disposition"): part.get_content()
                    for part in msg.iter_parts()}
        return {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"), keep_blank_values=True).items()}

    def _reply(self, handler: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        # When the request arrived (its headers read), as Telegram would count it: not after the
        # body was decoded and this thread got the lock, which a busy test process delays.
        self._arrival.at = time.monotonic()
        prefix = f"/bot{self.token}/"
        if not handler.path.startswith(prefix):
            return self._reply(handler, 404, {"ok": False, "error_code": 404, "description": "Not Found"})
        method = handler.path[len(prefix):].split("?")[0]
        params = self._decode(handler)
        with self.cond:
            self.requests.append((method, params))
        try:
            status, result = self._dispatch(method, params)
        except (KeyError, ValueError) as exc:  # e.g. a body cut short by a killed client
            status, result = 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {exc}"}
        if status == 200:
            self._reply(handler, 200, {"ok": True, "result": result})
        else:
            self._reply(handler, status, result)

    def _dispatch(self, method: str, p: dict) -> tuple[int, object]:
        if method == "getMe":
            return 200, {"id": BOT_ID, "is_bot": True, "first_name": "CivicNet", "username": self.username,
                         "can_join_groups": False, "can_read_all_group_messages": False,
                         "supports_inline_queries": False}
        if method == "getUpdates":
            return 200, self._get_updates(int(p.get("offset") or 0), float(p.get("timeout") or 0))
        if method in {"setWebhook", "deleteWebhook"}:
            with self.cond:
                self.webhook = dict(p) if method == "setWebhook" else None
            return 200, True
        if method in {"setMyCommands", "answerCallbackQuery", "deleteMyCommands", "setChatMenuButton"}:
            return 200, True
        if method == "getWebhookInfo":
            return 200, {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                         "pending_update_count": 0}
        if method == "sendMessage":
            return self._send_message(p)
        if method in {"editMessageText", "editMessageReplyMarkup"}:
            return 200, self._record(method, int(p["chat_id"]), p.get("text"), p, int(p["message_id"]))
        if method == "sendChatAction":
            return 200, True
        return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: method {method} not faked"}

    def _send_message(self, p: dict) -> tuple[int, object]:
        chat_id = int(p["chat_id"])
        if self.response_delay:
            time.sleep(self.response_delay)
        with self.cond:
            self.send_count += 1
            n = self.send_count
            retry = None
            if self.rate_limits:
                retry = self.rate_limits.pop(0)
            elif n in self.rate_limit_at:
                retry = self.rate_limit_at[n]
            elif self.rate_limit_every and n % self.rate_limit_every == 0:
                retry = self.rate_limit_retry_after
            if retry is not None:
                self.rate_limited_at.append(time.monotonic())
                return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry}",
                             "parameters": {"retry_after": retry}}
            if chat_id in self.blocked:
                return 403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"}
        return 200, self._record("sendMessage", chat_id, p.get("text", ""), p)

    def _record(self, method: str, chat_id: int, text: str | None, p: dict, message_id: int | None = None) -> dict:
        markup = p.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        with self.cond:
            if message_id is None:
                message_id = next(self._message_ids)
            previous = next((m for m in reversed(self.sent) if m.message_id == message_id), None)
            if text is None and previous is not None:
                text = previous.text
            arrived = getattr(self._arrival, "at", None) or time.monotonic()
            self.sent.append(SentMessage(message_id, chat_id, text or "", markup, method, arrived,
                                         {k: v for k, v in p.items() if k not in {"text", "reply_markup"}}))
            self.cond.notify_all()
        message = {"message_id": message_id, "date": int(time.time()), "text": text or "",
                   "chat": {"id": chat_id, "type": "private", "first_name": "Tester"},
                   "from": {"id": BOT_ID, "is_bot": True, "first_name": "CivicNet", "username": self.username}}
        if markup and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _get_updates(self, offset: int, timeout: float) -> list[dict]:
        deadline = time.monotonic() + min(timeout, 1.0)
        with self.cond:
            if self._polls_in_flight:
                self.poll_conflicts += 1
            self._polls_in_flight += 1
            try:
                while True:
                    ready = [u for u in self.updates if u["update_id"] >= offset]
                    self.updates = ready  # confirmed ones are forgotten, as Telegram does
                    if ready or time.monotonic() >= deadline:
                        return ready[:100]
                    self.cond.wait(max(0.0, deadline - time.monotonic()))
            finally:
                self._polls_in_flight -= 1

    def _deliver_webhooks(self) -> None:
        """While a webhook is set: POST each update to it in order; retry until it answers 200."""
        while True:
            with self.cond:
                while not self._stopping and not (self.webhook and self.webhook.get("url")
                                                  and self._webhook_cursor < len(self._all_updates)):
                    self.cond.wait(0.5)
                if self._stopping:
                    return
                update, hook = self._all_updates[self._webhook_cursor], dict(self.webhook)
            status = self._post_update(hook, update)
            with self.cond:
                self.webhook_deliveries.append((update["update_id"], status))
                if status == 200:
                    self._webhook_cursor += 1
                self.cond.notify_all()
            if status != 200:
                time.sleep(0.2)

    @staticmethod
    def _post_update(hook: dict, update: dict) -> int:
        url = urlsplit(hook["url"])
        headers = {"Content-Type": "application/json"}
        if hook.get("secret_token"):
            headers["X-Telegram-Bot-Api-Secret-Token"] = hook["secret_token"]
        try:
            conn = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=10)
            conn.request("POST", url.path or "/", body=json.dumps(update).encode(), headers=headers)
            status = conn.getresponse().status
            conn.close()
            return status
        except OSError:
            return 0

    # --- injecting user actions -----------------------------------------------------------
    def _user(self, chat_id: int, first_name: str) -> dict:
        return {"id": chat_id, "is_bot": False, "first_name": first_name, "language_code": "ko"}

    def _push(self, update: dict) -> dict:
        with self.cond:
            update["update_id"] = next(self._update_ids)
            self.updates.append(update)
            self._all_updates.append(update)
            self.cond.notify_all()
        return update

    def make_message_update(self, chat_id: int, text: str | None = None, *, contact: dict | None = None,
                            first_name: str = "Tester") -> dict:
        message = {"message_id": next(self._message_ids), "date": int(time.time()),
                   "chat": {"id": chat_id, "type": "private", "first_name": first_name},
                   "from": self._user(chat_id, first_name)}
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        if contact is not None:
            message["contact"] = contact
        return {"message": message}

    def send_text(self, chat_id: int, text: str, first_name: str = "Tester") -> dict:
        return self._push(self.make_message_update(chat_id, text, first_name=first_name))

    def share_contact(self, chat_id: int, phone: str, first_name: str = "Tester", user_id: int | None = None) -> dict:
        contact = {"phone_number": phone, "first_name": first_name, "user_id": user_id or chat_id}
        return self._push(self.make_message_update(chat_id, contact=contact, first_name=first_name))

    def press(self, chat_id: int, data: str, message: SentMessage | None = None) -> dict:
        """Press an inline button: ``message`` defaults to the bot's last message offering ``data``."""
        if message is None:
            with self.cond:
                message = next((m for m in reversed(self.sent) if m.chat_id == chat_id
                                and any(b.get("callback_data") == data for b in m.buttons())), None)
            if message is None:
                raise AssertionError(f"no message in chat {chat_id} offers the button {data!r}")
        bot_message = {"message_id": message.message_id, "date": int(time.time()), "text": message.text,
                       "chat": {"id": chat_id, "type": "private", "first_name": "Tester"},
                       "from": {"id": BOT_ID, "is_bot": True, "first_name": "CivicNet", "username": self.username}}
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            bot_message["reply_markup"] = message.reply_markup
        return self._push({"callback_query": {"id": str(next(self._callback_ids)), "from": self._user(chat_id, "Tester"),
                                              "chat_instance": str(chat_id), "data": data, "message": bot_message}})

    # --- reading what the bot sent --------------------------------------------------------
    def messages_to(self, chat_id: int) -> list[SentMessage]:
        with self.cond:
            return [m for m in self.sent if m.chat_id == chat_id]

    def next_message(self, chat_id: int, timeout: float = 10.0) -> SentMessage:
        """The next message (or edit) to ``chat_id`` that this helper has not returned yet."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                mine = [m for m in self.sent if m.chat_id == chat_id]
                cursor = self._cursor.get(chat_id, 0)
                if len(mine) > cursor:
                    self._cursor[chat_id] = cursor + 1
                    return mine[cursor]
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"the bot sent nothing more to chat {chat_id} within {timeout}s; "
                                         f"last: {[m.text[:60] for m in mine[-3:]]}")
                self.cond.wait(remaining)

    def unread(self, chat_id: int) -> list[SentMessage]:
        """Messages to ``chat_id`` that next_message has not returned yet."""
        with self.cond:
            return [m for m in self.sent if m.chat_id == chat_id][self._cursor.get(chat_id, 0):]

    def drain_messages(self, chat_id: int) -> None:
        """Skip everything sent to ``chat_id`` so far."""
        with self.cond:
            self._cursor[chat_id] = len([m for m in self.sent if m.chat_id == chat_id])

    def wait_until(self, predicate, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("condition not met in time")
                self.cond.wait(remaining)

    def sent_messages(self) -> list[SentMessage]:
        with self.cond:
            return [m for m in self.sent if m.method == "sendMessage"]


def _serve_with_kernel_timestamps(fake: FakeTelegram, stop: threading.Event) -> None:
    """A single-threaded front end to the same fake, for bench/ (run in its own process).

    Arrival times are the kernel's receive timestamps (SO_TIMESTAMPNS, wall clock), i.e. when the
    request reached this host, as Telegram would count it, and not when this process got CPU time
    to read it (on a busy machine that can be 100+ ms later and would bunch arrivals together).
    """
    import selectors
    import socket
    import struct
    from urllib.parse import parse_qs as _parse

    so_timestampns = getattr(socket, "SO_TIMESTAMPNS", 35)
    sel = selectors.DefaultSelector()
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.setblocking(False)
    sel.register(server, selectors.EVENT_READ)
    print(server.getsockname()[1], flush=True)
    buffers: dict[socket.socket, list] = {}

    def respond(conn: socket.socket, raw: bytes, arrived: float) -> None:
        head, _sep, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        path = lines[0].split()[1]
        headers = {k.strip().lower(): v.strip() for k, _s, v in (line.partition(":") for line in lines[1:])}
        if headers.get("content-type", "").startswith("application/json") and body:
            params = json.loads(body)
        else:
            params = {k: v[-1] for k, v in _parse(body.decode("utf-8")).items()}
        method = path.rsplit("/", 1)[-1]
        status, result = fake._dispatch(method, params)
        if method == "sendMessage" and status == 200:
            fake.sent[-1].at = arrived
        data = json.dumps({"ok": True, "result": result} if status == 200 else result).encode()
        conn.setblocking(True)
        conn.sendall(b"HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                     % (status, len(data)) + data)
        conn.setblocking(False)

    while not stop.is_set():
        for key, _events in sel.select(timeout=0.2):
            if key.fileobj is server:
                conn, _addr = server.accept()
                conn.setblocking(False)
                conn.setsockopt(socket.SOL_SOCKET, so_timestampns, 1)
                sel.register(conn, selectors.EVENT_READ)
                buffers[conn] = [bytearray(), None]
                continue
            conn = key.fileobj
            try:
                data, ancillary, _flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(16))
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionError:
                data, ancillary = b"", []
            if not data:
                sel.unregister(conn)
                buffers.pop(conn, None)
                conn.close()
                continue
            stamp = time.time()
            for level, kind, cdata in ancillary:
                if level == socket.SOL_SOCKET and kind == so_timestampns:
                    sec, nsec = struct.unpack("qq", cdata[:16])
                    stamp = sec + nsec / 1e9
            buf = buffers[conn]
            if not buf[0]:
                buf[1] = stamp
            buf[0] += data
            while True:
                end = buf[0].find(b"\r\n\r\n")
                if end < 0:
                    break
                length = 0
                for line in bytes(buf[0][:end]).split(b"\r\n")[1:]:
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                if len(buf[0]) < end + 4 + length:
                    break
                raw, buf[0] = bytes(buf[0][:end + 4 + length]), buf[0][end + 4 + length:]
                respond(conn, raw, buf[1])
                buf[1] = stamp if buf[0] else None
    server.close()


def main() -> None:
    """Run the fake server as its own process (bench/): prints its port, and on SIGTERM writes the
    arrival times (kernel receive timestamps, wall clock seconds) of every sendMessage as JSON."""
    import signal
    import sys

    dump = sys.argv[1]
    fake = FakeTelegram()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    _serve_with_kernel_timestamps(fake, stop)
    with open(dump, "w") as fh:
        json.dump([[m.chat_id, m.at] for m in fake.sent_messages()], fh)


if __name__ == "__main__":
    main()
