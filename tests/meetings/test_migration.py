"""Revision 0003_meetings upgrades and downgrades cleanly (on a scratch SQLite database)."""
from __future__ import annotations

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from civicnet import create_app
from civicnet.extensions import db

TABLES = {"meetings", "meeting_programme_items", "meeting_breakouts", "breakout_tables", "meeting_registrations",
          "meeting_assignment_changes", "joint_actions", "joint_action_goals", "joint_action_partners"}


def test_upgrade_downgrade_upgrade(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite'}"})
    with app.app_context():
        upgrade(revision="0003_meetings")
        assert TABLES <= set(sa.inspect(db.engine).get_table_names())
        downgrade(revision="0001_core")
        names = set(sa.inspect(db.engine).get_table_names())
        assert not TABLES & names and "organisations" in names
        upgrade(revision="0003_meetings")
        assert TABLES <= set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
