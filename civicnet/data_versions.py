"""Versions of a network's group data, shared by every process, and the counts cached under them.

The dashboard, the yearly report, the public directory and the organisers' list count every group
of a network (20,000: most of the page's time). Their counts only change when a group, a goal link, a pledge or a cluster changes, so they
are kept in each process under the network's *data version*: a random token in the table
``stats_versions``, replaced in the same transaction as any such change. Every process reads the
token (one primary-key lookup) before using what it holds; a change committed through any web
instance, worker or CLI on any machine gives the next reader a new token, so nothing kept here is
ever served stale, and tokens are random so a database restored or emptied cannot meet an old one.

How changes are seen (no caller has to remember anything):

- ORM flushes: every new, changed or deleted ``Organisation``, ``OrganisationGoal``, ``Pledge`` or
  ``Cluster`` marks its network; the tokens are replaced once, just before the outermost commit
  (so the row is locked only while committing);
- bulk statements through the session (``session.execute(sa.update(Pledge)...)``, bulk inserts)
  on those tables replace the token of scope ``*``, which every key includes, or the one network's
  token when the statement or its execute call carries the execution option ``network_id``.

Writes through a bare connection (``engine.begin()``) are not seen; nothing in the application
writes those tables that way. While the current transaction holds unflushed or uncommitted
changes of this kind, readers bypass the cache (they must see their own writes).
"""
from __future__ import annotations

import functools
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from .db_session import dialect_insert
from .extensions import db
from .networks.models import Cluster
from .organisations.models import Organisation, OrganisationGoal
from .pledges.models import Pledge, pledge_goals
from .timeutil import utcnow

T = TypeVar("T")
ALL = "*"  # the scope replaced by bulk statements, whose network is not known
PENDING = "civicnet.stats_versions.pending"  # session.info: scopes / organisation ids to replace
CACHE_SIZE = 256


class StatsVersion(db.Model):
    """The current token of one scope: ``network:<id>`` or ``*``."""

    __tablename__ = "stats_versions"

    scope: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


WATCHED_TABLES = {t.name for t in (Organisation.__table__, OrganisationGoal.__table__, Pledge.__table__,
                                   pledge_goals, Cluster.__table__)}


WATCHED_CLASSES = (Organisation, OrganisationGoal, Pledge, Cluster)


def network_scope(network_id: int) -> str:
    return f"network:{network_id}"


def _pending(session: Session) -> dict[str, set]:
    return session.info.setdefault(PENDING, {"scopes": set(), "organisations": set()})


def _after_flush(session: Session, _flush_context) -> None:
    pending = None
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, (Organisation, Pledge, Cluster)):
            network_id = obj.network_id
            pending = pending or _pending(session)
            if network_id is None:
                pending["scopes"].add(ALL)
            else:
                pending["scopes"].add(network_scope(network_id))
        elif isinstance(obj, OrganisationGoal):
            pending = pending or _pending(session)
            org = session.identity_map.get(session.identity_key(Organisation, obj.organisation_id))
            if org is not None:
                pending["scopes"].add(network_scope(org.network_id))
            else:
                pending["organisations"].add(obj.organisation_id)


def _on_execute(state) -> None:
    """Bulk INSERT/UPDATE/DELETE through the session on a watched table: replace the ``*`` token,
    or only its network's when the statement names it (``execution_options(network_id=...)``)."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WATCHED_TABLES:
        network_id = state.execution_options.get("network_id")
        _pending(state.session)["scopes"].add(ALL if network_id is None else network_scope(network_id))


def _before_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint: its changes are replaced with the outer commit's
    session.flush()
    pending = session.info.get(PENDING)
    if not pending or not (pending["scopes"] or pending["organisations"]):
        return
    scopes = set(pending["scopes"])
    orgs = {o for o in pending["organisations"] if o is not None}
    if orgs:
        scopes |= {network_scope(n) for n in session.scalars(
            sa.select(Organisation.network_id).where(Organisation.id.in_(orgs)).distinct())}
    pending["scopes"].clear()
    pending["organisations"].clear()
    _replace(session, sorted(scopes), overwrite=True)


def _after_transaction_end(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)


def _replace(session: Session, scopes: list[str], *, overwrite: bool) -> None:
    """Give each scope a new random token (``overwrite``) or one only where it has none yet."""
    if not scopes:
        return
    now = utcnow()
    session.execute(_upsert(session.get_bind().dialect.name, overwrite),
                    [{"scope": s, "token": uuid.uuid4().hex, "updated_at": now} for s in scopes])


@functools.cache
def _upsert(dialect: str, overwrite: bool) -> sa.Insert:
    """The statement of ``_replace``, built once (the rows come as parameters: compiled once too)."""
    stmt = dialect_insert(dialect, StatsVersion.__table__)
    if overwrite:
        return stmt.on_conflict_do_update(index_elements=["scope"],
                                          set_={"token": stmt.excluded.token, "updated_at": stmt.excluded.updated_at})
    return stmt.on_conflict_do_nothing(index_elements=["scope"])


def init_app(_app) -> None:
    """Attach the listeners once (they live on the session class, shared by every app)."""
    if not sa.event.contains(db.session, "after_flush", _after_flush):
        sa.event.listen(db.session, "after_flush", _after_flush)
        sa.event.listen(db.session, "do_orm_execute", _on_execute)
        sa.event.listen(db.session, "before_commit", _before_commit)
        sa.event.listen(db.session, "after_transaction_end", _after_transaction_end)


def data_version(network_id: int) -> tuple[str, str] | None:
    """The tokens the network's counts are kept under, or None while this transaction holds changes
    of the watched tables (then nothing may be read from or put in the cache)."""
    session = db.session()
    pending = session.info.get(PENDING)
    if (pending and (pending["scopes"] or pending["organisations"])) or any(
            isinstance(obj, WATCHED_CLASSES) for obj in (*session.new, *session.dirty, *session.deleted)):
        return None
    scopes = [ALL, network_scope(network_id)]
    tokens = dict(session.execute(sa.select(StatsVersion.scope, StatsVersion.token)
                                  .where(StatsVersion.scope.in_(scopes))).all())
    if len(tokens) < len(scopes):  # first reader since the table was made (or emptied)
        _replace(session, [s for s in scopes if s not in tokens], overwrite=False)
        tokens = dict(session.execute(sa.select(StatsVersion.scope, StatsVersion.token)
                                      .where(StatsVersion.scope.in_(scopes))).all())
    return tokens[ALL], tokens[network_scope(network_id)]


class _Cache:
    """A small least-recently-used map, shared by the threads of one process."""

    def __init__(self, size: int) -> None:
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: Hashable):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return True, self.items[key]
        return False, None

    def put(self, key: Hashable, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_cache = _Cache(CACHE_SIZE)


def cached(network_id: int, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` for ``key`` of the network, kept under its current data version.

    ``compute`` must return plain values (numbers, strings, tuples, dicts of those): never ORM
    objects, which belong to one session. Callers must not change what they get back."""
    version = data_version(network_id)
    if version is None:
        return compute()
    full_key = (network_id, version, key)
    found, value = _cache.get(full_key)
    if found:
        return value
    value = compute()
    _cache.put(full_key, value)
    return value
