"""Build ../korean_activities.jsonl from the hand-written korean_activities_*.txt files.

Format of a source line: ``sdgs|clusters|text`` (sdgs most relevant first, clusters = the
acceptable Cheongju cluster keys, ``\\n`` = line break). Split: within each main SDG, every
third description (in file order) goes to ``test``; the rest is ``dev``. Run:
``python civicnet/matching/data/src/build_korean_set.py``.
"""

import json
import re
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
CLUSTERS = {"jobs", "agri-food", "resilient", "welfare", "culture", "safety", "nature"}


def _file_number(path: Path) -> int:
    # Numeric order, so later batches (100, 101, ...) are appended and earlier texts keep their split.
    return int(path.stem.rsplit("_", 1)[1])


def main() -> None:
    rows = []
    for path in sorted(HERE.glob("korean_activities_*.txt"), key=_file_number):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            sdgs, clusters, text = line.split("|", 2)
            sdgs = [int(s) for s in sdgs.split(",")]
            clusters = clusters.split(",")
            assert all(1 <= s <= 17 for s in sdgs) and len(set(sdgs)) == len(sdgs), line
            assert set(clusters) <= CLUSTERS, line
            text = text.replace("\\n", "\n").strip()
            lang = "ko" if re.search("[가-힣]", text) else "en"
            rows.append({"text": text, "lang": lang, "sdgs": sdgs, "clusters": clusters})
    seen: dict[int, int] = defaultdict(int)
    for i, row in enumerate(rows, 1):
        main_sdg = row["sdgs"][0]
        seen[main_sdg] += 1
        row["split"] = "test" if seen[main_sdg] % 3 == 0 else "dev"
        row["id"] = f"ko-{i:03d}"
    out = HERE.parent / "korean_activities.jsonl"
    with out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps({k: row[k] for k in ("id", "split", "lang", "sdgs", "clusters", "text")},
                                ensure_ascii=False) + "\n")
    n_test = sum(r["split"] == "test" for r in rows)
    print(f"{len(rows)} descriptions: {len(rows) - n_test} dev, {n_test} test -> {out}")


if __name__ == "__main__":
    main()
