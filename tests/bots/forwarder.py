"""A small round-robin HTTP forwarder: one address in front of several webhook instances, as a
load balancer would be (standard library only). Records which backend answered each request."""
from __future__ import annotations

import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class RoundRobin:
    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends = backends
        self.served: list[tuple[int, int]] = []  # (backend index, status)
        self._next = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def start(self) -> RoundRobin:
        balancer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with balancer._lock:
                    index = next(balancer._next)
                host, port = balancer.backends[index]
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in {"host", "content-length", "connection"}}
                try:
                    conn = http.client.HTTPConnection(host, port, timeout=10)
                    conn.request("POST", self.path, body=body, headers=headers)
                    response = conn.getresponse()
                    status, data = response.status, response.read()
                    conn.close()
                except OSError:
                    status, data = 502, b""
                with balancer._lock:
                    balancer.served.append((index, status))
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
