"""flask sdg classify: JSON Lines in and out."""
from __future__ import annotations

import json


def test_classify_jsonl_in_order_with_ids(app, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": "g1", "text": "무심천 하천 정화"}, ensure_ascii=False),
        json.dumps({"text": "청년 취업 상담"}, ensure_ascii=False),
        "not json",
        json.dumps({"id": 3, "text": ""}),
    ]) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    res = app.test_cli_runner().invoke(args=["sdg", "classify", "--input", str(src), "--output", str(out)])
    assert res.exit_code == 0, res.output
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["g1", None, None, 3]
    assert "error" in rows[2]
    assert len(rows[0]["sdgs"]) == 17 and rows[0]["clusters"][0]["key"] == "nature"
    assert rows[3]["suggested"] == []


def test_classify_unknown_network_fails_cleanly(app, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"text": "x"}\n', encoding="utf-8")
    res = app.test_cli_runner().invoke(args=["sdg", "classify", "--network", "nowhere", "--input", str(src)])
    assert res.exit_code == 1
    assert "nowhere" in res.output
