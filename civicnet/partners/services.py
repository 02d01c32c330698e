"""Partner suggestions: the groups of a network whose activities are closest or complementary."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import sqlalchemy as sa

from ..extensions import db
from ..organisations.models import Organisation, OrganisationKind, OrganisationStatus
from .index import activities_text, current_encoder, network_matrix, text_hash, update_embeddings
from .models import PartnerEmbedding

log = logging.getLogger(__name__)

# How many nearest rows are looked at before filtering (withdrawn, unlisted, self).
CANDIDATES = 200
# Candidates read from the database per round trip.
CHUNK = 50
# Below this cosine similarity two activity texts are not called "similar".
MIN_SIMILARITY = 0.15


class Audience:
    ORGANISER = "organiser"  # secretariat: every group of the network
    GROUP = "group"          # a group on its private page: only groups listed publicly


@dataclass
class Suggestion:
    organisation: Organisation
    score: float
    shared_goals: list[int]
    kind: str  # "similar" | "complementary"


@dataclass
class PartnerSuggestions:
    organisation: Organisation
    similar: list[Suggestion] = field(default_factory=list)
    complementary: list[Suggestion] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.similar or self.complementary)


def _query_vector(org: Organisation) -> np.ndarray:
    """The group's stored vector, recomputed first when its activities changed."""
    encoder = current_encoder()
    row = db.session.get(PartnerEmbedding, org.id)
    if row is None or row.encoder != encoder.name or row.text_hash != text_hash(encoder, activities_text(org)):
        update_embeddings([org])
        row = db.session.get(PartnerEmbedding, org.id)
    return row.as_array()


def nearest(org: Organisation, k: int = CANDIDATES) -> list[tuple[int, float]]:
    """(organisation id, cosine) of the ``k`` nearest groups of the same network: one
    matrix-vector product over the network's cached matrix and a partial sort."""
    if org.status == OrganisationStatus.WITHDRAWN:
        return []
    query = _query_vector(org)
    index = network_matrix(org.network_id)
    if index.matrix.shape[0] == 0:
        return []
    scores = index.matrix @ query
    own = index.row_of.get(org.id)
    if own is not None:
        scores[own] = -np.inf
    k = min(k, scores.shape[0])
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(index.ids[i]), float(scores[i])) for i in top if np.isfinite(scores[i])]


def suggest_partners(org: Organisation, *, audience: str = Audience.ORGANISER, limit: int = 5) -> PartnerSuggestions:
    """Closest groups (similar activities) and complementary ones (shared SDGs, different kind
    or cluster) for ``org``; the shared SDGs are the stated reason."""
    result = PartnerSuggestions(organisation=org)
    ranked = nearest(org)
    if not ranked:
        return result
    own_goals = set(org.goal_numbers)
    pool: list[Suggestion] = []
    # Candidates are read from the database in rank order, a chunk at a time, until both lists
    # can be filled; most requests read only the first chunk.
    for start in range(0, len(ranked), CHUNK):
        chunk = ranked[start:start + CHUNK]
        query = sa.select(Organisation).where(
            Organisation.id.in_([i for i, _ in chunk]), Organisation.network_id == org.network_id,
            Organisation.status != OrganisationStatus.WITHDRAWN,
        )
        if audience == Audience.GROUP:
            query = query.where(Organisation.public_listing.is_(True),
                                Organisation.kind != OrganisationKind.INDIVIDUAL)
        found = {o.id: o for o in db.session.scalars(query)}
        for org_id, score in chunk:
            other = found.get(org_id)
            if other is not None:
                shared = [n for n in other.goal_numbers if n in own_goals]
                pool.append(Suggestion(other, round(score, 3), sorted(shared), "similar"))
        similar_count = sum(1 for s in pool if s.score >= MIN_SIMILARITY)
        complementary_count = sum(1 for s in pool if _complements(org, s))
        if similar_count >= limit and complementary_count >= 2 * limit:
            break
    similar = [s for s in pool if s.score >= MIN_SIMILARITY][:limit]
    taken = {s.organisation.id for s in similar}
    complementary = [s for s in pool if s.organisation.id not in taken and _complements(org, s)]
    complementary.sort(key=lambda s: (-len(s.shared_goals), -s.score))
    for s in complementary:
        s.kind = "complementary"
    result.similar = similar
    result.complementary = complementary[:limit]
    return result


def _complements(org: Organisation, s: Suggestion) -> bool:
    """Shares an SDG but is a different kind of group or sits in another cluster."""
    return bool(s.shared_goals) and (s.organisation.kind != org.kind or s.organisation.cluster_id != org.cluster_id)


def suggestions_or_none(org: Organisation | None, audience: str = Audience.ORGANISER,
                        limit: int = 5) -> PartnerSuggestions | None:
    """For templates: suggestions, or None when they cannot be computed right now."""
    if org is None:
        return None
    try:
        return suggest_partners(org, audience=audience, limit=limit)
    except Exception:  # noqa: BLE001 - a side panel must never break the page that includes it
        log.exception("partners: suggestions failed for organisation %s", org.id)
        return None
