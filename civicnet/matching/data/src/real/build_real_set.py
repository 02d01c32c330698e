"""Build ``real_descriptions.jsonl`` from public sources and the hand labels in this folder.

The labels are ours (``*_labels.tsv``: ``source_ref<TAB>sdgs<TAB>clusters<TAB>text_sha256_12``,
sdgs most relevant first, clusters = the acceptable Cheongju cluster keys; ``#`` lines are
comments; given by hand before any model saw the texts). The texts are not kept in git: they are
read again from a copy of each source (see ``../../SOURCES.md``, "Real descriptions") and checked
against the labelled text's checksum, so a changed source cannot silently change the set.

Split: a stable hash of the normalised text puts half of the rows in ``test`` (evaluation only)
and the rest in ``dev``; adding rows never moves an existing row. Run:
``python civicnet/matching/data/src/real/build_real_set.py --dangjin /path/to/dangjin2023 [--out FILE]``
(default output: ``civicnet/matching/data/real_descriptions.jsonl``).
"""

import argparse
import hashlib
import json
import re
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

import extract_dangjin

DEFAULT_OUT = HERE.parent.parent / "real_descriptions.jsonl"
CLUSTERS = {"jobs", "agri-food", "resilient", "welfare", "culture", "safety", "nature"}
TEST_FRACTION = 0.5


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text).casefold())


def _fraction(text: str) -> float:
    return int.from_bytes(hashlib.sha256(_key(text).encode()).digest()[:8], "big") / 2**64


def checksum(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def read_labels(path: Path) -> list[tuple[str, list[int], list[str], str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        ref, sdgs, clusters, digest = line.split("\t")
        sdg_list = [int(s) for s in sdgs.split(",")]
        cluster_list = clusters.split(",")
        assert all(1 <= s <= 17 for s in sdg_list) and len(set(sdg_list)) == len(sdg_list), line
        assert cluster_list and set(cluster_list) <= CLUSTERS, line
        out.append((ref, sdg_list, cluster_list, digest))
    return out


def build(texts_by_source: dict[str, dict[str, str]], labels_dir: Path = HERE) -> list[dict]:
    rows, seen = [], set()
    for name, texts in texts_by_source.items():
        for ref, sdgs, clusters, digest in read_labels(labels_dir / f"{name}_labels.tsv"):
            text = texts.get(ref)
            if text is None or checksum(text) != digest:
                raise SystemExit(f"{ref}: the source no longer has the text that was labelled")
            key = _key(text)
            assert key not in seen, f"duplicate text: {text}"
            seen.add(key)
            rows.append({
                "id": f"real-{name}-{hashlib.sha256(ref.encode()).hexdigest()[:10]}",
                "split": "test" if _fraction(text) < TEST_FRACTION else "dev",
                "lang": "ko" if re.search("[가-힣]", text) else "en",
                "sdgs": sdgs, "clusters": clusters, "text": text, "source": ref,
            })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dangjin", type=Path, required=True, help="clone or mirror of min3076/dangjin2023")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    repo = args.dangjin / ".git" if (args.dangjin / ".git").exists() else args.dangjin
    texts = {"dangjin": {r["ref"]: r["text"] for r in extract_dangjin.extract(repo)}}
    rows = build(texts)
    with args.out.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    n_test = sum(r["split"] == "test" for r in rows)
    by_lang = {lang: sum(r["lang"] == lang for r in rows) for lang in sorted({r["lang"] for r in rows})}
    print(f"{len(rows)} real descriptions {by_lang}: {len(rows) - n_test} dev, {n_test} test -> {args.out}")


if __name__ == "__main__":
    main()
