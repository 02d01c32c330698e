"""gunicorn settings from the environment (defaults: 127.0.0.1:8000, 2 workers)."""
import os

bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-")
# Query strings can carry private edit tokens; log the path only.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(M)sms'
