"""Organisations: see models.py and services.py."""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401
    from .cli import org_cli
    from .edit_views import bp as edit_bp
    from . import suggestion_views  # noqa: F401  (routes on the organisers blueprint)
    from .organiser_views import bp as organisers_bp
    from .views import bp as registration_bp

    app.register_blueprint(registration_bp)
    app.register_blueprint(edit_bp)
    app.register_blueprint(organisers_bp)
    app.cli.add_command(org_cli)
