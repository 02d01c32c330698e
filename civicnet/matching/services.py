"""Matching services: classify texts for a network, suggest for a group, learn, re-score.

``classify_texts`` is what registration (web, bot) calls; the model loads once per process,
lazily and thread-safely, so calling it per request is cheap.
"""

from __future__ import annotations

import threading
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
    return NetworkProfile(network.slug, tuple(
        ClusterProfile(c.key, c.name_ko, c.name_en, c.description_ko or "", c.description_en or "",
                       tuple(c.goal_numbers))
        for c in network.clusters))


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
        from .models import MatchingExample

        stamp = tuple(db.session.execute(
            sa.select(sa.func.count(MatchingExample.id), sa.func.max(MatchingExample.updated_at),
                      sa.func.max(MatchingExample.id))
            .where(MatchingExample.network_id == row.id)).one())
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
        examples = examples.extended(Examples(model.encode([r.text for r in rows]),
                                              [tuple(r.sdgs) for r in rows], [tuple(r.clusters) for r in rows],
                                              [r.text for r in rows]))
    with _examples_lock:
        for old in [k for k in _examples_cache if k[0] == profile.slug]:
            del _examples_cache[old]
        _examples_cache[key] = examples
    return examples


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
                   use_examples: bool = True) -> list[dict]:
    """Classify activity texts for ``network`` (a Network, a slug, or None for the default).

    Returns one object per text, in order, exactly as in the issue:
    ``{"id", "sdgs": [{"goal", "score"} x17 best first], "suggested": [...],
    "clusters": [{"key", "score"} ... best first], "reasons": {"6": [{"target", "text"}]}}``.
    ``lang`` picks the language of the reasons (default: the text's own language).
    """
    clean = _check_texts(texts)
    profile, row = _resolve(network)
    model = get_model()
    examples = network_examples(profile, row) if use_examples else Examples()
    results = score_texts(model, clean, profile, examples, lang=lang)
    ids = list(ids) if ids is not None else [None] * len(clean)
    return [{"id": ids[i], **r} for i, r in enumerate(results)]


def model_version() -> str:
    meta = get_model().meta
    return f"{meta.get('encoder', '?')}:{meta.get('training_data_sha256_16', '?')}"


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


def rescore_network(network, *, learn: bool = True) -> int:
    """Re-score every group of ``network`` (after a model update). Returns how many."""
    from ..extensions import db
    from ..organisations.models import Organisation

    if isinstance(network, str):
        network = _resolve(network)[1]
    if learn:
        collect_confirmations(network)
    orgs = db.session.scalars(sa.select(Organisation).where(Organisation.network_id == network.id)
                              .options(selectinload(Organisation.goal_links))
                              .order_by(Organisation.id)).all()
    # One classification per reader language for the whole network, not one call per group.
    by_lang: dict[str | None, list] = {}
    for org in orgs:
        by_lang.setdefault(org.language or None, []).append(org)
    for lang, group in by_lang.items():
        results = classify_texts([org.activities or "" for org in group], network, lang=lang,
                                 ids=[org.id for org in group])
        for org, result in zip(group, results):
            _store_suggestion(org, result)
    return len(orgs)
