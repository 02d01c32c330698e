"""Word and character n-gram TF-IDF features without scikit-learn at run time.

Training fits scikit-learn ``TfidfVectorizer``s (inside a ``FeatureUnion``); the artefact keeps
only their vocabularies and idf weights in this small class, which reproduces their
``transform`` (lower-casing, ``(?u)\\b\\w\\w+\\b`` tokens, word 1–2-grams, ``char_wb`` n-grams,
sublinear tf, idf, l2 norm per block). Loading it needs no scikit-learn import (about a second
of start-up) and scoring skips the sparse-matrix machinery.
"""
from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_SPACES = re.compile(r"\s\s+")
# Words whose char n-gram ids a block keeps (~200 bytes a word: ~10 MB at most; cleared when full).
MAX_MEMO_WORDS = 50_000


class ProcessMemos:
    """Per-process memos of a feature block, in the attributes named by ``MEMOS``: made on first
    use (a block comes from the artefact's pickle without them) and never pickled (the artefact
    keeps the vocabulary, not what one process has seen). A memo forgets everything when full."""

    MEMOS: tuple[str, ...] = ()

    def _memo(self, name: str) -> dict:
        memo = self.__dict__.get(name)
        return memo if memo is not None else self.__dict__.setdefault(name, {})

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self.MEMOS}


def remember(memo: dict, key, value, limit: int):
    """Store ``value`` under ``key`` in ``memo``, emptying it first when it holds ``limit`` entries."""
    if len(memo) >= limit:
        memo.clear()
    memo[key] = value
    return value


class LexicalBlock(ProcessMemos):
    MEMOS = ("_word_memo",)

    def __init__(self, kind: str, ngram_range: tuple[int, int], vocabulary: dict[str, int], idf: np.ndarray):
        self.kind = kind
        self.ngram_range = tuple(ngram_range)
        self.vocabulary = vocabulary
        self.idf = np.asarray(idf, dtype=np.float32)

    def features(self, text: str) -> list[str]:
        text = text.lower()
        lo, hi = self.ngram_range
        out: list[str] = []
        if self.kind == "word":
            tokens = _TOKEN.findall(text)
            if lo == 1:
                out.extend(tokens)
            for n in range(max(lo, 2), hi + 1):
                out.extend(" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1))
            return out
        for word in _SPACES.sub(" ", text).split():
            out.extend(self._char_ngrams(word))
        return out

    def _char_ngrams(self, word: str) -> list[str]:
        """One word's char_wb n-grams, as scikit-learn's ``_char_wb_ngrams``."""
        lo, hi = self.ngram_range
        word = f" {word} "
        length = len(word)
        out = []
        for n in range(lo, hi + 1):
            offset = 0
            out.append(word[offset:offset + n])
            while offset + n < length:
                offset += 1
                out.append(word[offset:offset + n])
            if offset == 0:  # count a short word only once
                break
        return out

    def _char_ids(self, text: str) -> list[int]:
        """The vocabulary ids of the text's char_wb n-grams, repeats kept. A word's n-grams depend
        on the word alone, so its ids are memoised (words recur across a network's texts; slicing
        and looking up every n-gram was most of the lexical features' cost)."""
        memo, vocab = self._memo("_word_memo"), self.vocabulary
        ids: list[int] = []
        for word in text.lower().split():
            got = memo.get(word)
            if got is None:
                got = remember(memo, word, [i for i in map(vocab.get, self._char_ngrams(word)) if i is not None],
                               MAX_MEMO_WORDS)
            ids.extend(got)
        return ids

    def indices_values(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        if self.kind == "char_wb":
            counts = Counter(self._char_ids(text))
        else:
            vocab = self.vocabulary
            counts = Counter(i for i in map(vocab.get, self.features(text)) if i is not None)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
        vals = tf * self.idf[idx]
        norm = float(np.sqrt(np.dot(vals, vals)))
        return idx, (vals / norm if norm else vals)


class LexicalFeatures:
    """Several blocks side by side, each with its own slice of the classifier weights.
    A block is anything with ``idf`` (its length) and ``indices_values(text)``, e.g. the
    Aurora keyword block (``keywords.KeywordFeatures``)."""

    def __init__(self, blocks: list):
        self.blocks = blocks

    @property
    def n_features(self) -> int:
        return sum(len(b.idf) for b in self.blocks)

    @classmethod
    def from_sklearn(cls, union) -> "LexicalFeatures":
        blocks = []
        for _name, vec in union.transformer_list:
            kind = "word" if vec.analyzer == "word" else vec.analyzer
            if kind not in ("word", "char_wb") or not vec.lowercase or not vec.sublinear_tf or vec.norm != "l2":
                raise ValueError("unsupported vectoriser settings")
            vocab = {term: int(i) for term, i in vec.vocabulary_.items()}
            blocks.append(LexicalBlock(kind, vec.ngram_range, vocab, vec.idf_))
        return cls(blocks)

    def with_block(self, block) -> "LexicalFeatures":
        return LexicalFeatures(self.blocks + [block])

    def matrix(self, texts: list[str]):
        """The features of ``texts`` as a scipy CSR matrix (for fitting small heads; needs scipy)."""
        from scipy.sparse import csr_matrix

        indptr, indices, data = [0], [], []
        for text in texts:
            count = 0
            offset = 0
            for block in self.blocks:
                idx, vals = block.indices_values(text)
                indices.append(idx + offset)
                data.append(vals)
                count += len(idx)
                offset += len(block.idf)
            indptr.append(indptr[-1] + count)
        values = np.concatenate(data).astype(np.float32) if data else np.zeros(0, np.float32)
        columns = np.concatenate(indices).astype(np.int64) if indices else np.zeros(0, np.int64)
        return csr_matrix((values, columns, np.asarray(indptr)), shape=(len(texts), self.n_features))

    def logits(self, texts: list[str], weights: np.ndarray, intercept: np.ndarray) -> np.ndarray:
        """``weights``: (n_features, n_classes) dense, blocks in order."""
        return self.logits_many(texts, [(weights, intercept)])[0]

    def logits_many(self, texts: list[str], heads: list[tuple[np.ndarray, np.ndarray]]) -> list[np.ndarray]:
        """Logits of several heads over the same features, extracting each text's features once."""
        out = [np.tile(np.asarray(b, dtype=np.float64), (len(texts), 1)) for _w, b in heads]
        start = 0
        for block in self.blocks:
            stop = start + len(block.idf)
            slices = [w[start:stop] for w, _b in heads]
            start = stop
            for r, text in enumerate(texts):
                idx, vals = block.indices_values(text)
                if len(idx):
                    for z, w in zip(out, slices):
                        z[r] += vals @ w[idx]
        return out
