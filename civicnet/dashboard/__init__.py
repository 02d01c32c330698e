"""Organiser dashboard: SDG coverage, clusters, registrations and pledges over time."""
from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
