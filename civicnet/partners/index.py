"""Stored vectors per organisation and the per-network matrix cached in this process.

Writers call :func:`update_embeddings` (or :func:`refresh_organisation`) when activities change;
each write bumps the network's row in ``partner_index_versions``. Readers call
:func:`network_matrix`, which compares that version (one primary-key lookup) with the cached
copy and reloads only rows written under a newer version (a counter, not a clock: writers on
other machines or committing out of order are never missed), or everything when rows disappeared.
"""
from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..organisations.models import Organisation, OrganisationStatus
from ..timeutil import utcnow
from .models import PartnerEmbedding, PartnerIndexVersion
from .vectorisers import Encoder, get_encoder, normalise_rows

BATCH = 256


def current_encoder() -> Encoder:
    return get_encoder(current_app.config.get("PARTNERS_ENCODER", "auto"))


def activities_text(org: Organisation) -> str:
    """What is embedded: the activities, or the name when a group wrote none."""
    return (org.activities or "").strip() or org.name


def text_hash(encoder: Encoder, text: str) -> str:
    return hashlib.sha256(f"{encoder.name}\n{text}".encode()).hexdigest()


def _bump_version(network_id: int) -> int:
    """Increment the network's index version and return the new value. The row stays locked by
    this transaction until it commits, so versions are handed out in commit order."""
    now = utcnow()
    table = PartnerIndexVersion.__table__
    increment = (table.update().where(table.c.network_id == network_id)
                 .values(version=table.c.version + 1, updated_at=now))
    if not db.session.execute(increment).rowcount:
        try:
            with db.session.begin_nested():
                db.session.execute(table.insert().values(network_id=network_id, version=1, updated_at=now))
        except IntegrityError:  # another writer created it meanwhile
            db.session.execute(increment)
    return db.session.scalar(sa.select(table.c.version).where(table.c.network_id == network_id))


def update_embeddings(organisations: Iterable[Organisation], *, force: bool = False) -> int:
    """(Re)compute the vectors of ``organisations`` whose text changed; return how many.

    Withdrawn groups lose their vector. Flushes, never commits.
    """
    encoder = current_encoder()
    orgs = list(organisations)
    if not orgs:
        return 0
    stored = {
        e.organisation_id: e
        for e in db.session.scalars(
            sa.select(PartnerEmbedding).where(PartnerEmbedding.organisation_id.in_([o.id for o in orgs]))
        )
    }
    touched_networks: set[int] = set()
    todo: list[tuple[Organisation, str, str]] = []
    for org in orgs:
        row = stored.get(org.id)
        if org.status == OrganisationStatus.WITHDRAWN:
            if row is not None:
                db.session.delete(row)
                touched_networks.add(org.network_id)
            continue
        text = activities_text(org)
        digest = text_hash(encoder, text)
        if force or row is None or row.text_hash != digest or row.encoder != encoder.name:
            todo.append((org, text, digest))
    now = utcnow()
    # The version each written row carries: taken before the rows are written, in this transaction.
    versions = {network_id: _bump_version(network_id) for network_id in sorted({o.network_id for o, _, _ in todo})}
    for start in range(0, len(todo), BATCH):
        chunk = todo[start:start + BATCH]
        vectors = normalise_rows(encoder.encode([text for _, text, _ in chunk]))
        for (org, _text, digest), vector in zip(chunk, vectors):
            row = stored.get(org.id)
            if row is None:
                row = PartnerEmbedding(organisation_id=org.id)
                db.session.add(row)
            row.network_id = org.network_id
            row.encoder = encoder.name
            row.dim = int(vector.shape[0])
            row.vector = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
            row.text_hash = digest
            row.updated_at = now
            row.index_version = versions[org.network_id]
    for network_id in sorted(touched_networks - set(versions)):  # vectors removed only
        _bump_version(network_id)
    db.session.flush()
    return len(todo)


def refresh_organisation(org: Organisation) -> bool:
    """Call after a group's activities (or status) changed. True when its vector was rewritten."""
    return update_embeddings([org]) > 0


def reindex_network(network_id: int, *, force: bool = False, batch: int = 2000) -> int:
    """Bring every vector of a network up to date (used by ``flask partners reindex``)."""
    done = 0
    last_id = 0
    while True:
        orgs = list(db.session.scalars(
            sa.select(Organisation)
            .where(Organisation.network_id == network_id, Organisation.id > last_id)
            .order_by(Organisation.id).limit(batch)
        ))
        if not orgs:
            return done
        done += update_embeddings(orgs, force=force)
        last_id = orgs[-1].id


@dataclass
class NetworkMatrix:
    """The vectors of one network: row ``i`` of ``matrix`` belongs to organisation ``ids[i]``."""

    network_id: int
    encoder: str
    version: int
    ids: np.ndarray
    matrix: np.ndarray
    watermark: int | None  # the index version the rows were read at (rows above it are newer)
    row_of: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.row_of = {int(i): n for n, i in enumerate(self.ids.tolist())}

    @property
    def nbytes(self) -> int:
        return int(self.matrix.nbytes + self.ids.nbytes)


_lock = threading.Lock()
_matrices: dict[tuple[str, int], NetworkMatrix] = {}


def _cache_key(network_id: int) -> tuple[str, int]:
    return (db.engine.url.render_as_string(hide_password=True), network_id)


def _load_rows(network_id: int, encoder_name: str, since: int | None):
    """Rows of the network's vectors; with ``since``, only those written under a later version."""
    query = sa.select(PartnerEmbedding.organisation_id, PartnerEmbedding.vector, PartnerEmbedding.index_version).where(
        PartnerEmbedding.network_id == network_id, PartnerEmbedding.encoder == encoder_name
    )
    if since is not None:
        query = query.where(PartnerEmbedding.index_version > since)
    return db.session.execute(query.order_by(PartnerEmbedding.organisation_id)).all()


def _stack(rows, dim: int | None = None) -> tuple[np.ndarray, np.ndarray, int | None]:
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, dim or 0), dtype=np.float32), None
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1).copy()
    return ids, matrix, max(r[2] for r in rows)  # the newest row's index version


def _version(network_id: int) -> int:
    return db.session.scalar(
        sa.select(PartnerIndexVersion.version).where(PartnerIndexVersion.network_id == network_id)
    ) or 0


def fill_missing(network_id: int, limit: int = 500) -> int:
    """Embed up to ``limit`` groups of the network that have no vector from the current encoder
    yet: none at all (groups registered before this feature, or by code that did not call
    :func:`refresh_organisation`) or one from another encoder (the encoder setting changed, or
    this machine fell back to USE). Bounded so a request stays quick; ``flask sdg rescore`` and
    ``flask partners reindex`` do a whole network at once, in batches."""
    missing = list(db.session.scalars(
        sa.select(Organisation)
        .outerjoin(PartnerEmbedding, PartnerEmbedding.organisation_id == Organisation.id)
        .where(Organisation.network_id == network_id, Organisation.status != OrganisationStatus.WITHDRAWN,
               sa.or_(PartnerEmbedding.organisation_id.is_(None), PartnerEmbedding.encoder != current_encoder().name))
        .order_by(Organisation.id).limit(limit)
    ))
    return update_embeddings(missing) if missing else 0


def stored_vectors(organisations: Iterable[Organisation]) -> tuple[str, dict[int, np.ndarray]]:
    """(encoder name, {organisation id: vector}) for ``organisations``, from the stored vectors;
    those missing, stale (activities changed) or from another encoder are embedded first, in one
    batch (flushes, never commits). Withdrawn groups have none."""
    orgs = list(organisations)
    encoder = current_encoder()
    update_embeddings(orgs)
    ids = [o.id for o in orgs]
    rows = db.session.execute(sa.select(PartnerEmbedding.organisation_id, PartnerEmbedding.vector).where(
        PartnerEmbedding.organisation_id.in_(ids), PartnerEmbedding.encoder == encoder.name)).all() if ids else []
    return encoder.name, {int(i): np.frombuffer(v, dtype=np.float32) for i, v in rows}


def vectors_for_classification(organisations: Iterable[Organisation]) -> dict[int, np.ndarray]:
    """Stored vectors for the SDG classifier's rescore, when the index embeds with the model's own
    encoder (then a rescore after a retrained head encodes nothing); {} otherwise."""
    from ..matching.encoders import get_encoder
    from ..matching.model import get_model

    if current_encoder().name != get_encoder(get_model().encoder_name).name:
        return {}
    return stored_vectors(organisations)[1]


def forget_organisation(organisation_id: int) -> None:
    """Drop a group's vector (its activities were erased). Flushes, never commits."""
    row = db.session.get(PartnerEmbedding, organisation_id)
    if row is not None:
        network_id = row.network_id
        db.session.delete(row)
        _bump_version(network_id)
        db.session.flush()


def network_matrix(network_id: int) -> NetworkMatrix:
    """The network's matrix for the current encoder, reloaded when its version moved.

    Whenever this process (re)loads a matrix it first embeds groups that have no vector yet.
    """
    encoder = current_encoder()
    version = _version(network_id)
    key = _cache_key(network_id)
    cached = _matrices.get(key)
    if cached is not None and cached.version == version and cached.encoder == encoder.name:
        return cached
    if fill_missing(network_id):
        version = _version(network_id)
    with _lock:
        cached = _matrices.get(key)
        if cached is not None and cached.version == version and cached.encoder == encoder.name:
            return cached
        fresh = None
        if cached is not None and cached.encoder == encoder.name and cached.watermark is not None:
            fresh = _patch(cached, encoder.name, version)
        if fresh is None:
            # ``version`` was read before the rows: every row written under it or earlier is in them.
            ids, matrix, _ = _stack(_load_rows(network_id, encoder.name, None), encoder.dim)
            fresh = NetworkMatrix(network_id, encoder.name, version, ids, matrix, version)
        _matrices[key] = fresh
        return fresh


def _patch(cached: NetworkMatrix, encoder_name: str, version: int) -> NetworkMatrix | None:
    """Apply rows changed since the last load; None when a full reload is needed."""
    rows = _load_rows(cached.network_id, encoder_name, cached.watermark)
    ids, vectors, _ = _stack(rows, cached.matrix.shape[1])
    matrix = cached.matrix
    new_ids: list[int] = []
    new_rows: list[np.ndarray] = []
    for org_id, vector in zip(ids.tolist(), vectors):
        position = cached.row_of.get(org_id)
        if position is None:
            new_ids.append(org_id)
            new_rows.append(vector)
        else:
            if matrix is cached.matrix:
                matrix = matrix.copy()  # readers of the old snapshot keep theirs
            matrix[position] = vector
    all_ids = cached.ids
    if new_ids:
        all_ids = np.concatenate([cached.ids, np.asarray(new_ids, dtype=np.int64)])
        matrix = np.vstack([matrix, np.asarray(new_rows, dtype=np.float32)])
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(PartnerEmbedding).where(
            PartnerEmbedding.network_id == cached.network_id, PartnerEmbedding.encoder == encoder_name
        )
    )
    if total != len(all_ids):
        return None
    return NetworkMatrix(cached.network_id, encoder_name, version, all_ids, matrix, max(version, cached.watermark))


def clear_cache() -> None:
    with _lock:
        _matrices.clear()
