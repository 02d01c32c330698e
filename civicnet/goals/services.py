"""Loading and reading the SDG reference tables."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import Goal, Target
from .reference import goal_texts, target_texts


def load_goals() -> int:
    """Insert or refresh the 17 goals and 169 targets; returns how many rows changed."""
    changed = 0
    # One query per table, not one per row.
    goals = {goal.number: goal for goal in db.session.scalars(sa.select(Goal))}
    targets = {target.code: target for target in db.session.scalars(sa.select(Target))}
    for g in goal_texts():
        goal = goals.get(g.number) or Goal(number=g.number)
        for field in ("title_en", "title_ko", "short_en", "short_ko", "colour"):
            if getattr(goal, field, None) != getattr(g, field):
                setattr(goal, field, getattr(g, field))
                changed += 1
        db.session.add(goal)
    db.session.flush()
    for t in target_texts():
        target = targets.get(t.code) or Target(code=t.code)
        values = {"goal_number": t.goal, "position": t.position, "title_en": t.title_en, "title_ko": t.title_ko}
        for field, value in values.items():
            if getattr(target, field, None) != value:
                setattr(target, field, value)
                changed += 1
        db.session.add(target)
    db.session.flush()
    return changed


def all_goals() -> list[Goal]:
    """The 17 goals in order; no query when the network's clusters already loaded them all."""
    return goals_by_number(range(1, 18))


def goals_by_number(numbers) -> list[Goal]:
    """The goals numbered ``numbers``, in order; no query when the session holds them already (the
    17 rows never change, and a network's clusters load most of them)."""
    numbers = sorted(set(int(n) for n in numbers))
    if not numbers:
        return []
    session = db.session()
    held = [session.identity_map.get(session.identity_key(Goal, n)) for n in numbers]
    if all(g is not None for g in held):
        return held
    with session.no_autoflush:  # reference rows: pending changes elsewhere cannot alter them
        return list(session.scalars(_GOALS_IN, {"numbers": numbers}))


# The statement of ``goals_by_number``, built once (registration step 1 runs it on every request).
_GOALS_IN = sa.select(Goal).where(Goal.number.in_(sa.bindparam("numbers", expanding=True))).order_by(Goal.number)
