"""Configuration: the one place that reads the environment (every setting is in .env.example).

Everything else reads ``app.config``. In development, a missing SECRET_KEY is generated once and
kept in ``instance/secret_key``, so every process of the deployment (each gunicorn worker, the
bot, the worker) signs sessions and CSRF tokens with the same key; production refuses to start
without a real one.
"""
from __future__ import annotations

import os
import secrets
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    """Where this deployment keeps its local files (SQLite database, queue, development key)."""
    return Path(os.environ.get("CIVICNET_INSTANCE_PATH") or PROJECT_DIR / "instance").resolve()

_INSECURE_KEYS = {"", "dev", "change-me", "changeme", "secret"}


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe or incomplete."""


def development_secret(folder: Path | None = None) -> str:
    """The deployment's development key: created once (atomically), then read by every process."""
    folder = folder or instance_dir()
    path = folder / "secret_key"
    folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):  # another process is writing it right now
            key = path.read_text().strip()
            if len(key) >= 32:
                return key
            time.sleep(0.05)
        raise ConfigError(f"{path} is empty or too short; delete it and restart") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def setting(name: str, default=None):
    """One setting for code that also runs outside an app (model loading in gunicorn's master,
    training, benchmarks): the app's config when there is one, else the environment variable of
    the same name. Every other read of the environment happens in ``from_environment``."""
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get(name) not in (None, ""):
        return current_app.config[name]
    return os.environ.get(name) or default


def _reminder_offsets(raw: str) -> list[int]:
    """Minutes before a meeting at which its registrants are reminded, largest first."""
    return sorted({int(v) for v in raw.split(",") if v.strip()}, reverse=True)


def from_environment() -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ.get("CIVICNET_ENV", "development")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_dir() / 'civicnet.sqlite'}"
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 explicitly.
    if database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgres://"):]
    elif database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://"):]
    secret = os.environ.get("SECRET_KEY", "")
    if env == "production" and (secret in _INSECURE_KEYS or len(secret) < 32):
        raise ConfigError(
            "SECRET_KEY must be set to a random value of at least 32 characters in production "
            "(운영 환경에서는 32자 이상의 임의 SECRET_KEY가 필요합니다)."
        )
    return {
        "ENV_NAME": env,
        "SECRET_KEY": secret or development_secret(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_DURATION": _int("REMEMBER_COOKIE_DAYS", 30) * 24 * 3600,
        # 1 MB is far above any honest form and stops 100 MB bodies before parsing.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", 1_000_000)),
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("MAX_CONTENT_LENGTH", 1_000_000)),
        "BABEL_DEFAULT_LOCALE": "ko",
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("CIVICNET_TIMEZONE", "Asia/Seoul"),
        "LANGUAGES": ["ko", "en"],
        "DEFAULT_NETWORK": os.environ.get("CIVICNET_DEFAULT_NETWORK", "cheongju"),
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000"),
        "API_TITLE": "CivicNet API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "WTF_CSRF_TIME_LIMIT": None,
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "TELEGRAM_BOT_TOKEN": os.environ.get("TELEGRAM_BOT_TOKEN", ""),
        "TELEGRAM_BOT_USERNAME": os.environ.get("TELEGRAM_BOT_USERNAME", "CivicNetBot"),
        "TELEGRAM_API_BASE_URL": os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"),
        "TELEGRAM_WEBHOOK_SECRET": os.environ.get("TELEGRAM_WEBHOOK_SECRET", ""),
        # auto (default) or e5: e5 where the CPU runs it (x86-64 + AVX2), else use (one log line).
        "CIVICNET_ENCODER": os.environ.get("CIVICNET_ENCODER", "auto"),
        # BLAS threads per process for the encoder (one per gunicorn worker on a multi-worker server).
        "CIVICNET_ENCODER_THREADS": _int("CIVICNET_ENCODER_THREADS", 1),
        "PROXY_FIX": _bool("PROXY_FIX"),
        # The worker (python -m civicnet.worker).
        "WORKER_THREADS": _int("WORKER_THREADS", 2),
        # Exports longer than this many rows are built by the worker (civicnet/downloads), kept
        # this many hours, then deleted.
        "EXPORT_WORKER_THRESHOLD": _int("EXPORT_WORKER_THRESHOLD", 5000),
        "EXPORT_RETENTION_HOURS": _float("EXPORT_RETENTION_HOURS", 24.0),
        # Notices. Telegram allows about 30 messages/s per bot. We send 28 per 1.05 s: on a loaded
        # host a few sends are held up and then arrive together, and the margin keeps those bunches
        # under 30 in any one second there (seen: 31 with 30 per 1.05 s at a load of 18).
        "NOTICES_RATE_PER_WINDOW": _int("NOTICES_RATE_PER_WINDOW", 28),
        "NOTICES_RATE_WINDOW_SECONDS": _float("NOTICES_RATE_WINDOW_SECONDS", 1.05),
        "NOTICES_PER_CHAT_INTERVAL": _float("NOTICES_PER_CHAT_INTERVAL", 1.0),
        "NOTICES_MAX_IN_FLIGHT": _int("NOTICES_MAX_IN_FLIGHT", 8),
        # One sender per bot holds a lease renewed every third of this; a dead sender's expires.
        "NOTICES_SENDER_LEASE_SECONDS": _float("NOTICES_SENDER_LEASE_SECONDS", 20.0),
        # A delivery left in 'sending' longer than this belongs to a dead sender (see delivery.py).
        "NOTICES_SENDING_LEASE_SECONDS": _float("NOTICES_SENDING_LEASE_SECONDS", 120.0),
        "NOTICES_REMINDER_OFFSETS": _reminder_offsets(os.environ.get("NOTICES_REMINDER_OFFSETS") or "1440,120"),
        "TELEGRAM_LINK_TTL_HOURS": _int("TELEGRAM_LINK_TTL_HOURS", 72),
        # The bot (python -m bots).
        "BOT_IDLE_REMIND_MINUTES": _float("BOT_IDLE_REMIND_MINUTES", 30.0),
        "BOT_IDLE_DROP_MINUTES": _float("BOT_IDLE_DROP_MINUTES", 1440.0),
        # One poller per bot token: the polling process renews this lease every third of it; a
        # standby takes over at most this long after the active one died.
        "BOT_POLLER_LEASE_SECONDS": _float("BOT_POLLER_LEASE_SECONDS", 30.0),
        "BOT_IDLE_CHECK_SECONDS": _float("BOT_IDLE_CHECK_SECONDS", 30.0),
        "BOT_MODE": os.environ.get("BOT_MODE", "polling"),  # polling | webhook
        "BOT_WEBHOOK_LISTEN": os.environ.get("BOT_WEBHOOK_LISTEN", "127.0.0.1"),
        "BOT_WEBHOOK_PORT": _int("BOT_WEBHOOK_PORT", 8443),
        "BOT_WEBHOOK_URL": os.environ.get("BOT_WEBHOOK_URL", ""),
        # Rate limits (Flask-Limiter syntax); counted in Redis when REDIS_URL is set, else in memory.
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or "memory://",
        "RATELIMIT_LOGIN": os.environ.get("RATELIMIT_LOGIN", "10 per minute;60 per hour"),
        "RATELIMIT_LOGIN_ACCOUNT": os.environ.get("RATELIMIT_LOGIN_ACCOUNT", "10 per 15 minutes"),
        "RATELIMIT_REGISTER": os.environ.get("RATELIMIT_REGISTER", "60 per minute;600 per hour"),
        "RATELIMIT_REGISTER_ACCOUNT": os.environ.get("RATELIMIT_REGISTER_ACCOUNT", "10 per hour"),
        "RATELIMIT_CLASSIFY": os.environ.get("RATELIMIT_CLASSIFY", "20 per minute;200 per hour"),
        # POST /api/v1/classify: seconds of work per request, and how many classifications may
        # run at once on this machine (the rest get 503 and Retry-After).
        "CLASSIFY_TIME_BUDGET": _float("CLASSIFY_TIME_BUDGET", 10.0),
        "CLASSIFY_CONCURRENCY": _int("CLASSIFY_CONCURRENCY", 1),
    }
