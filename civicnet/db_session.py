"""One commit per request: services flush, this layer commits or rolls back."""
from __future__ import annotations

from flask import Flask, Response

from .extensions import db


def savepoint():
    """``begin_nested()`` that is a real SAVEPOINT inside a transaction on SQLite too.

    pysqlite only opens a transaction before the first INSERT/UPDATE/DELETE; a SAVEPOINT issued
    before that becomes the outermost transaction and its RELEASE commits. Open it first.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")
    return db.session.begin_nested()


def init_app(app: Flask) -> None:
    @app.after_request
    def _commit_or_rollback(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
