"""Organiser dashboard: SDG coverage, clusters, registrations and pledges over time."""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import versions
    from .views import bp

    versions.init_app(app)
    app.register_blueprint(bp)
