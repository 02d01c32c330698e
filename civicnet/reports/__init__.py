"""Yearly report for a network: printable PDF and CSV/XLSX data for a Voluntary Local Review."""
from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
