"""A WSGI app on a real local HTTP port in a thread, for the in-process browser tests."""
from __future__ import annotations

import threading
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serving(wsgi_app, *, threaded: bool = True):
    """Serve ``wsgi_app`` on 127.0.0.1 at a free port; yields its base URL and stops it after."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=threaded)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
