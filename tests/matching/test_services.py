"""classify_texts and friends: exact output shape, odd inputs, networks from the database,
learning from organiser confirmations, suggestions stored per group, re-scoring."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from civicnet.errors import Invalid, NotFound
from civicnet.extensions import db
from civicnet.matching import services
from civicnet.matching.models import MatchingExample, MatchingSuggestion
from tests.builders import make_network, make_organisation

CHEONGJU_KEYS = {"jobs", "agri-food", "resilient", "welfare", "culture", "safety", "nature"}


def check_shape(result: dict, keys: set[str]) -> None:
    assert list(result) == ["id", "sdgs", "suggested", "clusters", "reasons"]
    goals = [s["goal"] for s in result["sdgs"]]
    scores = [s["score"] for s in result["sdgs"]]
    assert sorted(goals) == list(range(1, 18))
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert set(result["suggested"]) <= set(goals)
    assert {c["key"] for c in result["clusters"]} == keys
    cscores = [c["score"] for c in result["clusters"]]
    assert cscores == sorted(cscores, reverse=True)
    for goal, reasons in result["reasons"].items():
        assert goal.isdigit() and 1 <= int(goal) <= 17
        for reason in reasons:
            assert reason["target"].split(".")[0] == goal and reason["text"]


def test_classify_without_database_uses_default_network(sdg_model):
    results = services.classify_texts(["미호강 수질 모니터링과 하천 쓰레기 줍기", "Free meals for homeless people"],
                                      ids=["a", 7])
    assert [r["id"] for r in results] == ["a", 7]
    for r in results:
        check_shape(r, CHEONGJU_KEYS)
    river, meals = results
    assert 6 in [s["goal"] for s in river["sdgs"][:2]]
    assert river["clusters"][0]["key"] == "nature"
    assert river["suggested"] and "6" in river["reasons"]
    assert meals["sdgs"][0]["goal"] in (1, 2)


@pytest.mark.parametrize("text", [
    "", "   ", "숲", "SDG", "🌱🌍🚲♻️", "a" * 20000, "하천 정화 " * 4000,
    "Our 모임 does 환경 교육 для детей 和 植树 🌳", "\x00\x01\x02 ctrl \x7f\u202e chars\ufeff",
    "1234567890", "!!!???",
])
def test_odd_inputs_get_a_sensible_answer(sdg_model, text):
    [result] = services.classify_texts([text])
    check_shape(result, CHEONGJU_KEYS)
    if not any(ch.isalnum() for ch in text):
        assert result["suggested"] == [] and result["reasons"] == {}


def test_reasons_follow_the_reader_language(sdg_model):
    [ko] = services.classify_texts(["태양광 발전 협동조합"], lang="ko")
    [en] = services.classify_texts(["태양광 발전 협동조합"], lang="en")
    goal = str(ko["sdgs"][0]["goal"])
    assert ko["reasons"][goal][0]["target"] == en["reasons"][goal][0]["target"]
    assert ko["reasons"][goal][0]["text"] != en["reasons"][goal][0]["text"]


def test_bad_input_types_raise_invalid():
    with pytest.raises(Invalid):
        services.classify_texts("not a list")
    with pytest.raises(Invalid):
        services.classify_texts([{"text": 1}])
    assert services.classify_texts([]) == []


def test_unknown_network_slug(app):
    with pytest.raises(NotFound):
        services.classify_texts(["x"], "nowhere")


def test_network_from_database_uses_its_own_clusters(app):
    other = make_network("daejeon")
    [r] = services.classify_texts(["숲에 나무를 심고 야생 조류를 관찰합니다"], other)
    check_shape(r, {"green", "people"})
    assert r["clusters"][0]["key"] == "green"
    [by_slug] = services.classify_texts(["숲에 나무를 심고 야생 조류를 관찰합니다"], "daejeon")
    assert by_slug == r


def test_confirmations_teach_a_network(app):
    """Organisers of a network put arts groups under 'people'; later suggestions follow."""
    other = make_network("arts-net", clusters=[
        {"key": "green", "name_ko": "환경", "name_en": "Environment", "sdgs": [13, 14, 15]},
        {"key": "people", "name_ko": "사람", "name_en": "People", "sdgs": [1, 3, 10]},
        {"key": "city", "name_ko": "도시", "name_en": "City", "sdgs": [11, 9]},
    ])
    probe = "주민 합창단 공연과 마을 축제"
    before = services.classify_texts([probe], other)[0]["clusters"]
    texts = ["마을 합창단 정기 공연", "주민 연극 동아리 공연", "동네 밴드 음악회", "어린이 합창 교실",
             "마을 축제에서 풍물 공연", "시니어 합창단 요양원 공연", "주민 뮤지컬 공연", "청소년 댄스 공연",
             "마을 음악 축제", "동네 오케스트라 연주회"]
    for i, text in enumerate(texts):
        org = make_organisation(other, activities=text, goals=[3], cluster_key="people")
        assert services.record_confirmation(org)
    db.session.flush()
    assert db.session.scalar(sa.select(sa.func.count(MatchingExample.id))) == len(texts)
    after = services.classify_texts([probe], other)[0]["clusters"]
    score = {c["key"]: c["score"] for c in after}
    score_before = {c["key"]: c["score"] for c in before}
    assert after[0]["key"] == "people"
    assert score["people"] > score_before["people"]


def test_suggest_for_organisation_stores_what_was_suggested(app, network):
    org = make_organisation(network, activities="태양광 발전 협동조합, 에너지 절약 교육", goals=[13])
    result = services.suggest_for_organisation(org)
    db.session.commit()
    record = db.session.get(MatchingSuggestion, org.id)
    assert record.suggested == result["suggested"] and record.top_cluster == result["clusters"][0]["key"]
    links = {link.goal_number: link for link in org.goal_links}
    assert links[13].selected  # what the group chose is kept
    for goal in result["suggested"]:
        assert links[goal].suggested and links[goal].suggested_score is not None


def test_rescore_network_scores_every_group_and_learns(app, network):
    make_organisation(network, activities="하천 정화 활동", goals=[6], cluster_key="nature")
    make_organisation(network, activities="노인 무료 급식", goals=[2])
    assert services.rescore_network(network).scored == 2
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(MatchingSuggestion.organisation_id))) == 2
    # only the group whose cluster an organiser confirmed becomes an example
    assert db.session.scalar(sa.select(sa.func.count(MatchingExample.id))) == 1


def test_a_network_row_without_its_clusters_gives_the_same_profile(app, network):
    """Registration loads the network without its clusters; the classifier then reads them in a
    query of its own, which must give the profile the ORM clusters give: same order, same goals."""
    from civicnet.networks.services import get_network

    other = make_network("profiles", clusters=[
        {"key": "zeta", "name_ko": "제타", "name_en": "Zeta", "sdgs": [17, 2]},
        {"key": "alpha", "name_ko": "알파", "name_en": "Alpha", "description_ko": "설명", "sdgs": [9]},
        {"key": "mid", "name_ko": "중간", "name_en": "Mid", "sdgs": [5]},
    ])
    for slug, count in (("cheongju", 7), (other.slug, 3)):
        db.session.expunge_all()
        loaded = services.profile_from_network(get_network(slug))
        db.session.expunge_all()
        bare = get_network(slug, clusters=False)
        assert "clusters" in sa.inspect(bare).unloaded
        assert services.profile_from_network(bare) == loaded and len(loaded.clusters) == count
    assert [(c.key, c.sdgs) for c in loaded.clusters] == [("zeta", (2, 17)), ("alpha", (9,)), ("mid", (5,))]
    assert loaded.clusters[1].description_ko == "설명"
