"""The slot where the SDG classifier pre-ticks goals during registration.

``suggest_goals(network, activities)`` asks ``civicnet.matching.services.classify_texts`` (owned
by the matching domain) and returns {SDG number: score} for the goals to pre-tick. Any failure —
module missing, model not trained, unexpected result — gives {} so registration works with the
group's manual choice alone. Set ``SDG_SUGGESTIONS = False`` in the config to skip it.
"""
from __future__ import annotations

import importlib
import logging

from flask import current_app

from ..networks.models import Network

log = logging.getLogger(__name__)


def _as_mapping(result: object) -> dict[int, float]:
    """Accept {goal: score}, [(goal, score)], [{"goal", "score"}] or objects with .goal and .score."""
    if isinstance(result, dict):
        items = result.items()
    else:
        items = []
        for item in result or []:
            if isinstance(item, (tuple, list)) and len(item) == 2:
                items.append((item[0], item[1]))
            elif isinstance(item, dict):
                items.append((item.get("goal") or item.get("number"), item.get("score", 1.0)))
            else:
                goal = getattr(item, "goal", None) or getattr(item, "number", None) or getattr(item, "goal_number", None)
                items.append((getattr(goal, "number", goal), getattr(item, "score", 1.0)))
    out = {}
    for goal, score in items:
        number = int(getattr(goal, "number", goal))
        if 1 <= number <= 17:
            out[number] = round(float(score), 4)
    return out


def suggestions_enabled() -> bool:
    """Whether registration asks the classifier at all (``SDG_SUGGESTIONS``, on by default)."""
    return bool(current_app.config.get("SDG_SUGGESTIONS", True))


def suggest_goals(network: Network, activities: str) -> dict[int, float]:
    return suggest_goals_explained(network, activities)[0]


def _reason_lines(first: object, goals: list[int]) -> dict[int, dict]:
    """Per pre-ticked goal, the closest SDG target and the words of the text that led to it."""
    reasons = first.get("reasons") if isinstance(first, dict) else None
    out = {}
    for goal in goals:
        items = (reasons or {}).get(str(goal)) or []
        if items and isinstance(items[0], dict) and items[0].get("target"):
            out[goal] = {"target": str(items[0]["target"])[:16], "text": str(items[0].get("text", ""))[:300],
                         "words": [str(w)[:40] for w in (items[0].get("words") or [])[:3]]}
    return out


def suggest_goals_explained(network: Network, activities: str,
                            lang: str | None = None) -> tuple[dict[int, float], dict[int, dict]]:
    """({SDG: score} to pre-tick, {SDG: {"target", "text", "words"}}): the reasons are in ``lang``
    (the registrant's language), one closest target per pre-ticked goal."""
    if not activities.strip() or not suggestions_enabled():
        return {}, {}
    try:
        module = importlib.import_module("civicnet.matching.services")
        classify = getattr(module, "classify_texts")
        results = classify([activities], network, lang=lang) if lang else classify([activities], network)
        first = results[0] if isinstance(results, (list, tuple)) else results
        explained = first
        # The matching domain returns {"sdgs": [...all 17...], "suggested": [{"goal", "score"}], ...}:
        # only the suggested goals are pre-ticked.
        if isinstance(first, dict) and "suggested" in first:
            scores = _as_mapping(first.get("sdgs") or [])
            picked = [g if isinstance(g, int) else int(g["goal"]) if isinstance(g, dict) else int(g)
                      for g in first["suggested"]]
            first = [(number, scores.get(number, 1.0)) for number in picked]
        elif isinstance(first, dict) and "goals" in first:
            first = first["goals"]
        first = getattr(first, "goals", first)
        scores = _as_mapping(first)
        return scores, _reason_lines(explained, list(scores))
    except Exception:  # the classifier is optional here; never block a registration
        log.warning("SDG suggestions unavailable; registration continues with manual choice", exc_info=True)
        return {}, {}


def classify_many(network: Network, texts: list[str], batch: int = 256) -> list[dict | None]:
    """The matching domain's full result per text (``sdgs``, ``suggested``, ``clusters``), in batches;
    ``None`` for every text when suggestions are off or the classifier is unavailable."""
    if not texts or not current_app.config.get("SDG_SUGGESTIONS", True):
        return [None] * len(texts)
    try:
        classify = getattr(importlib.import_module("civicnet.matching.services"), "classify_texts")
        out: list[dict | None] = []
        for start in range(0, len(texts), batch):
            out.extend(classify(texts[start:start + batch], network))
        return out
    except Exception:  # an import still works without suggestions
        log.warning("SDG suggestions unavailable for this import", exc_info=True)
        return [None] * len(texts)


def remember_suggestion(org, result: dict) -> None:
    """Let the matching domain record what it suggested for ``org`` (its ``matching_suggestions`` row)."""
    try:
        store = getattr(importlib.import_module("civicnet.matching.services"), "store_suggestion")
    except (ImportError, AttributeError):
        return
    store(org, result)
