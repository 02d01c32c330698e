"""Matching services: classify texts for a network, suggest for a group, learn, re-score.

``classify_texts`` is what registration (web, bot) calls; the model loads once per process,
lazily and thread-safely, so calling it per request is cheap.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import selectinload
import yaml

from ..errors import Invalid
from .encoders import clean_text
from .model import get_model
from .scoring import ClusterProfile, Examples, NetworkProfile, examples_from_seed, score_texts

MAX_TEXT_CHARS = 20000
DEFAULT_NETWORK = "cheongju"
DEFAULTS_YAML = Path(__file__).resolve().parents[1] / "networks" / "defaults" / "cheongju.yaml"


# --- networks ------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def default_profile() -> NetworkProfile:
    """The default (Cheongju) network as shipped in networks/defaults, without a database."""
    with DEFAULTS_YAML.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    return profile_from_definition(data)


def profile_from_definition(data: dict) -> NetworkProfile:
    return NetworkProfile(data["slug"], tuple(
        ClusterProfile(c["key"], c.get("name_ko", ""), c.get("name_en", ""), c.get("description_ko", ""),
                       c.get("description_en", ""), tuple(int(g) for g in c.get("sdgs", [])))
        for c in data.get("clusters") or []))


def profile_from_network(network) -> NetworkProfile:
    """The network's clusters as the classifier reads them: from the row's clusters when they are
    loaded, else in one Core query (building the ORM clusters and their goals only for this cost a
    registration step as much as the sentence encoder)."""
    if "clusters" in sa.inspect(network).unloaded:
        from ..extensions import db

        clusters: dict[int, tuple] = {}
        for row in db.session.execute(_profile_statement(), {"network_id": network.id}):
            goals = clusters.setdefault(row.id, (*row[1:6], []))[5]
            if row.goal_number is not None:
                goals.append(row.goal_number)
        rows = clusters.values()
    else:
        rows = [(c.key, c.name_ko, c.name_en, c.description_ko, c.description_en, c.goal_numbers)
                for c in network.clusters]
    return NetworkProfile(network.slug, tuple(
        ClusterProfile(key, name_ko, name_en, d_ko or "", d_en or "", tuple(goals))
        for key, name_ko, name_en, d_ko, d_en, goals in rows))


@lru_cache(maxsize=1)
def _profile_statement() -> sa.Select:
    """A network's clusters and their goals, in the order of ``Network.clusters``."""
    from ..networks.models import Cluster, cluster_goals

    c, cg = Cluster.__table__, cluster_goals
    return (sa.select(c.c.id, c.c.key, c.c.name_ko, c.c.name_en, c.c.description_ko, c.c.description_en,
                      cg.c.goal_number)
            .select_from(c.outerjoin(cg, cg.c.cluster_id == c.c.id))
            .where(c.c.network_id == sa.bindparam("network_id"))
            .order_by(c.c.position, c.c.id, cg.c.goal_number))


def _resolve(network) -> tuple[NetworkProfile, object | None]:
    """(profile, Network row or None) for a Network, a slug or None (= default network)."""
    if network is None or isinstance(network, str):
        slug = network or DEFAULT_NETWORK
        row = _network_row(slug)
        if row is not None:
            return profile_from_network(row), row
        if slug == DEFAULT_NETWORK:
            return default_profile(), None
        from ..errors import NotFound

        raise NotFound("There is no network called '%(slug)s'.", slug=slug)
    return profile_from_network(network), network


def _network_row(slug: str):
    try:
        from flask import has_app_context

        if not has_app_context():
            return None
        from ..extensions import db
        from ..networks.models import Network

        return db.session.scalar(sa.select(Network).where(Network.slug == slug))
    except sa.exc.SQLAlchemyError:  # no database configured / schema not there: still classify
        return None


# --- few-shot examples ---------------------------------------------------------------------

_examples_lock = threading.Lock()
_examples_cache: dict[tuple, Examples] = {}


def network_examples(profile: NetworkProfile, row) -> Examples:
    """Shipped seed examples for the network plus its organisers' confirmations.

    Cached per network and per state of its confirmations, so the per-network cluster head is
    fitted once, not per call.
    """
    model = get_model()
    stamp: tuple = ()
    if row is not None:
        from ..extensions import db

        stamp = tuple(db.session.execute(_examples_stamp_statement(), {"network_id": row.id}).one())
        if not stamp[0]:
            stamp = ()
    key = (profile.slug, id(model), stamp)
    cached = _examples_cache.get(key)
    if cached is not None:
        return cached
    examples = examples_from_seed(model.seeds.get(profile.slug), model)
    if stamp:
        from ..extensions import db
        from .models import MatchingExample

        rows = db.session.scalars(sa.select(MatchingExample).where(MatchingExample.network_id == row.id)
                                  .order_by(MatchingExample.id)).all()
        examples = examples.extended(Examples(_example_vectors(model, rows),
                                              [tuple(r.sdgs) for r in rows], [tuple(r.clusters) for r in rows],
                                              [r.text for r in rows]))
    with _examples_lock:
        for old in [k for k in _examples_cache if k[0] == profile.slug]:
            del _examples_cache[old]
        _examples_cache[key] = examples
    return examples


@lru_cache(maxsize=1)
def _examples_stamp_statement() -> sa.Select:
    """The state of a network's confirmations (built once: every registration step reads it)."""
    from .models import MatchingExample

    return (sa.select(sa.func.count(MatchingExample.id), sa.func.max(MatchingExample.updated_at),
                      sa.func.max(MatchingExample.id))
            .where(MatchingExample.network_id == sa.bindparam("network_id")))


def _example_vectors(model, rows):
    """Vectors of confirmation rows; only rows new or changed since this process last saw them
    are encoded (one confirmation must not re-encode a network's hundreds of others: with e5
    that would stall a web worker for seconds). Memo keyed by model (its encoder) and row."""
    import numpy as np

    memo = model.__dict__.setdefault("_example_vectors", {})
    todo = [r for r in rows if memo.get(r.id, (None,))[0] != r.text]
    if todo:
        with _examples_lock:
            for r, v in zip(todo, model.encode([r.text for r in todo])):
                memo[r.id] = (r.text, v)
    return np.vstack([memo[r.id][1] for r in rows]) if rows else model.encode([])


# --- classification ------------------------------------------------------------------------

def _check_texts(texts) -> list[str]:
    if isinstance(texts, str) or not isinstance(texts, (list, tuple)):
        raise Invalid("Send a list of texts.", field="texts")
    out = []
    for text in texts:
        if text is None:
            text = ""
        if not isinstance(text, str):
            raise Invalid("Every text must be a string.", field="texts")
        out.append(clean_text(text[: MAX_TEXT_CHARS * 2])[:MAX_TEXT_CHARS])
    return out


def classify_texts(texts, network=None, *, lang: str | None = None, ids: list | None = None,
                   use_examples: bool = True, vectors=None) -> list[dict]:
    """Classify activity texts for ``network`` (a Network, a slug, or None for the default).

    Returns one object per text, in order, exactly as in the issue:
    ``{"id", "sdgs": [{"goal", "score"} x17 best first], "suggested": [...],
    "clusters": [{"key", "score"} ... best first], "reasons": {"6": [{"target", "text"}]}}``.
    ``lang`` picks the language of the reasons (default: the text's own language). ``vectors``:
    the texts' sentence vectors when the caller has them from the model's own encoder (rescore
    reads them from the stored partner vectors), so they are not encoded again.
    """
    clean = _check_texts(texts)
    profile, row = _resolve(network)
    model = get_model()
    examples = network_examples(profile, row) if use_examples else Examples()
    results = score_texts(model, clean, profile, examples, lang=lang, vectors=vectors)
    ids = list(ids) if ids is not None else [None] * len(clean)
    return [{"id": ids[i], **r} for i, r in enumerate(results)]


def model_version() -> str:
    """Encoder, training data and a digest of the trained settings (mixes, thresholds, pre-tick
    rule): a head retrained on the same data is a new version, so its suggestions replace the old."""
    import hashlib
    import json

    meta = get_model().meta
    settings = {k: v for k, v in meta.items() if k != "training_seconds"}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:8]
    return f"{meta.get('encoder', '?')}:{meta.get('training_data_sha256_16', '?')}:{digest}"


def suggest_for_organisation(org, *, store: bool = True) -> dict:
    """Classify a group's activities for its network; remember what was suggested.

    Records the suggestion (``matching_suggestions``) and the suggested scores on the group's
    goal links (``OrganisationGoal.suggested``/``suggested_score``) without changing what the
    group or an organiser selected. Flushes, never commits.
    """
    result = classify_texts([org.activities or ""], org.network, lang=org.language or None, ids=[org.id])[0]
    if store:
        _store_suggestion(org, result)
    return result


def store_suggestion(org, result: dict) -> None:
    """Record ``result`` as the group's last suggestion (flushes)."""
    _store_suggestion(org, result)


def _store_suggestion(org, result: dict) -> None:
    from ..extensions import db
    from ..organisations.models import GoalSource, OrganisationGoal
    from .models import MatchingSuggestion

    scores = {s["goal"]: s["score"] for s in result["sdgs"]}
    links = {link.goal_number: link for link in org.goal_links}
    for goal in result["suggested"]:
        link = links.get(goal)
        if link is None:
            link = OrganisationGoal(goal_number=goal, source=GoalSource.SUGGESTED, selected=False)
            org.goal_links.append(link)
            links[goal] = link
        link.suggested, link.suggested_score = True, scores[goal]
    for goal, link in links.items():
        if goal not in result["suggested"]:
            link.suggested_score = scores.get(goal)
    record = db.session.get(MatchingSuggestion, org.id)
    if record is None:
        record = MatchingSuggestion(organisation_id=org.id, network_id=org.network_id)
        db.session.add(record)
    record.model_version = model_version()[:64]
    record.suggested = result["suggested"]
    record.top_cluster = result["clusters"][0]["key"] if result["clusters"] else None
    record.result = result
    db.session.flush()


def record_confirmation(org) -> bool:
    """Store the group's organiser-confirmed SDGs/cluster as a few-shot example of its network.

    Uses what is currently on the group (selected goals, confirmed cluster). Returns False when
    there is nothing to learn (no activities, or neither goals nor cluster).
    """
    from ..extensions import db
    from .models import MatchingExample

    text = clean_text(org.activities or "")
    sdgs = list(org.goal_numbers)
    clusters = [org.cluster.key] if org.cluster is not None else []
    if not text or not (sdgs or clusters):
        return False
    row = db.session.scalar(sa.select(MatchingExample).where(
        MatchingExample.network_id == org.network_id, MatchingExample.organisation_id == org.id))
    if row is None:
        row = MatchingExample(network_id=org.network_id, organisation_id=org.id)
        db.session.add(row)
    row.text, row.sdgs, row.clusters = text[:MAX_TEXT_CHARS], sdgs, clusters
    db.session.flush()
    return True


def collect_confirmations(network) -> int:
    """Record every group of ``network`` whose SDGs or cluster an organiser set. Returns the count."""
    from ..extensions import db
    from ..organisations.models import GoalSource, Organisation

    orgs = db.session.scalars(sa.select(Organisation).where(Organisation.network_id == network.id)
                              .options(selectinload(Organisation.goal_links), selectinload(Organisation.cluster))
                              .order_by(Organisation.id)).all()
    n = 0
    for org in orgs:
        confirmed = org.cluster_source == GoalSource.ORGANISER or any(
            link.selected and link.source == GoalSource.ORGANISER for link in org.goal_links)
        if confirmed and record_confirmation(org):
            n += 1
    return n


RESCORE_BATCH = 500


@dataclass
class RescoreReport:
    scored: int = 0
    applied: int = 0          # groups whose suggested SDGs (and cluster) were applied
    applied_goals: dict[int, list[int]] = field(default_factory=dict)  # group id -> SDGs applied


def needs_goals(org) -> bool:
    """No person confirmed the group's SDGs: none selected, or only suggestions left as they were."""
    from ..organisations.models import GoalSource

    kept = [link for link in org.goal_links if link.selected]
    return all(link.source == GoalSource.SUGGESTED for link in kept)


def apply_suggestion(org, result: dict, *, actor_kind: str = "system", actor_user_id: int | None = None,
                     source: str | None = None) -> list[int]:
    """Make the classifier's suggestion the group's SDGs (and its cluster when it has none, or only a
    suggested one). ``source`` defaults to 'suggested' (reviewable: organisers see the goals came
    from the classifier); an organiser accepting them passes actor_kind='organiser'. Returns the
    SDGs applied (empty when there was nothing to apply). Flushes, never commits."""
    from ..organisations import services as org_services
    from ..organisations.models import GoalSource

    goals = [int(g) for g in result.get("suggested") or []]
    if not goals:
        return []
    scores = {s["goal"]: s["score"] for s in result.get("sdgs") or []}
    organiser = actor_kind == "organiser"
    if organiser:
        org_services.set_goals(org, goals, actor_kind="organiser", actor_user_id=actor_user_id)
    else:
        org_services.set_goals(org, goals, actor_kind=actor_kind, actor_user_id=actor_user_id,
                               suggestions={g: scores.get(g, 0.0) for g in goals})
        for link in org.goal_links:  # ticked from a suggestion, nobody chose it yet
            if link.selected and link.goal_number in goals:
                link.source = source or GoalSource.SUGGESTED
    clusters = result.get("clusters") or []
    if clusters and (org.cluster is None or org.cluster_source == GoalSource.SUGGESTED or organiser):
        key = clusters[0]["key"]
        if org.cluster is None or org.cluster.key != key or organiser:
            org_services.set_cluster(org, key, actor_kind=actor_kind, actor_user_id=actor_user_id,
                                     source=None if organiser else GoalSource.SUGGESTED)
    return goals


def _stored_vectors(orgs, source) -> dict[int, object]:
    """The groups' stored sentence vectors from ``source`` (the partner index's, handed in by the
    caller: this domain does not build on partners), for the groups whose stored vector is of the
    text classification encodes; {} without a source. A rescore after a retrained head therefore
    encodes nothing; only a change of encoder re-encodes, batch by batch."""
    return source([o for o in orgs if _classified_as_stored(o)]) if source is not None else {}


def _classified_as_stored(org) -> bool:
    """The stored vector is of the group's activities exactly as classification would encode them
    (not its name, when it wrote no activities; not a text cut at MAX_TEXT_CHARS)."""
    text = (org.activities or "").strip()
    return bool(text) and len(text) <= MAX_TEXT_CHARS


def _vectors_for(group, stored: dict):
    """The sentence vectors of ``group``: stored ones, the others encoded now (None: no stored one)."""
    import numpy as np

    if not stored:
        return None
    missing = [org for org in group if org.id not in stored]
    if missing:
        encoded = get_model().encode(_check_texts([org.activities or "" for org in missing]))
        stored = {**stored, **{org.id: v for org, v in zip(missing, encoded)}}
    return np.vstack([stored[org.id] for org in group])


def rescore_network(network, *, learn: bool = True, apply: bool = False, batch_size: int = RESCORE_BATCH,
                    after_batch=None, stored_vectors=None) -> RescoreReport:
    """Re-score every group of ``network`` (after a model update), ``batch_size`` groups at a time.

    With ``apply``, groups whose SDGs nobody confirmed (``needs_goals``) get the suggestion as their
    SDGs and cluster (source 'suggested', for organisers to review). ``after_batch()`` runs after
    each batch is flushed: the CLI commits there and clears the session, so memory stays flat at
    any network size (the service itself never commits). ``stored_vectors(orgs)`` gives stored
    sentence vectors by group id ({} when they are not the model's encoder's); the CLI passes the
    partner index's (``partners.index.vectors_for_classification``).
    """
    from ..extensions import db
    from ..organisations.models import Organisation

    if isinstance(network, str):
        network = _resolve(network)[1]
    network_id, slug = network.id, network.slug
    if learn:
        collect_confirmations(network)
    ids = db.session.scalars(sa.select(Organisation.id).where(Organisation.network_id == network_id)
                             .order_by(Organisation.id)).all()
    report = RescoreReport()
    for start in range(0, len(ids), batch_size):
        orgs = db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(ids[start:start + batch_size]))
                                  .options(selectinload(Organisation.goal_links), selectinload(Organisation.cluster))
                                  .order_by(Organisation.id)).all()
        # One classification per reader language in the batch, not one call per group.
        by_lang: dict[str | None, list] = {}
        for org in orgs:
            by_lang.setdefault(org.language or None, []).append(org)
        stored = _stored_vectors(orgs, stored_vectors)
        for lang, group in by_lang.items():
            results = classify_texts([org.activities or "" for org in group], slug, lang=lang,
                                     ids=[org.id for org in group], vectors=_vectors_for(group, stored))
            for org, result in zip(group, results):
                _store_suggestion(org, result)
                if apply and not org.is_erased and needs_goals(org):
                    applied = apply_suggestion(org, result)
                    if applied:
                        report.applied += 1
                        report.applied_goals[org.id] = applied
        report.scored += len(orgs)
        db.session.flush()
        if after_batch is not None:
            after_batch()
    return report


# --- organisers accept suggestions in bulk ------------------------------------------------

def groups_needing_goals_select(network):
    """Groups of ``network`` (not withdrawn, not erased) whose SDGs no person confirmed: no selected
    SDG other than a classifier suggestion left as it was."""
    from ..organisations.models import GoalSource, Organisation, OrganisationGoal, OrganisationStatus

    confirmed = sa.select(OrganisationGoal.organisation_id).where(
        OrganisationGoal.organisation_id == Organisation.id, OrganisationGoal.selected.is_(True),
        OrganisationGoal.source != GoalSource.SUGGESTED.value)
    return (sa.select(Organisation).where(
        Organisation.network_id == network.id, Organisation.status != OrganisationStatus.WITHDRAWN.value,
        ~Organisation.name_key.startswith("erased:"), ~confirmed.exists())
        .order_by(Organisation.id))


def pending_suggestions(network, limit: int = 500) -> tuple[int, list[tuple[object, dict | None]]]:
    """(how many groups need their SDGs reviewed, [(group, its last suggestion or None)] for the first
    ``limit`` of them)."""
    from ..extensions import db
    from ..organisations.models import Organisation
    from .models import MatchingSuggestion

    select = groups_needing_goals_select(network)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery()))
    orgs = db.session.scalars(select.options(selectinload(Organisation.goal_links), selectinload(Organisation.cluster))
                              .limit(limit)).all()
    records = {r.organisation_id: r.result for r in db.session.scalars(
        sa.select(MatchingSuggestion).where(MatchingSuggestion.organisation_id.in_([o.id for o in orgs])))} if orgs else {}
    return total, [(org, records.get(org.id)) for org in orgs]


def accept_suggestions(network, organisation_ids: list[int] | None, *, actor_user_id: int | None,
                       batch_size: int = RESCORE_BATCH) -> list[dict]:
    """An organiser accepts the classifier's suggestions for the given groups (``None``: every group
    needing SDGs): each gets the suggested SDGs and top cluster, confirmed by that organiser (so the
    network learns from them). Groups outside the network, or whose SDGs a person already confirmed,
    are left alone. Returns what was applied, per group. Flushes, never commits."""
    from ..extensions import db
    from ..organisations.models import Organisation
    from .models import MatchingSuggestion

    select = groups_needing_goals_select(network)
    if organisation_ids is not None:
        select = select.where(Organisation.id.in_(sorted({int(i) for i in organisation_ids})))
    ids = db.session.scalars(select.with_only_columns(Organisation.id)).all()
    current = model_version()[:64]
    applied: list[dict] = []
    for start in range(0, len(ids), batch_size):
        chunk = ids[start:start + batch_size]
        orgs = db.session.scalars(sa.select(Organisation).where(Organisation.id.in_(chunk))
                                  .options(selectinload(Organisation.goal_links)).order_by(Organisation.id)).all()
        records = {r.organisation_id: r for r in db.session.scalars(
            sa.select(MatchingSuggestion).where(MatchingSuggestion.organisation_id.in_(chunk)))}
        # Suggestions from the current model are used as they were shown; the others are re-scored.
        stale = [o for o in orgs if o.id not in records or records[o.id].model_version != current]
        fresh = dict(zip([o.id for o in stale], classify_texts([o.activities or "" for o in stale], network,
                                                               ids=[o.id for o in stale]))) if stale else {}
        for org in orgs:
            result = fresh.get(org.id) or records[org.id].result
            if org.id in fresh:
                _store_suggestion(org, result)
            goals = apply_suggestion(org, result, actor_kind="organiser", actor_user_id=actor_user_id)
            if goals:
                applied.append({"id": org.id, "name": org.name, "goals": goals,
                                "cluster": org.cluster.key if org.cluster is not None else None})
        db.session.flush()
    return applied
