"""The seed cluster heads' weights are chosen by cross-validation (training.tune_head_weights)."""
from __future__ import annotations

import numpy as np

from civicnet.matching.encoders import get_encoder
from civicnet.matching.scoring import Examples
from civicnet.matching.services import default_profile
from civicnet.matching.training import LEXICAL_HEAD_WEIGHT_GRID, cluster_parts, tune_head_weights

WORDS = {"jobs": "일자리 창업", "agri-food": "로컬푸드 텃밭", "resilient": "탄소중립 햇빛발전",
         "welfare": "독거노인 반찬", "culture": "풍물 공연", "safety": "방범 순찰", "nature": "하천 숲"}


def _rows(n: int, informative_vectors: bool, informative_words: bool, dim: int, seed: int):
    rng = np.random.default_rng(seed)
    keys = [c.key for c in default_profile().clusters]
    clusters = [(keys[i % len(keys)],) for i in range(n)]
    centres = rng.normal(size=(len(keys), dim))
    vectors = rng.normal(size=(n, dim))
    if informative_vectors:
        vectors += 0.5 * centres[[i % len(keys) for i in range(n)]]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    # words that do not tell the cluster are another cluster's words, drawn at random
    texts = [f"{WORDS[c[0]] if informative_words else WORDS[keys[rng.integers(len(keys))]]} 활동"
             for c in clusters]
    probs = rng.dirichlet(np.ones(17), size=n)  # SDG scores that say nothing about the cluster
    return Examples(vectors.astype(np.float32), [(11,)] * n, clusters, texts), probs


def _tune(sdg_model, informative_vectors: bool, informative_words: bool) -> dict:
    dim = sdg_model.target_vectors.shape[1]
    written, p_written = _rows(70, informative_vectors, informative_words, dim, 1)
    real, p_real = _rows(21, informative_vectors, informative_words, dim, 2)
    return tune_head_weights((written, p_written), (real, p_real), cluster_parts(get_encoder(sdg_model.encoder_name)),
                             dict(sdg_model.meta.get("scoring", {})), sdg_model.vectorizer)


def test_words_that_tell_the_cluster_get_the_lexical_head_weight(sdg_model):
    chosen = _tune(sdg_model, informative_vectors=False, informative_words=True)
    assert chosen["lexical_head_weight"] == max(LEXICAL_HEAD_WEIGHT_GRID)
    cv = chosen["head_weights_cv"]
    assert cv["sets"] == [70, 21]
    assert min(cv["accuracy"]) > 0.9  # the lexical head alone places every held-out fold


def test_misleading_words_lose_their_weight(sdg_model):
    chosen = _tune(sdg_model, informative_vectors=True, informative_words=False)
    cv = chosen["head_weights_cv"]
    assert chosen["lexical_head_weight"] == min(LEXICAL_HEAD_WEIGHT_GRID)
    assert np.mean(cv["accuracy"]) > np.mean(cv["accuracy_at_defaults"])
    # and no set pays for the other's gain
    assert all(a >= d for a, d in zip(cv["accuracy"], cv["accuracy_at_defaults"]))


