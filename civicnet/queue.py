"""The task queue (Huey): built from ``app.config`` for each app; tasks are enqueued by name.

Web, bot and CLI processes only *enqueue* — ``enqueue("notices.deliver", notice_id)`` — and never
import a task module, so the web process does not load the worker's code. Tasks are declared
beside their domain in ``civicnet/<domain>/tasks.py`` with ``@task(name)`` / ``@periodic(name,
schedule)``; only the worker (``python -m civicnet.worker``) imports those modules
(``load_task_modules``) and registers them on its Huey (``register_tasks``), each run inside the
worker's one app context.

Storage: Redis when ``REDIS_URL`` is set (several machines), else an SQLite file in the instance
folder (one machine), created on first use, not at import.
"""
from __future__ import annotations

import importlib
import importlib.util
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey
from huey.registry import Message

log = logging.getLogger(__name__)
EXTENSION = "civicnet.queue"


@dataclass(frozen=True)
class DeclaredTask:
    name: str
    func: Callable
    schedule: Callable | None = None  # a huey.crontab for periodic tasks
    retries: int = 0
    retry_delay: int = 0


DECLARED: dict[str, DeclaredTask] = {}


def _declare(declared: DeclaredTask) -> Callable:
    existing = DECLARED.get(declared.name)
    if existing and existing.func is not declared.func and existing.func.__qualname__ != declared.func.__qualname__:
        raise ValueError(f"two tasks are named {declared.name!r}")
    DECLARED[declared.name] = declared
    return declared.func


def task(name: str, *, retries: int = 0, retry_delay: int = 0) -> Callable:
    """Declare a task run by the worker; the function runs inside an app context."""
    return lambda func: _declare(DeclaredTask(name, func, None, retries, retry_delay))


def periodic(name: str, schedule: Callable) -> Callable:
    """Declare a periodic task (``schedule`` is a ``huey.crontab``) run by the worker."""
    return lambda func: _declare(DeclaredTask(name, func, schedule))


def _registry_name(name: str) -> str:
    # Huey keys its registry by "<module>.<class name>"; the wrappers below live in this module.
    return f"{__name__}.{name}"


def make_huey(config, instance_path: str | Path) -> Huey:
    if config.get("REDIS_URL"):
        return RedisHuey("civicnet", url=config["REDIS_URL"])
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return SqliteHuey("civicnet", filename=str(Path(instance_path) / "huey.db"))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = None  # built on first use from app.config


def get_huey(app: Flask | None = None) -> Huey:
    app = app or current_app._get_current_object()
    if app.extensions.get(EXTENSION) is None:
        app.extensions[EXTENSION] = make_huey(app.config, app.instance_path)
    return app.extensions[EXTENSION]


def enabled(app: Flask) -> bool:
    """Off in tests (``app.testing``) unless TASK_QUEUE_ENABLED is set: tests never fill a real queue."""
    return bool(app.config.get("TASK_QUEUE_ENABLED", not app.testing))


def enqueue(name: str, *args, **kwargs) -> bool:
    """Put task ``name`` on the queue; returns False when the queue is off (tests)."""
    app = current_app._get_current_object()
    if not enabled(app):
        return False
    huey = get_huey(app)
    if huey.immediate:  # tests: run now, in this app's context, as the worker would
        DECLARED[name].func(*args, **kwargs)
        return True
    huey.storage.enqueue(_message(huey, name, args, kwargs), None)
    return True


def _message(huey: Huey, name: str, args: tuple, kwargs: dict, eta: datetime | None = None) -> bytes:
    """Task ``name``'s call as the worker reads it off the queue (serialised)."""
    return huey.serializer.serialize(Message(id=str(uuid.uuid4()), name=_registry_name(name), eta=eta,
                                             args=tuple(args), kwargs=dict(kwargs), retries=0, retry_delay=0))


def enqueue_at(eta: datetime, name: str, *args, **kwargs) -> bool:
    """Put task ``name`` on the queue's schedule to run at ``eta`` (naive UTC) by whichever worker
    is running then — the schedule lives in the queue's storage (Redis or SQLite), not in the
    process that scheduled it, so it survives that process's death. False when the queue is off.
    In immediate mode (tests) the task waits in the in-memory schedule and is not run."""
    app = current_app._get_current_object()
    if not enabled(app):
        return False
    huey = get_huey(app)
    huey.storage.add_to_schedule(_message(huey, name, args, kwargs, eta), eta)
    return True


def enqueue_after_commit(name: str, *args, **kwargs) -> None:
    """Enqueue once the current transaction commits (the worker must see the new rows).

    A queue that is down must not undo what was committed: the worker's periodic tasks catch up.
    """
    from .extensions import db

    app = current_app._get_current_object()

    def _go(session) -> None:
        with app.app_context():
            try:
                enqueue(name, *args, **kwargs)
            except Exception:  # the periodic task catches up
                log.exception("could not enqueue %s; the periodic task will catch up", name)

    sa.event.listen(db.session(), "after_commit", _go, once=True)


def load_task_modules(domains: list[str]) -> list[str]:
    """Import ``<domain>.tasks`` for every domain that has one (the worker only)."""
    loaded = []
    for domain in domains:
        module = f"{domain}.tasks"
        if importlib.util.find_spec(module) is not None:
            importlib.import_module(module)
            loaded.append(module)
    return loaded


def register_tasks(app: Flask, huey: Huey) -> list[str]:
    """Register every declared task on ``huey``, each run inside ``app``'s context."""
    names = []
    for declared in DECLARED.values():
        def run(*args, _func=declared.func, **kwargs):
            with app.app_context():
                return _func(*args, **kwargs)

        run.__module__ = __name__
        run.__doc__ = declared.func.__doc__
        if declared.schedule is not None:
            huey.periodic_task(declared.schedule, name=declared.name)(run)
        else:
            huey.task(name=declared.name, retries=declared.retries, retry_delay=declared.retry_delay)(run)
        names.append(declared.name)
    return names
