"""Multi-label training rows, the calibrated pre-tick rule and the reasons behind each goal."""
from __future__ import annotations

import numpy as np

from civicnet.matching import training
from civicnet.matching.scoring import bare_word, leading_words, pre_ticked, score_texts
from civicnet.matching.services import default_profile


def test_every_gold_sdg_becomes_a_training_row():
    rows, labels, weights = training.expand_labels([(6, 15, 4), (1,), (2, 2)], np.array([5.0, 1.0, 1.0]))
    assert rows.tolist() == [0, 0, 0, 1, 2]
    assert labels.tolist() == [6, 15, 4, 1, 2]
    sw = training.SECONDARY_WEIGHT
    assert np.allclose(weights, [5.0, 5.0 * sw, 5.0 * sw, 1.0, 1.0])


def test_pre_tick_rule_top_goal_then_ratio_and_own_threshold():
    p = np.zeros(17)
    p[[5, 14, 3, 0]] = [0.5, 0.3, 0.1, 0.05]  # SDGs 6, 15, 4, 1
    order = np.argsort(-p, kind="stable")
    thresholds = np.full(17, 0.2)
    params = {"pretick": {"ko": {"ratio": 0.5, "scale": 1.0}}, "pretick_max": 4}
    assert pre_ticked(p, order, thresholds, "ko", params) == [6, 15]
    params["pretick"]["ko"] = {"ratio": 0.1, "scale": 0.2}
    assert pre_ticked(p, order, thresholds, "ko", params) == [6, 15, 4, 1]
    params["pretick_max"] = 2
    assert pre_ticked(p, order, thresholds, "ko", params) == [6, 15]
    # the top goal is always pre-ticked, however low: a text with content never gets nothing
    params["pretick"]["ko"] = {"ratio": 0.1, "scale": 1.0}
    assert pre_ticked(p, order, np.full(17, 0.9), "ko", params) == [6]
    # artefacts without a rule: every goal at or above its own threshold (may be none)
    assert pre_ticked(p, order, np.full(17, 0.9), "ko", {}) == []
    # a language with its own per-goal thresholds uses them instead of the shared ones
    params = {"pretick": {"ko": {"ratio": 0.0, "scale": 1.0, "thresholds": [0.04] * 17}}, "pretick_max": 3}
    assert pre_ticked(p, order, np.full(17, 0.9), "ko", params) == [6, 15, 4]
    sets = training.pretick_sets(np.vstack([p, p]), thresholds, 0.5, 1.0)
    assert sets == [[6, 15], [6, 15]]


def test_vectorised_rule_and_scores_agree_with_the_plain_ones():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.full(17, 0.3), size=120)
    thr = rng.uniform(0.1, 0.5, 17)
    gold = [tuple(int(g) for g in rng.choice(np.arange(1, 18), size=rng.integers(1, 4), replace=False))
            for _ in range(120)]
    for ratio, scale in ((0.3, 0.5), (0.0, 0.1), (0.9, 1.6)):
        sets = training.pretick_sets(p, thr, ratio, scale)
        mask = training._pretick_masks(p, thr, ratio, scale)
        assert [sorted(s) for s in sets] == [sorted((np.flatnonzero(row) + 1).tolist()) for row in mask]
        assert abs(training.set_scores(sets, gold)["f1"] - training._set_f1(mask, training._truth(gold))) < 1e-12


def test_set_scores_match_the_issue_definition():
    s = training.set_scores([[1, 2], [3]], [[1, 2, 10], [4]])
    assert s["precision"] == 0.5 and abs(s["recall"] - 1 / 3) < 1e-9
    assert abs(s["f1"] - 0.4) < 1e-9


def test_shipped_model_has_a_rule_per_language(sdg_model):
    rule = sdg_model.meta["scoring"]["pretick"]
    assert set(rule) == {"ko", "en"}
    assert all(0 <= r["ratio"] <= 1 and r["scale"] > 0 for r in rule.values())


def test_a_text_with_several_activities_gets_several_goals(sdg_model):
    text = "무심천 하천 정화와 수질 모니터링, 습지 생태 조사"
    result = score_texts(sdg_model, [text], default_profile())[0]
    assert len(result["suggested"]) >= 2
    assert result["suggested"][0] == 6 and 15 in result["suggested"]


def test_english_expert_style_text_gets_a_suggestion(sdg_model):
    texts = ["Access to safe drinking water and sanitation remains out of reach for rural households.",
             "The programme supports smallholder farmers to raise yields and end hunger."]
    results = score_texts(sdg_model, texts, default_profile())
    assert results[0]["suggested"][0] == 6 and results[1]["suggested"][0] == 2


def test_reasons_name_the_words_of_the_text(sdg_model):
    text = "우리 동네 무심천 하천 정화와 수질 모니터링을 합니다"
    words = leading_words(sdg_model, text, [6])[6]
    # Each word as the text has it, or without its particle (모니터링을 -> 모니터링).
    assert words and all(any(t.startswith(w) for t in text.split()) for w in words)
    assert any(w in ("하천", "수질", "무심천") for w in words)
    assert "우리" not in words and "동네" not in words
    result = score_texts(sdg_model, [text], default_profile(), lang="en")[0]
    reason = result["reasons"]["6"][0]
    assert reason["target"].startswith("6.") and reason["words"] == words
    assert reason["text"].isascii()  # the reader's language, not the text's


def test_reason_words_lose_their_particles_only_where_korean_allows(sdg_model):
    """The reader sees 쓰레기, not 쓰레기를; words that merely end like a particle stay whole."""
    cut = {"쓰레기를": "쓰레기", "어르신들에게": "어르신", "협동조합으로": "협동조합", "교육은": "교육",
           "도서관에서": "도서관"}
    for word, bare in cut.items():
        assert bare_word(sdg_model, word) == bare
    # 마을/어린이: the whole word is the known one; 전문가: 가 never follows 문 (that would be 이);
    # two letters, English and the plural alone are left as written.
    for word in ("마을", "어린이", "전문가", "정의", "들", "Trees", "river's"):
        assert bare_word(sdg_model, word) == word
    words = leading_words(sdg_model, "하천 쓰레기를 줍고 하천의 쓰레기 줍기 캠페인", [6])[6]
    assert len(words) == len(set(words)) and "쓰레기를" not in words
