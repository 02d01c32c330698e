"""The Aurora keyword block: terms extracted from the shipped queries, matched like the scorer's."""
from __future__ import annotations

import numpy as np

from civicnet.matching import corpus
from civicnet.matching.keywords import KeywordFeatures, extract_terms
from civicnet.matching.lexical import LexicalFeatures


def test_terms_cover_every_goal():
    terms = extract_terms(corpus.DATA_DIR / "aurora_queries")
    assert len(terms) > 500
    assert {g for goals in terms.values() for g in goals} == set(range(1, 18))
    assert 6 in terms["sanitation"] and 13 in terms["climat*"]


def test_prefix_and_phrase_hits():
    kw = KeywordFeatures(["climat*", "drinking water", "water", "poor"])
    hits = {kw.terms[i]: c for i, c in kw.counts("Climate-change: DRINKING water for the poorest; climatic").items()}
    assert hits == {"climat*": 2, "drinking water": 1, "water": 1}
    assert kw.counts("") == {} and kw.counts("기후 변화 🌱") == {}


def test_keyword_block_in_lexical_logits_matches_matrix():
    kw = KeywordFeatures(["climat*", "water", "forest*"], scale=2.0)
    lex = LexicalFeatures([kw])
    texts = ["forests and water", "climate climate water", "nothing here", ""]
    weights = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32)
    expected = np.asarray(kw.matrix(texts) @ weights)
    assert np.allclose(lex.logits(texts, weights, np.zeros(4)), expected, atol=1e-5)
    assert np.isclose(np.linalg.norm(kw.matrix(texts[:1]).toarray()), 2.0)
