"""Large exports built by the worker and offered as a download when ready (issue 14).

An organiser's export of a list longer than ``EXPORT_WORKER_THRESHOLD`` rows is not streamed by a
web worker: it becomes an ``ExportFile`` (queued → building → ready | failed), built by the
worker's ``downloads.build`` task, its bytes kept in the database in ~1 MB ``ExportChunk`` rows.
The database, not a folder: every web instance, on any machine, can serve the file, and no shared
volume has to be mounted. The organiser watches a progress bar (``status.json`` polled by
``static/export_progress.js``; without JavaScript the page refreshes itself), then downloads.
Files are deleted ``EXPORT_RETENTION_HOURS`` after they were made (``downloads.purge``, hourly);
only organisers of the file's network can see or fetch it.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401
    from .views import bp

    app.register_blueprint(bp)
