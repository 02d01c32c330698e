import pytest
import sqlalchemy as sa

from civicnet.errors import Conflict, Invalid, NotFound
from civicnet.extensions import db
from civicnet.organisations import services
from civicnet.organisations.models import EditToken, Organisation
from civicnet.organisations.services import OrganisationFilters
from civicnet.pledges.services import active_pledge, sign_pledge
from tests.builders import make_network, make_organisation

DATA = {"name": "청주 하천 지킴이", "kind": "ngo", "representative": "김민지", "email": "River@Example.org",
        "phone": "010-1234-5678", "district": "서원구", "size": "25", "website": "river.example.org",
        "activities": "무심천 정화 활동과 어린이 생태 교육"}


def register(network, **over):
    data = DATA | over
    return services.register_organisation(network, data, goals=[6, 15], consent_version="2024-1",
                                          consent_text="동의")


def test_register_cleans_and_issues_token(network):
    result = register(network)
    db.session.commit()
    org = result.organisation
    assert result.created and result.edit_token
    assert org.email == "river@example.org" and org.phone == "+821012345678"
    assert org.website == "https://river.example.org" and org.size == 25
    assert org.goal_numbers == [6, 15] and org.consented_at is not None
    stored = db.session.scalar(sa.select(EditToken.token_hash))
    assert result.edit_token not in stored and len(stored) == 64
    assert services.organisation_by_edit_token(result.edit_token).id == org.id


def test_duplicate_returns_existing(network):
    first = register(network)
    again = register(network, name=" 청주  하천지킴이 ", email="river@example.org")
    assert not again.created and again.organisation.id == first.organisation.id and again.edit_token is None
    other = make_network("daejeon")
    assert register(other).created


def test_duplicate_by_the_other_contact_returns_existing(network):
    """The same name with the same phone but another e-mail (another contact key, so not the identity
    constraint) is the registered group: the look-up inside the registration's INSERT finds it."""
    first = register(network)
    again = register(network, email="other@example.org")
    assert not again.created and again.organisation.id == first.organisation.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 1
    assert register(network, email="other@example.org", phone="010-9999-0000").created


def test_suggestions_recorded(network):
    result = services.register_organisation(network, DATA, goals=[6, 13], suggestions={6: 0.8, 14: 0.4},
                                            consent_version="1")
    links = {l.goal_number: l for l in result.organisation.goal_links}
    assert links[6].source == "suggested" and links[6].selected and links[6].suggested_score == 0.8
    assert links[14].suggested and not links[14].selected
    assert links[13].source == "chosen" and not links[13].suggested


def test_registration_objects_are_the_rows_written(network):
    """The group, its goal links and pledge come back as the session's persistent rows (written with plain
    INSERTs): the same values as a fresh load, changeable later in the same transaction, history in order."""
    result = services.register_organisation(network, DATA, goals=[6, 13], suggestions={6: 0.8, 14: 0.4},
                                            consent_version="1")
    org = result.organisation
    pledge = sign_pledge(org, "김민지", [13, 6], new_group=True)
    assert not db.session.new and not db.session.dirty
    held = [(l.goal_number, l.source, l.selected, l.rank, l.suggested, l.suggested_score) for l in org.goal_links]
    assert [g.number for g in pledge.goals] == [6, 13] and pledge.organisation is org
    services.set_goals(org, [13], actor_kind="group")  # updates and deletes the links just written
    db.session.commit()
    db.session.expire_all()
    assert [(l.goal_number, l.source, l.selected, l.rank, l.suggested, l.suggested_score) for l in org.goal_links] \
        == [(6, "suggested", False, 0, True, 0.8), (13, "chosen", True, 0, False, None), (14, "suggested", False, 0, True, 0.4)]
    assert held == [(6, "suggested", True, 0, True, 0.8), (13, "chosen", True, 1, False, None),
                    (14, "suggested", False, 0, True, 0.4)]
    assert [c.action for c in services.history(org)] == ["goals_set", "pledge_signed", "edit_link_issued", "registered"]
    assert services.organisation_by_edit_token(result.edit_token).id == org.id
    assert active_pledge(org).id == pledge.id and [g.number for g in active_pledge(org).goals] == [6, 13]


@pytest.mark.parametrize("field,value", [
    ("email", "not-an-email"), ("phone", "12345"), ("name", "abc\u202egpj.exe"),
    ("activities", "x" * 5001), ("name", "bad\x00name"), ("kind", "alien"), ("size", "-3"),
])
def test_invalid_input_rejected(network, field, value):
    with pytest.raises(Invalid) as err:
        register(network, **{field: value})
    assert err.value.field == field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


def test_update_goals_cluster_approve_withdraw_erase(network):
    org = register(network).organisation
    assert services.update_organisation(org, {"district": "상당구"}, actor_kind="group") == ["district"]
    services.set_goals(org, [13, 6], actor_kind="organiser")
    assert org.goal_numbers == [13, 6]
    assert {l.source for l in org.goal_links} == {"organiser"}
    services.set_cluster(org, "nature", actor_kind="organiser")
    with pytest.raises(Invalid):
        services.set_cluster(org, "green", actor_kind="organiser")
    services.approve(org)
    pledge = sign_pledge(org, "김민지", [], "하천 정화 공동 행동")
    assert [g.number for g in pledge.goals] == [6, 13]
    with pytest.raises(Conflict):
        sign_pledge(org, "김민지", [6])
    services.withdraw(org, actor_kind="group")
    assert org.status == "withdrawn" and active_pledge(org) is None and pledge.withdrawn_at
    services.erase_personal_data(org, actor_kind="group")
    db.session.commit()
    assert org.email is None and org.phone is None and org.representative == "" and pledge.signer_name == ""
    with pytest.raises(NotFound):
        services.organisation_by_edit_token("anything")
    actions = [c.action for c in services.history(org)]
    assert actions[0] == "personal_data_erased" and "registered" in actions


def test_list_filters_stay_in_network(network):
    other = make_network("daejeon")
    a = make_organisation(network, goals=[6], cluster_key="nature", kind="school")
    make_organisation(network, goals=[1], status="approved")
    make_organisation(other, goals=[6])
    sign_pledge(a, "대표", [6])
    page = services.list_organisations(network, OrganisationFilters(goal=6))
    assert [o.id for o in page.items] == [a.id]
    assert services.list_organisations(network, OrganisationFilters(pledged=True)).total == 1
    assert services.list_organisations(network, OrganisationFilters(pledged=False)).total == 1
    assert services.list_organisations(network, OrganisationFilters(cluster="nature", kind="school")).total == 1
    assert services.list_organisations(network, OrganisationFilters(status="approved")).total == 1
    assert services.list_organisations(network, OrganisationFilters(q="테스트 단체")).total == 2
    assert services.list_organisations(network, OrganisationFilters(q="100%_")).total == 0
    with pytest.raises(NotFound):
        services.get_organisation(other, a.id)
