"""Organiser accounts, login and API tokens."""
from flask import Flask, g

from ..extensions import db, login_manager


def init_app(app: Flask) -> None:
    from .cli import user_cli
    from .models import User
    from .views import bp

    login_manager.login_view = "accounts.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        try:
            return db.session.get(User, int(user_id))
        except ValueError:
            return None

    @app.before_request
    def _forget_cached_user() -> None:
        # Requests made inside an existing app context (tests, scripts) share `g`; never reuse
        # the user Flask-Login cached for an earlier request.
        g.pop("_login_user", None)

    app.register_blueprint(bp)
    app.cli.add_command(user_cli)
