"""Networks (a council's citizen practice network) and their thematic clusters."""
from flask import Flask


def init_app(app: Flask) -> None:
    from . import models  # noqa: F401
    from .cli import network_cli
    from .views import bp

    app.register_blueprint(bp)
    app.cli.add_command(network_cli)
