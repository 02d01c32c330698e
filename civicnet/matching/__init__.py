"""SDG and cluster matching: an offline multilingual embedding classifier.

Public entry points: ``services.classify_texts``, ``services.suggest_for_organisation``,
``services.rescore_network``, ``services.record_confirmation``; ``flask sdg ...``;
``POST /api/v1/classify``.
"""
from flask import Flask


def init_app(app: Flask) -> None:
    from ..extensions import api, csrf
    from . import models  # noqa: F401  (register tables)
    from .api import bp
    from .cli import sdg_cli

    from ..organisations.services import organiser_confirmed, personal_data_erased
    from .confirmations import forget_erased, learn_from_confirmation

    organiser_confirmed.connect(learn_from_confirmation)
    personal_data_erased.connect(forget_erased)
    app.cli.add_command(sdg_cli)
    csrf.exempt(bp)  # public, stateless, no cookies honoured
    api.register_blueprint(bp)
