"""SDG reference texts shipped with the package (UN text; Korean by Statistics Korea, MIT)."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

# Official SDG colours from the UN communications guidelines.
GOAL_COLOURS = {
    1: "#E5243B", 2: "#DDA63A", 3: "#4C9F38", 4: "#C5192D", 5: "#FF3A21", 6: "#26BDE2",
    7: "#FCC30B", 8: "#A21942", 9: "#FD6925", 10: "#DD1367", 11: "#FD9D24", 12: "#BF8B2E",
    13: "#3F7E44", 14: "#0A97D9", 15: "#56C02B", 16: "#00689D", 17: "#19486A",
}


@dataclass(frozen=True)
class GoalText:
    number: int
    title_en: str
    title_ko: str
    short_en: str
    short_ko: str
    colour: str


@dataclass(frozen=True)
class TargetText:
    code: str
    goal: int
    position: int
    title_en: str
    title_ko: str


@cache
def goal_texts() -> tuple[GoalText, ...]:
    with open(DATA_DIR / "sdg_goals_en_ko.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        GoalText(
            number=int(r["goal"]), title_en=r["title_en"], title_ko=r["title_ko"],
            short_en=r["short_en"], short_ko=r["short_ko"], colour=GOAL_COLOURS[int(r["goal"])],
        )
        for r in rows
    )


@cache
def target_texts() -> tuple[TargetText, ...]:
    with open(DATA_DIR / "sdg_targets_en_ko.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        TargetText(code=r["code"], goal=int(r["goal"]), position=i,
                   title_en=r["title_en"], title_ko=r["title_ko"])
        for i, r in enumerate(rows)
    )
