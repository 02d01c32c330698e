"""Migration 0005_partners upgrades and downgrades on its own branch."""
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from civicnet import create_app
from civicnet.extensions import db


def test_upgrade_downgrade_upgrade(tmp_path):
    app = create_app({"TESTING": True, "SECRET_KEY": "x" * 40,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrate.sqlite'}"})
    with app.app_context():
        upgrade(revision="0005_partners")
        tables = set(sa.inspect(db.engine).get_table_names())
        assert {"partner_embeddings", "partner_index_versions"} <= tables
        downgrade(revision="0001_core")
        tables = set(sa.inspect(db.engine).get_table_names())
        assert "partner_embeddings" not in tables and "partner_index_versions" not in tables
        assert "organisations" in tables
        upgrade(revision="0005_partners")
        assert "partner_embeddings" in sa.inspect(db.engine).get_table_names()
        db.session.remove()
        db.engine.dispose()
