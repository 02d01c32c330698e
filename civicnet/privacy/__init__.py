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
    app.jinja_env.globals["retention_period"] = retention_period


def retention_period(network) -> str:
    """The network's retention period in the reader's language ('3년', '3 years'), for templates."""
    from ..organisations.consent import retention_label, retention_months
    from ..templating import current_lang

    return retention_label(retention_months(network), current_lang())
