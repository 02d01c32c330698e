"""JSON API v1 (flask-smorest): networks, clusters, goals, organisations, pledges.

Public reads: networks, clusters, goals. Public write: registering a group (with its pledge).
Organiser reads: a network's groups and pledges, with ``Authorization: Bearer <token>`` where the
token (``flask user token``) is scoped to that one network. The OpenAPI document is served at
/api/v1/openapi.json.
"""
from flask import Flask

from ..extensions import api, csrf


def init_app(app: Flask) -> None:
    from .goals import bp as goals_bp
    from .networks import bp as networks_bp
    from .organisations import bp as organisations_bp

    for bp in (networks_bp, goals_bp, organisations_bp):
        csrf.exempt(bp)  # bearer tokens or no credentials at all; no cookies are honoured here
        api.register_blueprint(bp)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
