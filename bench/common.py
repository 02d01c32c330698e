"""Helpers shared by the benchmarks."""
from __future__ import annotations


def migrate_empty_database(url: str) -> None:
    """Bring the database at ``url`` to the head revision from empty (call inside the app context).

    On PostgreSQL the public schema is dropped first, so point ``url`` at a database of its own.
    """
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from civicnet.extensions import db

    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade(revision="heads")
