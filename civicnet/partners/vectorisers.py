"""Which encoder turns activities into vectors for partner suggestions.

The matching engineer's sentence encoder (``civicnet.matching.encoders``) is preferred. When it
cannot be imported or built (missing wheel, unknown ``CIVICNET_ENCODER``), a TF-IDF character
n-gram vectoriser from scikit-learn takes over so the feature keeps working. It is stateless with
respect to a network (hashed n-grams, IDF fitted once on the packaged SDG goal and target texts,
a seeded random projection to 512 dimensions), so vectors stay comparable as groups come and go.
"""
from __future__ import annotations

import logging
import threading
from typing import Protocol, Sequence

import numpy as np

log = logging.getLogger(__name__)

TFIDF_NAME = "tfidf-char-v1"
TFIDF_DIM = 512


class Encoder(Protocol):
    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise_rows(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


class CharTfidfEncoder:
    """Character 2-4-gram TF-IDF (hashed), projected to a fixed dense size, L2-normalised."""

    name = TFIDF_NAME
    dim = TFIDF_DIM

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
        from sklearn.random_projection import SparseRandomProjection

        from ..goals.reference import goal_texts, target_texts

        self._hashing = HashingVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), n_features=2**16, alternate_sign=False, norm=None
        )
        corpus = [t for g in goal_texts() for t in (g.title_ko, g.title_en, g.short_ko, g.short_en)]
        corpus += [t for target in target_texts() for t in (target.title_ko, target.title_en)]
        counts = self._hashing.transform(corpus)
        self._tfidf = TfidfTransformer(sublinear_tf=True).fit(counts)
        self._projection = SparseRandomProjection(
            n_components=self.dim, density=1 / 32, dense_output=True, random_state=20240530
        ).fit(counts)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        weighted = self._tfidf.transform(self._hashing.transform([str(t or "") for t in texts]))
        return normalise_rows(self._projection.transform(weighted))


_lock = threading.Lock()
_encoders: dict[str, Encoder] = {}


def _build(spec: str) -> Encoder:
    if spec == "tfidf":
        return CharTfidfEncoder()
    try:
        from ..matching import encoders as matching_encoders

        return matching_encoders.get_encoder(None if spec == "auto" else spec)
    except Exception as exc:  # noqa: BLE001 - any failure of the optional encoder means fallback
        log.warning("partners: sentence encoder unavailable (%s); using %s", type(exc).__name__, TFIDF_NAME)
        return CharTfidfEncoder()


def get_encoder(spec: str = "auto") -> Encoder:
    """The process-wide encoder for ``spec``: ``auto`` (matching encoder, else TF-IDF),
    ``tfidf``, or a spec understood by ``civicnet.matching.encoders.build_encoder``."""
    enc = _encoders.get(spec)
    if enc is None:
        with _lock:
            enc = _encoders.get(spec)
            if enc is None:
                enc = _encoders[spec] = _build(spec)
    return enc
