"""Training and evaluation texts for the SDG classifier, read from ``civicnet/matching/data``.

Everything the product trains on ships inside the package (see ``data/SOURCES.md`` for origins
and licences), so training never needs ``../shared``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"
GOALS = tuple(range(1, 18))


@dataclass(frozen=True)
class Example:
    text: str
    sdgs: tuple[int, ...]  # most relevant first
    source: str
    lang: str = "en"
    clusters: tuple[str, ...] = field(default=())
    id: str = ""


def normalise_key(text: str) -> str:
    """Key used to de-duplicate texts across TRAIL files (case/space/punctuation blind)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", "", text)


def _read_csv(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


@lru_cache
def goal_rows() -> list[dict[str, str]]:
    return _read_csv(DATA_DIR / "un" / "sdg_goals_en_ko.csv")


@lru_cache
def target_rows() -> list[dict[str, str]]:
    return _read_csv(DATA_DIR / "un" / "sdg_targets_en_ko.csv")


@lru_cache
def indicator_rows() -> list[dict[str, str]]:
    return _read_csv(DATA_DIR / "un" / "sdg_indicators_en_ko.csv")


def un_examples() -> list[Example]:
    """Goal, target and indicator titles in English and Korean, one label each."""
    out: list[Example] = []
    for row in goal_rows():
        g = int(row["goal"])
        for text, lang in ((row["title_en"], "en"), (row["title_ko"], "ko"),
                           (f"{row['short_en']}: {row['title_en']}", "en"),
                           (f"{row['short_ko']}: {row['title_ko']}", "ko")):
            out.append(Example(text, (g,), "un-goal", lang))
    for rows, source in ((target_rows(), "un-target"), (indicator_rows(), "un-indicator")):
        seen: set[str] = set()
        for row in rows:
            g = int(row["goal"])
            for text, lang in ((row["title_en"], "en"), (row["title_ko"], "ko")):
                key = normalise_key(text)
                if not key or key in seen:
                    continue
                seen.add(key)
                out.append(Example(text, (g,), source, lang))
    return out


def trail_test() -> list[Example]:
    rows = _read_csv(DATA_DIR / "trail22" / "Test_data.csv")
    return [Example(r["text"], (int(r["SDG"]),), "trail-test", "en", id=f"trail-test-{r['']}")
            for r in rows]


def _stable_fraction(text: str) -> float:
    digest = hashlib.sha256(normalise_key(text).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def trail_train_and_holdout(holdout_fraction: float = 0.12) -> tuple[list[Example], list[Example]]:
    """De-duplicated TRAIL train + additional data, minus anything in TRAIL Test_data.

    A stable hash of each text puts ``holdout_fraction`` of it aside as our own held-out
    English set (never trained on). Texts carrying two different labels are dropped.
    """
    test_keys = {normalise_key(e.text) for e in trail_test()}
    labelled: dict[str, tuple[str, set[int]]] = {}
    train_rows = _read_csv(DATA_DIR / "trail22" / "Train_data.csv")
    extra_rows = _read_csv(DATA_DIR / "trail22" / "Final_Additional_Data.csv", delimiter="\t")
    for text, sdg in [(r["text"], r["SDG"]) for r in train_rows] + \
                     [(r["text"], r["SDG"]) for r in extra_rows]:
        text = (text or "").strip()
        key = normalise_key(text)
        if len(key) < 20 or key in test_keys:
            continue
        labelled.setdefault(key, (text, set()))[1].add(int(sdg))
    train, holdout = [], []
    for key in sorted(labelled):
        text, labels = labelled[key]
        if len(labels) != 1:
            continue
        ex = Example(text, (labels.pop(),), "trail", "en", id="trail-" + key[:16])
        (holdout if _stable_fraction(text) < holdout_fraction else train).append(ex)
    return train, holdout


def _labelled_rows(path: Path, split: str | None) -> list[dict]:
    """The rows of one of our labelled JSONL files, those of ``split`` only when it is given."""
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip() and (row := json.loads(line)) and (not split or row["split"] == split):
                rows.append(row)
    return rows


def korean_examples(split: str | None = None) -> list[Example]:
    """Our own local-group activity descriptions (``data/korean_activities.jsonl``).

    ``split`` is "dev" (trainable), "test" (held out) or None (both).
    """
    return [Example(row["text"], tuple(row["sdgs"]), "korean-" + row["split"], row.get("lang", "ko"),
                    tuple(row["clusters"]), row["id"])
            for row in _labelled_rows(DATA_DIR / "korean_activities.jsonl", split)]


REAL_PATH = DATA_DIR / "real_descriptions.jsonl"


def real_file_present() -> bool:
    return REAL_PATH.exists()


def real_examples(split: str | None = None) -> list[Example]:
    """Real descriptions from public sources (``data/real_descriptions.jsonl``, provenance of
    each row in its ``source`` field and in ``data/SOURCES.md``).

    ``split`` is "dev" (usable for training or calibration), "test" (held out: evaluation only)
    or None (both). The file is built from its sources by ``data/src/real/build_real_set.py``;
    without it there are no real descriptions (an empty list).
    """
    path = REAL_PATH
    if not path.exists():
        return []
    return [Example(row["text"], tuple(row["sdgs"]), row["source"], row["lang"], tuple(row["clusters"]), row["id"])
            for row in _labelled_rows(path, split)]


OSDG_DIR = DATA_DIR / "osdg"


def osdg_examples(split: str, path: Path | None = None, fraction: float = 0.1) -> list[Example]:
    """OSDG Community Dataset excerpts (English, one SDG each; CC BY 4.0) — for EVALUATION ONLY.

    Never train on these: the expert English benchmark is drawn from texts of this kind. Reads
    the OSDG-CD tab-separated release (``doi, text_id, text, sdg, labels_negative,
    labels_positive, agreement``) from ``data/osdg/osdg-community-data*.csv`` (the newest name
    wins) or ``path``; without the file there are no examples. Kept: rows with agreement ≥ 0.6
    and more positive than negative votes (the filter OSDG recommends), texts labelled with one
    SDG only, none that also occur in the TRAIL files. A stable hash of ``text_id`` puts
    ``fraction`` of them in "calibration" (thresholds may be tuned on it) and the next
    ``fraction`` in "test" (figures only); the rest is not used.
    """
    if path is None:
        found = sorted(OSDG_DIR.glob("osdg-community-data*.csv"))
        if not found:
            return []
        path = found[-1]
    train, holdout = trail_train_and_holdout()
    trail_keys = {normalise_key(e.text) for e in train + holdout + trail_test()}
    by_text: dict[str, tuple[str, str, set[int]]] = {}
    for row in _read_csv(path, delimiter="\t"):
        text = (row.get("text") or "").strip()
        key = normalise_key(text)
        try:
            sdg, agreement = int(row["sdg"]), float(row["agreement"])
            positive, negative = int(row["labels_positive"]), int(row["labels_negative"])
        except (KeyError, TypeError, ValueError):
            continue
        if len(key) < 20 or key in trail_keys or agreement < 0.6 or positive <= negative or not 1 <= sdg <= 17:
            continue
        by_text.setdefault(key, (row.get("text_id") or key, text, set()))[2].add(sdg)
    out = []
    for key in sorted(by_text):
        text_id, text, goals = by_text[key]
        if len(goals) != 1:
            continue
        f = _stable_fraction(text_id)
        part = "calibration" if f < fraction else "test" if f < 2 * fraction else None
        if part == split:
            out.append(Example(text, (goals.pop(),), "osdg-" + part, "en", id="osdg-" + text_id))
    return out
