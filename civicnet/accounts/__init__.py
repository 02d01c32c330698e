"""Organiser accounts, login and API tokens."""
from flask import Flask

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

    app.register_blueprint(bp)
    app.cli.add_command(user_cli)
