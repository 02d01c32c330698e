"""gunicorn settings from the environment (defaults: 127.0.0.1:8000, 2 workers).

Several sync workers on a few cores: each worker gets ONE BLAS thread for the sentence encoder
(``CIVICNET_ENCODER_THREADS``, default 1; two threads per worker on 2 cores fight each other),
and the app is preloaded in the master with the SDG model and encoder loaded once, so the
workers share those pages copy-on-write instead of each loading its own copy. Whatever the
master opened before forking (database pools) is dropped in ``post_fork``: a worker must never
reuse a connection of its parent.
"""
import gc
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# Query strings can carry private edit tokens; log the path only.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'

# gunicornc's control socket: one per instance (two instances on one host would share the default).
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

preload_app = os.environ.get("GUNICORN_PRELOAD", "1").strip().lower() not in {"0", "false", "no", "off"}

# BLAS pools are sized when numpy loads, i.e. when the app is imported after this file runs.
_blas_threads = os.environ.setdefault("CIVICNET_ENCODER_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _blas_threads)


def when_ready(server):
    """In the master, after the app was imported and before any worker forks: load the models once."""
    if not preload_app or os.environ.get("CIVICNET_PRELOAD_MODELS", "1").strip().lower() in {"0", "false", "no"}:
        return
    try:
        from civicnet.matching.model import get_model

        get_model()  # artefact + sentence encoder weights
    except Exception as exc:  # no artefact yet, optional encoder missing: workers load lazily as before
        server.log.warning("models not preloaded (%s); each worker will load its own", exc.__class__.__name__)
    # Objects alive now never change: keep the collector from touching (and so copying) their pages.
    gc.freeze()


def post_fork(server, worker):
    """Drop database connections inherited from the master; the worker opens its own."""
    try:
        from civicnet.extensions import db

        app = worker.app.wsgi()
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)
    except Exception as exc:  # noqa: BLE001 - a worker without an app context has nothing to drop
        server.log.debug("post_fork: nothing to dispose (%s)", exc.__class__.__name__)
