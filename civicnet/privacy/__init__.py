"""Personal data under Korea's Personal Information Protection Act (PIPA): retention, purge, export.

- ``purge.purge_expired(network, now)``: deletes what has outlived the network's retention period
  (``Network.retention_months``) and records a ``PurgeRun`` (counts only, no personal data).
  ``flask privacy purge [--network SLUG] [--dry-run]``; the worker runs it daily.
- ``export.export_personal_data(org) -> dict``: everything stored about a group, for its owner
  (the edit link's "download our data" page and JSON; the bot calls it too).
- The consent texts themselves live with the registration (``organisations/consent.py``).
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401
    from .cli import privacy_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(privacy_cli)
