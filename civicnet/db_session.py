"""One commit per request: services flush, this layer commits or rolls back."""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask import Flask, Response
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

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


def dialect_insert(dialect: str, table: sa.Table) -> sa.Insert:
    """An INSERT into ``table`` that knows ``ON CONFLICT`` on the database named ``dialect``
    (PostgreSQL's or SQLite's, which take the same arguments)."""
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def insert_persistent(objects: Sequence[object], *, network_id: int | None = None) -> None:
    """INSERT new ORM objects of one class with one statement and attach them to the session as
    persistent rows, as a flush would, without the unit of work's bookkeeping (a registration writes
    five tables on the API's hot path).

    Every column must be set on each object: no column defaults are applied. A single object may leave
    its autoincrement key unset: it is read back with RETURNING. ``network_id`` names the network whose
    data version the rows replace (``data_versions``), when the table is one it watches.
    """
    if not objects:
        return
    mapper = sa.inspect(type(objects[0]))
    table = mapper.local_table
    rows = [{prop.columns[0].key: getattr(obj, prop.key) for prop in mapper.column_attrs} for obj in objects]
    auto = table.autoincrement_column
    options = {} if network_id is None else {"network_id": network_id}
    # The rows are parameters, not ``values()``: the statement is the same every time, compiled once.
    if auto is not None and rows[0][auto.key] is None:
        if len(objects) != 1:
            raise ValueError("insert_persistent reads back the key of a single object only")
        del rows[0][auto.key]
        key = db.session.execute(sa.insert(table).returning(auto), rows[0], execution_options=options).scalar_one()
        setattr(objects[0], mapper.get_property_by_column(auto).key, key)
    else:
        db.session.execute(sa.insert(table), rows, execution_options=options)
    for obj in objects:
        attach_written(obj)


def attach_written(obj: object) -> None:
    """Make a new object whose row was just written by a plain INSERT a clean persistent one."""
    make_transient_to_detached(obj)
    db.session.add(obj)


def init_app(app: Flask) -> None:
    @app.after_request
    def _commit_or_rollback(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response
