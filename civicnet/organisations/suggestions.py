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


def suggest_goals(network: Network, activities: str) -> dict[int, float]:
    if not activities.strip() or not current_app.config.get("SDG_SUGGESTIONS", True):
        return {}
    try:
        module = importlib.import_module("civicnet.matching.services")
        classify = getattr(module, "classify_texts")
        results = classify([activities], network)
        first = results[0] if isinstance(results, (list, tuple)) else results
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
        return _as_mapping(first)
    except Exception:  # the classifier is optional here; never block a registration
        log.warning("SDG suggestions unavailable; registration continues with manual choice", exc_info=True)
        return {}
