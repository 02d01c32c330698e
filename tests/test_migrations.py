"""The real migrations: an empty database goes up to head and back down to base."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from civicnet import create_app
from civicnet.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    # A separate schema on the same server, so the shared test schema is not touched.
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA migration_test"))
    engine.dispose()
    yield url + ("&" if "?" in url else "?") + "options=-csearch_path%3Dmigration_test"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_test CASCADE"))
    engine.dispose()


def test_upgrade_head_then_downgrade_base(empty_database_url):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        expected = {t.name for t in db.metadata.sorted_tables}
        assert expected <= tables, expected - tables
        organisations = sa.inspect(db.engine).get_unique_constraints("organisations")
        assert any(c["name"] == "uq_organisations_identity" for c in organisations)
        downgrade(revision="base")
        left = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert not left, left
        db.engine.dispose()


def test_migrations_match_the_models(empty_database_url):
    """No model change without its migration: autogenerate finds nothing left to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert diff == []
