"""The background worker: ``python -m civicnet.worker`` (``make worker``, Procfile ``worker:``).

It builds the app once, imports every domain's ``tasks.py`` (only this process does), registers
their tasks on the app's Huey queue (SQLite in the instance folder, or Redis with ``REDIS_URL``)
and runs Huey's consumer. At start it asks for one delivery run that waits for the sender lease,
so a worker restarted after a crash resumes sending at once, not at the next minute.
"""
from __future__ import annotations

import logging


def main() -> None:
    from . import DOMAINS, create_app, queue

    app = create_app()
    logging.getLogger("huey").setLevel(logging.INFO)
    huey = queue.get_huey(app)
    modules = queue.load_task_modules(DOMAINS)
    names = queue.register_tasks(app, huey)
    logging.getLogger(__name__).info("worker: %d tasks from %s", len(names), ", ".join(modules))
    with app.app_context():
        queue.enqueue("notices.deliver", None, float(app.config["NOTICES_SENDER_LEASE_SECONDS"]) + 5)
    consumer = huey.create_consumer(workers=int(app.config["WORKER_THREADS"]), worker_type="thread",
                                    periodic=True, check_worker_health=True)
    consumer.run()


if __name__ == "__main__":
    main()
