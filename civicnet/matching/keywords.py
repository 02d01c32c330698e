"""Aurora SDG query terms as cheap lexical features.

The Aurora Universities Network's per-SDG Scopus queries (``data/aurora_queries``, CC BY 4.0)
are Boolean/proximity expressions over quoted terms (``"drinking" W/3 "water"``,
``"climat*"``). At training time every quoted term is extracted once into a fixed vocabulary
(a trailing ``*`` means "any word starting with"); at run time a text is tokenised like the
TF-IDF word block and each vocabulary term it contains counts as one feature. The proximity
operators are not evaluated: the classifier learns how much each term says about each goal.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

from .lexical import ProcessMemos, remember

_QUERY_LINE = re.compile(r"<aqd:query-line[^>]*>(.*?)</aqd:query-line>", re.S)
_QUOTED = re.compile(r'"([^"]+)"')
_WORD = re.compile(r"(?u)\b\w+\b")
MAX_WORDS = 4
MIN_PREFIX = 3
# Word sequences whose matches a block keeps (cleared when full).
MAX_MEMO_GRAMS = 50_000


def extract_terms(directory: Path) -> dict[str, list[int]]:
    """term -> SDGs whose query mentions it. Terms are lower-cased word sequences joined by one
    space; a trailing ``*`` marks a prefix term."""
    out: dict[str, set[int]] = {}
    for path in sorted(directory.glob("query_SDG*.xml")):
        goal = int(re.search(r"SDG(\d+)", path.name).group(1))
        for line in _QUERY_LINE.findall(path.read_text(encoding="utf-8-sig")):
            for raw in _QUOTED.findall(line):
                star = raw.strip().endswith("*")
                words = _WORD.findall(raw.lower().replace("*", " "))
                if not words or len(words) > MAX_WORDS:
                    continue
                if star and len(words[-1]) < MIN_PREFIX:
                    continue
                term = " ".join(words) + ("*" if star else "")
                out.setdefault(term, set()).add(goal)
    return {t: sorted(g) for t, g in sorted(out.items())}


class KeywordFeatures(ProcessMemos):
    """Hits of a fixed term vocabulary in a text: (indices, values) with sublinear tf, l2 norm."""

    kind = "aurora"
    MEMOS = ("_gram_memo",)

    def __init__(self, terms: list[str], scale: float = 1.0):
        self.terms = list(terms)
        self.scale = float(scale)
        self.exact: dict[str, int] = {}
        self.prefix: dict[str, int] = {}
        for i, t in enumerate(self.terms):
            (self.prefix if t.endswith("*") else self.exact)[t.rstrip("*")] = i
        self.max_words = max((t.count(" ") + 1 for t in self.terms), default=1)
        self.idf = np.ones(len(self.terms), dtype=np.float32)  # length, for LexicalFeatures slicing

    def counts(self, text: str) -> dict[int, int]:
        tokens = _WORD.findall(text.lower())
        memo = self._memo("_gram_memo")
        found: list[int] = []
        for i in range(len(tokens)):
            for n in range(1, min(self.max_words, len(tokens) - i) + 1):
                gram = " ".join(tokens[i:i + n]) if n > 1 else tokens[i]
                got = memo.get(gram)
                if got is None:
                    got = remember(memo, gram, self._gram_hits(gram, len(tokens[i + n - 1])), MAX_MEMO_GRAMS)
                found.extend(got)
        return dict(Counter(found))

    def _gram_hits(self, gram: str, last: int) -> list[int]:
        """The terms one word sequence matches: itself, and the prefix terms its last word starts
        with (memoised per sequence: trying every cut of the word was most of the cost)."""
        out = []
        j = self.exact.get(gram)
        if j is not None:
            out.append(j)
        if self.prefix:
            base = len(gram) - last
            for cut in range(base + MIN_PREFIX, len(gram) + 1):
                j = self.prefix.get(gram[:cut])
                if j is not None:
                    out.append(j)
        return out

    def indices_values(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        hits = self.counts(text)
        if not hits:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter(hits.keys(), dtype=np.int64, count=len(hits))
        vals = np.fromiter((1.0 + math.log(c) for c in hits.values()), dtype=np.float32, count=len(hits))
        return idx, vals * (self.scale / float(np.sqrt(np.dot(vals, vals))))

    def matrix(self, texts: list[str]):
        """scipy CSR matrix (training only)."""
        from scipy.sparse import csr_matrix

        data, cols, ptr = [], [], [0]
        for t in texts:
            idx, vals = self.indices_values(t)
            cols.extend(idx.tolist())
            data.extend(vals.tolist())
            ptr.append(len(cols))
        return csr_matrix((np.asarray(data, dtype=np.float32), np.asarray(cols, dtype=np.int64), ptr),
                          shape=(len(texts), len(self.terms)))
