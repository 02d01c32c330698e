"""Public network page: directory of listed groups and the year's joint actions."""
from flask import Flask


def init_app(app: Flask) -> None:
    from .views import bp

    app.register_blueprint(bp)
