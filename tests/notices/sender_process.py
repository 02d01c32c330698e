"""A notice sender in its own process, for the kill -9 test: python sender_process.py DB_URL BASE TOKEN."""
import asyncio
import sys

from civicnet import create_app
from civicnet.extensions import db
from civicnet.notices.delivery import drain_with_config


def main() -> None:
    url, base_url, token = sys.argv[1:4]
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": url,
                      "TELEGRAM_API_BASE_URL": base_url, "TELEGRAM_BOT_TOKEN": token,
                      "NOTICES_RATE_PER_WINDOW": 100_000, "NOTICES_RATE_WINDOW_SECONDS": 1.0})
    with app.app_context():
        asyncio.run(drain_with_config(db.engine, app.config))


if __name__ == "__main__":
    main()
