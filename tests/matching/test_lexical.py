"""The run-time TF-IDF features reproduce scikit-learn's, without importing it at load."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from civicnet.matching.lexical import LexicalFeatures

TEXTS = ["하천 정화 활동과 생태 교육", "River clean-up and ecology lessons for children", "노인 무료 급식 봉사",
         "Free meals; free meals!", "숲 해설  봉사\n\n숲 놀이", "a", "", "🌱 나무 심기 🌳", "ÉCOLE Straße İ",
         "청년 일자리 카페와 취업 상담", "tree tree tree planting"]


def test_lexical_features_match_sklearn():
    union = FeatureUnion([
        ("words", TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), dtype=np.float32)),
        ("chars", TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 4), dtype=np.float32)),
    ]).fit(TEXTS)
    lex = LexicalFeatures.from_sklearn(union)
    rng = np.random.default_rng(0)
    weights = rng.normal(size=(lex.n_features, 5)).astype(np.float32)
    probe = TEXTS + ["새로운 문장 river", "x y z 1 22 333", "나무" * 50]
    expected = np.asarray(union.transform(probe) @ weights)
    got = lex.logits(probe, weights, np.zeros(5))
    assert np.allclose(expected, got, atol=1e-4)


def test_model_loads_without_scikit_learn():
    root = Path(__file__).resolve().parents[2]
    code = ("import sys; from civicnet.matching.model import get_model; get_model(); "
            "print('sklearn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_feature_matrix_matches_sklearn_and_the_keyword_block():
    from scipy.sparse import hstack

    from civicnet.matching.keywords import KeywordFeatures

    union = FeatureUnion([
        ("words", TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), dtype=np.float32)),
        ("chars", TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 4), dtype=np.float32)),
    ]).fit(TEXTS)
    keywords = KeywordFeatures(["river", "tree planting", "clean*"], scale=1.0)
    lex = LexicalFeatures.from_sklearn(union).with_block(keywords)
    probe = TEXTS + ["cleaner river, tree planting", "나무" * 50]
    expected = hstack([union.transform(probe), keywords.matrix(probe)]).toarray()
    got = lex.matrix(probe)
    assert got.shape == (len(probe), lex.n_features)
    assert np.allclose(expected, got.toarray(), atol=1e-6)
    assert got[len(TEXTS)].nnz > 0


def test_memoised_words_change_no_feature_and_stay_out_of_the_artefact(monkeypatch):
    """Words' n-gram ids and keyword matches are memoised per process: the features are the same
    cold, warm and after the memo was cleared for being full, and a pickled block carries no memo."""
    import pickle

    from civicnet.matching import keywords, lexical
    from civicnet.matching.keywords import KeywordFeatures

    union = FeatureUnion([
        ("words", TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), dtype=np.float32)),
        ("chars", TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 4), dtype=np.float32)),
    ]).fit(TEXTS)
    lex = LexicalFeatures.from_sklearn(union).with_block(KeywordFeatures(["river", "tree planting", "clean*"]))
    probe = TEXTS + ["cleaner river, tree planting trees", "하천 정화 하천 정화 활동"]
    cold = lex.matrix(probe).toarray()
    assert np.array_equal(cold, lex.matrix(probe).toarray())
    monkeypatch.setattr(lexical, "MAX_MEMO_WORDS", 3)
    monkeypatch.setattr(keywords, "MAX_MEMO_GRAMS", 3)
    for block in lex.blocks:
        block.__dict__.pop("_word_memo", None), block.__dict__.pop("_gram_memo", None)
    assert np.array_equal(cold, lex.matrix(probe).toarray())
    assert all(len(b.__dict__.get("_word_memo", ())) <= 3 for b in lex.blocks[:2])
    assert len(lex.blocks[2].__dict__["_gram_memo"]) <= 3
    copy = pickle.loads(pickle.dumps(lex))
    assert not any({"_word_memo", "_gram_memo"} & set(b.__dict__) for b in copy.blocks)
    assert np.array_equal(cold, copy.matrix(probe).toarray())
