"""Pledges: see models.py, services.py and renewals.py."""
from flask import Flask

_connected = False


def init_app(app: Flask) -> None:
    from ..organisations import services as organisations
    from . import models, services  # noqa: F401

    global _connected
    if not _connected:  # signals and hooks are process-wide; apps are made many times in tests
        organisations.organisation_withdrawn.connect(services.on_organisation_withdrawn)
        organisations.personal_data_erased.connect(services.on_personal_data_erased)
        organisations.filter_hooks.append(services.pledged_filter)
        _connected = True
