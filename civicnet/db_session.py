"""One commit per request: services flush, this layer commits or rolls back."""
from __future__ import annotations

from flask import Flask, Response

from .extensions import db


def init_app(app: Flask) -> None:
    @app.after_request
    def _commit_or_rollback(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
