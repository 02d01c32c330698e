"""Shared fixtures: one migrated database per run, emptied after every test.

Set TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) to run the
suite against PostgreSQL; SQLite is the default.
"""
from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from civicnet import create_app
from civicnet.extensions import db
from civicnet.goals.services import load_goals

KEEP_TABLES = {"goals", "targets", "alembic_version"}


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def _reset_postgres_schema(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogs() -> None:
    """Compile every translations catalog whose .mo is missing or older than its .po."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent
    for po in list(root.glob("civicnet/**/translations/*/LC_MESSAGES/*.po")) + list(
            root.glob("bots/translations/*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with open(po, "rb") as fh:
                catalog = read_po(fh)
            with open(mo, "wb") as fh:
                write_mo(fh, catalog)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = _database_url(tmp_path_factory)
    if url.startswith("postgresql"):
        _reset_postgres_schema(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        load_goals()
        db.session.commit()
        db.engine.dispose()
    return url


def test_config(database_url: str) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-000",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "SERVER_NAME": "localhost",
    }


@pytest.fixture
def app(database_url):
    app = create_app(test_config(database_url))
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with db.engine.begin() as conn:
        existing = set(sa.inspect(conn).get_table_names())
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables if t.name in existing)
            if names:
                conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                if table.name in existing:
                    conn.execute(table.delete())


@pytest.fixture
def csrf_app(database_url):
    """An app with CSRF protection on, for tests of the protection itself."""
    config = test_config(database_url) | {"WTF_CSRF_ENABLED": True}
    app = create_app(config)
    with app.app_context():
        yield app
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def network(app):
    from civicnet.networks.services import load_default_network

    network = load_default_network()
    db.session.commit()
    return network
