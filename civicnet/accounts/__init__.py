"""Organiser accounts, login and API tokens."""
from flask import Flask, g

from ..extensions import db, login_manager


def init_app(app: Flask) -> None:
    from .admin_views import bp as admin_bp
    from .cli import user_cli
    from .models import User
    from .views import bp

    login_manager.login_view = "accounts.login"
    login_manager.login_message = None

    from .services import session_user

    @login_manager.user_loader
    def _load_user(session_id: str) -> User | None:
        # Session and remember cookies carry "<user id>:<session token>"; a revoked session
        # (logout, password change, deactivation) no longer loads anyone.
        return session_user(session_id)

    @app.before_request
    def _forget_cached_user() -> None:
        # Requests made inside an existing app context (tests, scripts) share `g`; never reuse
        # the user Flask-Login cached for an earlier request.
        g.pop("_login_user", None)

    @app.after_request
    def _audit(response):
        record_audit(response)
        return response

    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)
    app.cli.add_command(user_cli)


# Organiser requests not worth an audit row: polling and static files carry no personal data.
AUDIT_SKIP = {"meetings.checkin_stats", "dashboard.static", "static"}


def record_audit(response) -> None:
    """One audit row per successful organiser request in a network (web, or API with a token).

    ``g.network`` is set by ``organiser_required``; the API's ``token_network`` sets
    ``g.audit_user_id`` and ``g.audit_via``. Runs before the request's single commit."""
    from flask import request
    from flask_login import current_user

    from .models import AuditEvent

    network = g.get("network") or g.get("audit_network")
    if network is None or response.status_code >= 400 or request.endpoint in AUDIT_SKIP:
        return
    user_id = g.get("audit_user_id")
    if user_id is None and current_user.is_authenticated:
        user_id = current_user.id
    if user_id is None:
        return
    db.session.add(AuditEvent(network_id=network.id, user_id=user_id, via=g.get("audit_via", "web"),
                              action=(request.endpoint or "?")[:100], method=request.method[:8],
                              path=request.path[:300], status=response.status_code))
