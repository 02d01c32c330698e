"""Meetings: the pledge ceremony and exchange meeting, registration, check-in, breakout groups."""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401
    from .cli import meetings_cli
    from .views import bp, public_bp

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)
    app.cli.add_command(meetings_cli)

    # Erasing a group's personal data also clears its attendee names (same transaction).
    from ..organisations.services import personal_data_erased
    from .services import _on_personal_data_erased

    personal_data_erased.connect(_on_personal_data_erased, weak=False)
