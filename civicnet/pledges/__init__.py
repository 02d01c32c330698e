"""Pledges: see models.py, services.py and renewals.py."""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401
    from .renewals import connect

    connect()
