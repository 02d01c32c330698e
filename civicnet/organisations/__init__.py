"""Organisations: see models.py and services.py."""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401
