"""The background worker: Huey (SQLite under instance/ by default, Redis when REDIS_URL is set).

Run it as its own process: ``python -m civicnet.worker`` (``make worker``, Procfile ``worker:``).
Tasks live beside their domain (``civicnet/notices/tasks.py``) and get the Flask app from
``flask_app()``.
"""
from __future__ import annotations

import logging
import os

from huey import RedisHuey, SqliteHuey

from .config import INSTANCE_DIR


def make_huey():
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        return RedisHuey("civicnet", url=redis_url)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("civicnet", filename=str(INSTANCE_DIR / "huey.db"))


huey = make_huey()
_app = None


def flask_app():
    """The app for tasks: the current one (tests, web) or one created once per worker process."""
    global _app
    from flask import current_app, has_app_context

    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from . import create_app

        _app = create_app()
    return _app


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # its INFO lines carry the bot token in URLs
    from .notices import tasks  # noqa: F401  registers the tasks

    # flush_locks: a worker killed with -9 leaves Huey's task lock behind; a fresh start clears it
    # (deliveries themselves are protected by the database claim, see notices/delivery.py).
    consumer = huey.create_consumer(workers=int(os.environ.get("WORKER_THREADS", "2")), worker_type="thread",
                                    periodic=True, flush_locks=True)
    consumer.run()


if __name__ == "__main__":
    main()
