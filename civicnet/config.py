"""Configuration read from the environment (see .env.example)."""
from __future__ import annotations

import os
from pathlib import Path

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"

_INSECURE_KEYS = {"", "dev", "change-me", "changeme", "secret"}


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class ConfigError(RuntimeError):
    """Raised at start-up when the configuration is unsafe or incomplete."""


def from_environment() -> dict:
    """Build the Flask config mapping from environment variables."""
    env = os.environ.get("CIVICNET_ENV", "development")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'civicnet.sqlite'}"
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
        "SECRET_KEY": secret or os.urandom(32).hex(),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_DURATION": int(os.environ.get("REMEMBER_COOKIE_DAYS", 30)) * 24 * 3600,
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
        "CIVICNET_ENCODER": os.environ.get("CIVICNET_ENCODER", "use"),
        "PROXY_FIX": _bool("PROXY_FIX"),
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
        "CLASSIFY_TIME_BUDGET": float(os.environ.get("CLASSIFY_TIME_BUDGET", 10)),
        "CLASSIFY_CONCURRENCY": int(os.environ.get("CLASSIFY_CONCURRENCY", 1)),
    }
