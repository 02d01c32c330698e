"""Public pages that belong to no single domain: home, language switch, health."""
from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
