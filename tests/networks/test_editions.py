"""The network's yearly cycle: the current edition, opening the next one, the organisers' page."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from civicnet.errors import Conflict, Invalid
from civicnet.extensions import db
from civicnet.networks import services
from civicnet.networks.models import NetworkEdition
from civicnet.organisations.models import OrganisationChange
from civicnet.pledges.models import Pledge
from civicnet.pledges.services import sign_pledge
from civicnet.timeutil import local_today
from tests.builders import login, make_network, make_organisation, make_user

THIS_YEAR = local_today().year


def test_a_network_without_an_opened_edition_follows_the_calendar(app, network):
    # The default definition names no edition: nothing is stuck on 2024.
    assert network.opened_edition is None and network.current_edition == THIS_YEAR
    org = make_organisation(network, goals=[6])
    assert sign_pledge(org, "김민지").edition == THIS_YEAR


def test_reloading_a_definition_keeps_the_opened_edition(app, network):
    services.open_edition(network, THIS_YEAR + 1)
    services.load_default_network()
    assert network.current_edition == THIS_YEAR + 1


@pytest.mark.parametrize("edition", [True, "2030", 20_000_000_000, 1999])
def test_a_definition_with_a_bad_edition_is_refused(app, edition):
    with pytest.raises(Invalid):
        services.create_network({"slug": "bad", "name_ko": "나쁜", "city": "시", "current_edition": edition,
                                 "clusters": [{"key": "a", "name_ko": "가", "sdgs": [1]}]})


def test_open_edition_moves_on_and_keeps_an_audit_row(app):
    network = make_network("older")  # a definition that stored 2024
    assert network.current_edition == 2024
    assert services.proposed_edition(network) == THIS_YEAR  # not 2025: the calendar moved on
    user = make_user(network)
    opening = services.open_edition(network, user_id=user.id)
    assert network.current_edition == THIS_YEAR == opening.edition
    assert (opening.previous_edition, opening.opened_by_user_id) == (2024, user.id)
    assert services.proposed_edition(network) == THIS_YEAR + 1
    with pytest.raises(Conflict):
        services.open_edition(network, THIS_YEAR)  # not the same one again
    with pytest.raises(Invalid):
        services.open_edition(network, THIS_YEAR + 2)  # only next year's may be opened early
    services.open_edition(network, THIS_YEAR + 1)
    assert [h.edition for h in services.edition_history(network)] == [THIS_YEAR + 1, THIS_YEAR]


def _page(client, network, lang="ko"):
    response = client.get(f"/o/{network.slug}/network?lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_admin_opens_the_next_edition_from_the_network_page(client, network):
    admin = make_user(network, "admin", name="사무국장")
    login(client, admin)
    html = _page(client, network)
    assert f"현재 협약 연도: {THIS_YEAR}년" in html and "달력 연도" in html
    assert f'value="{THIS_YEAR + 1}"' in html
    # Without the confirmation nothing happens.
    refused = client.post(f"/o/{network.slug}/network/editions", data={"edition": THIS_YEAR + 1})
    assert refused.status_code == 422 and "확인" in refused.get_data(as_text=True)
    assert network.opened_edition is None
    # Years that cannot be opened keep the form, with the reason.
    for bad, status in ((THIS_YEAR, 409), (THIS_YEAR + 5, 422), ("내년", 422), (2 ** 70, 422)):
        response = client.post(f"/o/{network.slug}/network/editions", data={"edition": bad, "confirm": "y"})
        assert response.status_code == status, bad
    assert db.session.scalar(sa.select(sa.func.count()).select_from(NetworkEdition)) == 0
    done = client.post(f"/o/{network.slug}/network/editions", data={"edition": THIS_YEAR + 1, "confirm": "y"},
                       follow_redirects=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and f"{THIS_YEAR + 1}년 협약을 시작했습니다" in html
    db.session.expire_all()
    assert network.current_edition == THIS_YEAR + 1
    # The history row says who and when, in local time, in words.
    assert "사무국장" in html and re.search(rf"<td>{THIS_YEAR + 1}</td><td>{THIS_YEAR}년 \d+월 \d+일 \d\d:\d\d</td>", html)


def test_only_admins_open_editions(client, network):
    login(client, make_user(network, "staff"))
    assert "네트워크 관리자만" in _page(client, network)
    response = client.post(f"/o/{network.slug}/network/editions", data={"edition": THIS_YEAR + 1, "confirm": "y"})
    assert response.status_code == 403
    assert network.opened_edition is None


def test_organisers_of_another_network_get_404(client, network):
    login(client, make_user(make_network("other"), "admin"))
    assert client.get(f"/o/{network.slug}/network").status_code == 404
    assert client.post(f"/o/{network.slug}/network/editions",
                       data={"edition": THIS_YEAR + 1, "confirm": "y"}).status_code == 404


def test_opening_invites_last_editions_groups_in_their_history(client, network):
    pledged = make_organisation(network, goals=[6, 15])
    sign_pledge(pledged, "김민지")
    make_organisation(network, goals=[4])  # registered, never pledged: not invited
    db.session.commit()
    login(client, make_user(network, "admin"))
    client.post(f"/o/{network.slug}/network/editions", data={"edition": THIS_YEAR + 1, "confirm": "y"})
    invited = db.session.scalars(sa.select(OrganisationChange.organisation_id)
                                 .where(OrganisationChange.action == "renewal_invited")).all()
    assert invited == [pledged.id]
    html = _page(client, network, "en")
    assert f"Groups that pledged in {THIS_YEAR}: 1, of which 0 renewed for {THIS_YEAR + 1}" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge)) == 1


@pytest.mark.parametrize("lang,first", [("ko", "저는 청주"), ("en", "As a member of the Cheongju Citizen Practice "
                                                               "Network for Sustainable Development, I pledge")])
def test_individuals_are_shown_a_first_person_pledge(client, network, lang, first):
    from tests.organisations.conftest import DETAILS
    from civicnet.organisations import services as organisations

    person = organisations.register_organisation(
        network, DETAILS | {"name": "김시민", "kind": "individual"}, goals=[13], consent_version="1")
    group = organisations.register_organisation(
        network, DETAILS | {"name": "청주 모임", "email": "g@example.org"}, goals=[13], consent_version="1")
    db.session.commit()
    html = " ".join(client.get(f"/edit?t={person.edit_token}&lang={lang}").get_data(as_text=True).split())
    assert first in html and "우리 단체는" not in html and "our group pledges" not in html
    html = " ".join(client.get(f"/edit?t={group.edit_token}&lang={lang}").get_data(as_text=True).split())
    assert ("우리 단체는" if lang == "ko" else "our group pledges") in html and first not in html


def test_cli_opens_an_edition(app, network):
    result = app.test_cli_runner().invoke(args=["network", "open-edition", "cheongju", "--year", str(THIS_YEAR + 1)])
    assert result.exit_code == 0, result.output
    assert f"{THIS_YEAR + 1}" in result.output and network.current_edition == THIS_YEAR + 1
    again = app.test_cli_runner().invoke(args=["network", "open-edition", "cheongju", "--year", str(THIS_YEAR + 1)])
    assert again.exit_code != 0 and "already open" in again.output
