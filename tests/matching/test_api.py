"""POST /api/v1/classify."""
from __future__ import annotations

from civicnet.matching.api import MAX_TEXT_CHARS, MAX_TEXTS, MAX_TOTAL_CHARS


def test_classify_api_returns_results_in_order(client):
    res = client.post("/api/v1/classify", json={"texts": ["하천 수질 조사", "free legal advice for migrants"],
                                                 "network": "cheongju"})
    assert res.status_code == 200
    results = res.get_json()["results"]
    assert [r["id"] for r in results] == [0, 1]
    assert [len(r["sdgs"]) for r in results] == [17, 17]
    assert set(results[0]) == {"id", "sdgs", "suggested", "clusters", "reasons"}
    assert len(results[0]["clusters"]) == 7


def test_classify_api_defaults_to_cheongju_and_accepts_odd_texts(client):
    res = client.post("/api/v1/classify", json={"texts": ["", "🌱", "a" * MAX_TEXT_CHARS, None]})
    assert res.status_code == 200
    assert [r["suggested"] for r in res.get_json()["results"]][0] == []


def test_classify_api_rejects_bad_requests_with_a_message(client):
    cases = [
        {}, {"texts": []}, {"texts": "just a string"}, {"texts": [1, 2]},
        {"texts": ["x"] * (MAX_TEXTS + 1)}, {"texts": ["x"], "lang": "fr"},
        {"texts": ["a" * (MAX_TEXT_CHARS + 1)]},
        {"texts": ["a" * MAX_TEXT_CHARS] * (MAX_TOTAL_CHARS // MAX_TEXT_CHARS + 1)},
    ]
    for body in cases:
        res = client.post("/api/v1/classify", json=body)
        assert res.status_code == 422, body
        assert res.get_json()["message"]
    res = client.post("/api/v1/classify", data="not json", content_type="application/json")
    assert 400 <= res.status_code < 500


def test_classify_api_message_in_korean_by_default_and_english_on_request(client):
    long = {"texts": ["a" * MAX_TEXT_CHARS] * (MAX_TOTAL_CHARS // MAX_TEXT_CHARS + 1)}
    ko = client.post("/api/v1/classify", json=long).get_json()["message"]
    en = client.post("/api/v1/classify?lang=en", json=long).get_json()["message"]
    assert str(MAX_TOTAL_CHARS) in en and str(MAX_TOTAL_CHARS) in ko and en != ko


def test_classify_api_unknown_network_is_404(client):
    res = client.post("/api/v1/classify", json={"texts": ["x"], "network": "nowhere"})
    assert res.status_code == 404


def test_classify_api_is_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/classify" in spec["paths"]


def test_classify_api_refuses_oversized_requests(client):
    res = client.post("/api/v1/classify", json={"texts": ["가" * 15000] * 30})
    assert res.status_code == 413
