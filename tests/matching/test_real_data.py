"""The real-text set: its hand labels parse and name recorded sources; once built
(data/real_descriptions.jsonl) every row parses, stays apart from the training texts, and its
figures reach ``flask sdg evaluate``."""
from __future__ import annotations

import json
import re

import pytest

from civicnet.matching import corpus, evaluation
from civicnet.matching.services import default_profile

REAL = corpus.DATA_DIR / "real_descriptions.jsonl"
SOURCES_MD = corpus.DATA_DIR / "SOURCES.md"
LABELS = corpus.DATA_DIR / "src" / "real"

# The texts come from public sources and are built into place, not kept in git (see SOURCES.md).
needs_texts = pytest.mark.skipif(not REAL.exists(), reason="real_descriptions.jsonl not built: "
                                 "see civicnet/matching/data/SOURCES.md, 'Real descriptions'")


def test_labels_parse_and_every_label_names_a_recorded_source():
    clusters = {c.key for c in default_profile().clusters}
    sources_md = SOURCES_MD.read_text(encoding="utf-8")
    refs = []
    for path in sorted(LABELS.glob("*_labels.tsv")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip() or line.startswith("#"):
                continue
            ref, sdgs, keys, digest = line.split("\t")
            goals = [int(g) for g in sdgs.split(",")]
            assert goals and all(1 <= g <= 17 for g in goals) and len(set(goals)) == len(goals), line
            assert keys and set(keys.split(",")) <= clusters, line
            assert len(digest) == 12 and int(digest, 16) >= 0, line
            origin = re.split(r"[:#]", ref, maxsplit=1)[0]
            assert origin and origin in sources_md, f"source {ref!r} not recorded in SOURCES.md"
            refs.append(ref)
    assert len(refs) >= 150 and len(set(refs)) == len(refs)


def _rows() -> list[dict]:
    return [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]


@needs_texts
def test_every_row_parses_with_labels_a_split_and_a_recorded_source():
    rows = _rows()
    clusters = {c.key for c in default_profile().clusters}
    sources_md = SOURCES_MD.read_text(encoding="utf-8")
    labelled = sum(1 for path in LABELS.glob("*_labels.tsv")
                   for line in path.read_text(encoding="utf-8").splitlines()
                   if line.strip() and not line.startswith("#"))
    assert len(rows) == labelled >= 150
    for row in rows:
        assert set(row) == {"id", "split", "lang", "sdgs", "clusters", "text", "source"}, row
        assert row["split"] in ("dev", "test") and row["lang"] in ("ko", "en"), row
        assert row["sdgs"] and all(1 <= g <= 17 for g in row["sdgs"]), row
        assert len(set(row["sdgs"])) == len(row["sdgs"]), row
        assert row["clusters"] and set(row["clusters"]) <= clusters, row
        assert row["text"].strip(), row
        assert (row["lang"] == "ko") == bool(re.search("[가-힣]", row["text"])), row
        # "owner/repo@commit:path#anchor" or "url#anchor": the part before the path is documented
        origin = re.split(r"[:#]", row["source"].removeprefix("https://"), maxsplit=1)[0]
        assert origin and origin in sources_md, f"source {row['source']!r} not recorded in SOURCES.md"
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({corpus.normalise_key(r["text"]) for r in rows}) == len(rows)


@needs_texts
def test_test_split_is_large_and_languages_are_counted():
    rows = _rows()
    test = [r for r in rows if r["split"] == "test"]
    assert len(test) >= 0.4 * len(rows)
    assert sum(r["lang"] == "ko" for r in test) >= 60
    assert [e.id for e in corpus.real_examples("test")] == [r["id"] for r in test]


@needs_texts
def test_real_texts_are_not_other_sets_texts():
    real = {corpus.normalise_key(r["text"]) for r in _rows()}
    written = {corpus.normalise_key(e.text) for e in corpus.korean_examples()}
    train, holdout = corpus.trail_train_and_holdout()
    trail = {corpus.normalise_key(e.text) for e in train + holdout + corpus.trail_test()}
    assert not real & written
    assert not real & trail


@needs_texts
def test_only_the_dev_split_is_trained_on_and_the_artefacts_say_so():
    from civicnet.matching import training
    from civicnet.matching.model import load_model

    trained = [e for e in training.training_examples() if e.source == "real-dev"]
    rows, dropped = training.real_training_examples()
    test_keys = {corpus.normalise_key(e.text) for e in corpus.real_examples("test")}
    assert trained == rows and len(rows) + dropped == sum(r["split"] == "dev" for r in _rows())
    assert rows and not {corpus.normalise_key(e.text) for e in rows} & test_keys
    # the shipped artefact was trained on these rows (and says how many): retraining with the
    # file present gives the same training data as the committed one
    meta = load_model(encoder_name="use").meta
    assert meta["real_dev"]["rows_used"] == len(rows) and meta["real_dev"]["file_present"]
    assert meta["training_sources"]["real-dev"] == len(rows)


def test_training_works_without_the_real_file_and_drops_near_duplicates_of_test(tmp_path, monkeypatch):
    """The file is gitignored: a fresh clone or CI trains on the other rows only; a dev row that is
    a near-duplicate of a test row (character 4-grams) is never trained on."""
    from civicnet.matching import training

    monkeypatch.setattr(training, "REAL_WEIGHT", 5.0)
    monkeypatch.setattr(corpus, "REAL_PATH", tmp_path / "absent.jsonl")
    base = training.training_examples()
    assert not any(e.source == "real-dev" for e in base)
    assert training.real_training_examples() == ([], 0)

    def row(i, split, text):
        return json.dumps({"id": f"r{i}", "split": split, "lang": "ko", "sdgs": [16, 11], "clusters": ["safety"],
                           "text": text, "source": "x"}, ensure_ascii=False)
    path = tmp_path / "real.jsonl"
    path.write_text("\n".join([
        row(1, "test", "자율방범대 야간 순찰과 안심귀가 동행 서비스 운영"),
        row(2, "dev", "자율방범대 야간 순찰과 안심귀가 동행 서비스를 운영"),  # near-duplicate of r1
        row(3, "dev", "마을 하천 정화 활동과 수질 모니터링"),
    ]), encoding="utf-8")
    monkeypatch.setattr(corpus, "REAL_PATH", path)
    assert training.jaccard(training.char_grams("자율방범대 야간 순찰과 안심귀가 동행 서비스 운영"),
                            training.char_grams("자율방범대 야간 순찰과 안심귀가 동행 서비스를 운영")) >= 0.5
    rows, dropped = training.real_training_examples()
    assert [e.id for e in rows] == ["r3"] and dropped == 1
    with_real = training.training_examples()
    assert with_real[:len(base)] == base and [e.id for e in with_real[len(base):]] == ["r3"]
    assert training.example_weights(with_real)[-1] == 5.0
    monkeypatch.setattr(training, "REAL_WEIGHT", 0.0)
    assert training.training_examples() == base


@needs_texts
def test_evaluate_reports_the_real_test_split_per_language(sdg_model):
    figures = evaluation.real_figures(sdg_model, default_profile())
    n_test = sum(r["split"] == "test" for r in _rows())
    assert figures["real_test"]["n"] == n_test
    assert sum(figures[k]["n"] for k in figures if k.startswith("real_test_")) == n_test
    for key in ("top1_right", "main_in_top3", "cluster_acceptable"):
        assert 0.0 <= figures["real_test"][key] <= 1.0
    assert 0.0 <= figures["real_test"]["set"]["f1"] <= 1.0
    test_rows = [r for r in _rows() if r["split"] == "test"]
    assert figures["real_category_sdg16"]["n"] == sum(16 in r["sdgs"] for r in test_rows)
    assert figures["real_category_safety"]["n"] == sum("safety" in r["clusters"] for r in test_rows)
    assert figures["real_category_short"]["n"] == sum(len(r["text"]) < 25 for r in test_rows)
    lines = evaluation.real_markdown(figures)
    assert any(line.startswith("| SDG 16 among the gold goals |") for line in lines)
    assert any(line.startswith(f"| real descriptions, test split — all | {n_test} |") for line in lines)
    assert any(line.startswith("| real descriptions, test split — Korean |") for line in lines)


def _build_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_real_set", LABELS / "build_real_set.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_build_joins_texts_to_labels_and_refuses_a_changed_text(tmp_path):
    build = _build_module()
    texts = {"repo@abc:page#r1": "안심마을 지킴이 야간순찰: 주민들의 편안한 야간 통행과 범죄예방",
             "repo@abc:page#r2": "Community litter picks along the canal every month"}
    (tmp_path / "demo_labels.tsv").write_text(
        "# comment\n"
        f"repo@abc:page#r1\t16,11\tsafety\t{build.checksum(texts['repo@abc:page#r1'])}\n"
        f"repo@abc:page#r2\t11,15\tnature,resilient\t{build.checksum(texts['repo@abc:page#r2'])}\n",
        encoding="utf-8")
    rows = build.build({"demo": texts}, tmp_path)
    assert [(r["lang"], r["sdgs"], r["clusters"], r["source"]) for r in rows] == [
        ("ko", [16, 11], ["safety"], "repo@abc:page#r1"), ("en", [11, 15], ["nature", "resilient"], "repo@abc:page#r2")]
    assert rows == build.build({"demo": texts}, tmp_path)  # ids and splits are stable
    assert all(r["split"] in ("dev", "test") and r["id"].startswith("real-demo-") for r in rows)
    changed = dict(texts, **{"repo@abc:page#r2": "Community litter picks along the canal every week"})
    with pytest.raises(SystemExit, match="no longer has the text"):
        build.build({"demo": changed}, tmp_path)
