"""OSDG-CD excerpts are read for evaluation only: filtered as OSDG recommends, single-label,
apart from the TRAIL texts, split by a stable hash; their figures reach ``flask sdg evaluate``."""
from __future__ import annotations

from civicnet.matching import corpus, evaluation
from civicnet.matching.services import default_profile

HEADER = "doi\ttext_id\ttext\tsdg\tlabels_negative\tlabels_positive\tagreement\n"


def _write(path, rows) -> None:
    path.write_text(HEADER + "".join("\t".join(str(c) for c in r) + "\n" for r in rows), encoding="utf-8")


def test_reader_keeps_agreed_single_label_texts_not_in_trail(tmp_path):
    trail_text = corpus.trail_test()[0].text
    water = "Access to safe drinking water in rural districts remains below the national average."
    path = tmp_path / "osdg-community-data-v2024-01-01.csv"
    _write(path, [
        ("10.1/a", "id-water", water, 6, 0, 4, 1.0),
        ("10.1/b", "id-weak", "Teachers report that the new curriculum is hard to follow in small schools.", 4, 2, 3, 0.2),
        ("10.1/c", "id-rejected", "Fishing quotas were set without consulting the coastal communities at all.", 14, 5, 1, 0.67),
        ("10.1/d", "id-two-a", "Clinics and schools were rebuilt after the floods with help from donors.", 3, 0, 3, 1.0),
        ("10.1/d", "id-two-b", "Clinics and schools were rebuilt after the floods with help from donors.", 4, 0, 3, 1.0),
        ("10.1/e", "id-trail", trail_text, 1, 0, 5, 1.0),
        ("10.1/f", "id-bad", "A row whose label is not a number is skipped entirely by the reader.", "x", 0, 3, 1.0),
    ])
    kept = corpus.osdg_examples("calibration", path, 0.5) + corpus.osdg_examples("test", path, 0.5)
    assert [(e.text, e.sdgs, e.lang) for e in kept] == [(water, (6,), "en")]
    assert kept[0].id == "osdg-id-water" and kept[0].source in ("osdg-calibration", "osdg-test")
    # The two parts never share a text, and the default slice is small.
    assert not {e.id for e in corpus.osdg_examples("calibration", path, 0.5)} & \
        {e.id for e in corpus.osdg_examples("test", path, 0.5)}
    assert corpus.osdg_examples("test", path, 0.0) == []


def test_without_the_file_there_are_no_examples(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "OSDG_DIR", tmp_path)
    assert corpus.osdg_examples("test") == [] and corpus.osdg_examples("calibration") == []


def test_osdg_row_in_the_model_card(sdg_model, tmp_path):
    path = tmp_path / "osdg-community-data-v2024-01-01.csv"
    texts = [("Access to safe drinking water in rural districts remains below the national average.", 6),
             ("Smallholder farmers lose a third of their harvest for want of storage.", 2),
             ("Girls' enrolment in secondary school rose after fees were abolished.", 4)]
    _write(path, [(f"10.1/{i}", f"id-{i}", t, g, 0, 3, 1.0) for i, (t, g) in enumerate(texts)])
    test = corpus.osdg_examples("test", path, 0.5) + corpus.osdg_examples("calibration", path, 0.5)
    fig = {"osdg_test": evaluation.evaluate_single_label(sdg_model, test, default_profile())}
    [row] = evaluation.osdg_rows(fig)
    assert row.startswith("| OSDG Community Dataset, hashed test slice (agreement ≥ 0.6; evaluation only) | 3 | ")
    assert evaluation.osdg_rows({}) == []
