"""The organisers' work-list: groups that still need a cluster or SDGs, suggestions one click away."""
from __future__ import annotations

from civicnet.dashboard.stats import groups_to_place
from civicnet.extensions import db
from civicnet.matching.models import MatchingSuggestion
from civicnet.organisations.models import GoalSource, OrganisationGoal
from tests.builders import login, make_network, make_organisation


def test_lists_groups_without_cluster_or_goals_oldest_first(network, scenario):
    waiting = make_organisation(network, name="새로 온 모임", goals=[], cluster_key=None)
    waiting.goal_links.append(OrganisationGoal(goal_number=6, source=GoalSource.SUGGESTED, selected=False,
                                               suggested=True, suggested_score=0.4))
    waiting.goal_links.append(OrganisationGoal(goal_number=15, source=GoalSource.SUGGESTED, selected=False,
                                               suggested=True, suggested_score=0.7))
    db.session.add(MatchingSuggestion(organisation_id=waiting.id, network_id=network.id, model_version="t",
                                      suggested=[15, 6], top_cluster="nature", result={}))
    make_organisation(network, name="다 정한 모임", goals=[3], cluster_key="welfare")
    make_organisation(network, name="탈퇴", goals=[], status="withdrawn")
    make_organisation(make_network("elsewhere"), name="다른 네트워크", goals=[])
    db.session.commit()

    total, items = groups_to_place(network)
    names = [i.organisation.name for i in items]
    # scenario: only "이시민" has no cluster; the withdrawn and the other network's groups are not listed
    assert total == 2 and names == ["이시민", "새로 온 모임"]
    citizen, new = items
    assert (citizen.needs_cluster, citizen.needs_goals) == (True, False)
    assert (new.needs_cluster, new.needs_goals, new.suggested_goals) == (True, True, [15, 6])
    assert new.suggested_cluster.key == "nature" and citizen.suggested_cluster is None
    assert groups_to_place(network, limit=1)[0] == 2 and len(groups_to_place(network, limit=1)[1]) == 1


def test_dashboard_links_each_group_to_its_suggestions(client, network, scenario, organiser):
    login(client, organiser)
    html = client.get(f"/o/{network.slug}/dashboard?lang=ko").get_data(as_text=True)
    assert "할 일: 분야나 SDGs를 정해야 할 단체 1곳" in html
    assert f'href="/o/{network.slug}/organisations/{scenario["citizen"].id}#sdgs"' in html
    detail = client.get(f"/o/{network.slug}/organisations/{scenario['citizen'].id}").get_data(as_text=True)
    assert 'id="sdgs"' in detail


def test_no_work_list_when_everything_is_placed(client, network, organiser):
    make_organisation(network, goals=[3], cluster_key="welfare")
    login(client, organiser)
    html = client.get(f"/o/{network.slug}/dashboard?lang=en").get_data(as_text=True)
    assert "need a cluster or SDGs" not in html
