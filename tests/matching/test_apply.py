"""Suggestions applied: `flask sdg rescore` in batches and with --apply, organisers' bulk accept."""
from __future__ import annotations

import re

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.matching import services
from civicnet.matching.models import MatchingExample, MatchingSuggestion
from civicnet.organisations.models import GoalSource, Organisation, OrganisationGoal
from tests.builders import login, make_network, make_organisation, make_user


def _links(org_id: int) -> dict[int, OrganisationGoal]:
    org = db.session.get(Organisation, org_id)
    db.session.refresh(org)
    return {link.goal_number: link for link in org.goal_links}


def test_rescore_streams_in_batches_and_commits_each(app, network):
    ids = [make_organisation(network, activities=text).id
           for text in ("하천 정화 활동", "노인 무료 급식", "청소년 진로 멘토링", "태양광 협동조합", "마을 도서관")]
    batches = []
    report = services.rescore_network(network, batch_size=2, after_batch=lambda: batches.append(1))
    assert report.scored == 5 and len(batches) == 3 and report.applied == 0
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(MatchingSuggestion.organisation_id))) == 5
    # without --apply nothing is selected for the groups
    assert not any(link.selected for i in ids for link in _links(i).values())


def test_rescore_apply_only_touches_groups_nobody_confirmed(app, network):
    bare = make_organisation(network, activities="무심천 하천 정화와 수질 모니터링")
    chosen = make_organisation(network, activities="무심천 하천 정화와 수질 모니터링", goals=[4])
    report = services.rescore_network(network, apply=True)
    db.session.commit()
    assert report.applied == 1 and list(report.applied_goals) == [bare.id]
    links = _links(bare.id)
    selected = [n for n, link in links.items() if link.selected]
    assert 6 in selected and all(links[n].source == GoalSource.SUGGESTED for n in selected)
    bare = db.session.get(Organisation, bare.id)
    assert bare.cluster is not None and bare.cluster.key == "nature" and bare.cluster_source == "suggested"
    # the group's own choice stays as it was
    assert [n for n, link in _links(chosen.id).items() if link.selected] == [4]
    # a second run with a suggestion already applied is still 'nobody confirmed': re-applied, not duplicated
    report = services.rescore_network(network, apply=True)
    assert report.applied == 1


def test_rescore_cli_apply(app, network):
    make_organisation(network, activities="독거 어르신 반찬 나눔과 안부 확인")
    res = app.test_cli_runner().invoke(args=["sdg", "rescore", "--network", "cheongju", "--apply", "--batch", "1"])
    assert res.exit_code == 0, res.output
    assert "re-scored 1 groups" in res.output and "applied suggested SDGs to 1 groups" in res.output
    res = app.test_cli_runner().invoke(args=["sdg", "rescore", "--network", "cheongju", "--batch", "0"])
    assert res.exit_code != 0


def _organiser(client, network):
    user = make_user(network)
    login(client, user)
    return user


def test_bulk_accept_ticked_groups(app, client, network):
    _organiser(client, network)
    river = make_organisation(network, name="무심천 지킴이", activities="무심천 하천 정화와 수질 모니터링")
    meals = make_organisation(network, name="반찬 나눔", activities="독거 어르신 반찬 나눔과 안부 확인")
    confirmed = make_organisation(network, name="이미 정한 단체", activities="하천 정화", goals=[6])
    other = make_network("other")
    foreign = make_organisation(other, name="다른 네트워크", activities="하천 정화")
    services.rescore_network(network)
    db.session.commit()
    page = client.get("/o/cheongju/organisations/suggestions")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "무심천 지킴이" in html and "반찬 나눔" in html and "이미 정한 단체" not in html
    res = client.post("/o/cheongju/organisations/suggestions",
                      data={"org": [str(river.id), str(confirmed.id), str(foreign.id)]})
    html = res.get_data(as_text=True)
    assert res.status_code == 200
    assert re.search(r"1\s*(groups|개 단체)", html), html[:2000]
    river_links = _links(river.id)
    assert 6 in [n for n, link in river_links.items() if link.selected]
    assert all(link.source == GoalSource.ORGANISER for link in river_links.values() if link.selected)
    # organisers' acceptance teaches the network (a few-shot example)
    assert db.session.scalar(sa.select(sa.func.count(MatchingExample.id)).where(
        MatchingExample.organisation_id == river.id)) == 1
    assert not any(link.selected for link in _links(meals.id).values())
    assert [n for n, link in _links(confirmed.id).items() if link.selected] == [6]
    assert not any(link.selected for link in _links(foreign.id).values())


def test_bulk_accept_all_needing_sdgs_and_bad_input(app, client, network):
    _organiser(client, network)
    a = make_organisation(network, activities="무심천 하천 정화와 수질 모니터링")
    b = make_organisation(network, activities="청소년 진로 멘토링과 방과후 학습")
    assert client.post("/o/cheongju/organisations/suggestions", data={}).status_code == 422
    assert client.post("/o/cheongju/organisations/suggestions", data={"org": ["1x"]}).status_code == 422
    res = client.post("/o/cheongju/organisations/suggestions", data={"all": "1"})
    assert res.status_code == 200
    for org in (a, b):  # scored on the spot: no stored suggestion was needed
        assert any(link.selected for link in _links(org.id).values())
    total, pending = services.pending_suggestions(db.session.get(type(network), network.id))
    assert total == 0 and pending == []


def test_bulk_accept_needs_an_organiser_and_csrf(csrf_app):
    from civicnet.networks.services import load_default_network

    network = load_default_network()
    db.session.commit()
    client = csrf_app.test_client()
    assert client.get("/o/cheongju/organisations/suggestions").status_code in (302, 401, 403)
    _organiser(client, network)
    org = make_organisation(network, activities="하천 정화")
    res = client.post("/o/cheongju/organisations/suggestions", data={"org": [str(org.id)]})
    assert res.status_code == 400
    assert not any(link.selected for link in _links(org.id).values())
