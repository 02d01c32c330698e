"""Renewing last edition's pledge: the service the bot calls, the edit page, the invitations."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from civicnet.errors import Conflict, Invalid
from civicnet.extensions import db
from civicnet.networks.services import open_edition
from civicnet.notices import services as notices
from civicnet.notices.models import Delivery, Notice
from civicnet.organisations import services as organisations
from civicnet.organisations.models import OrganisationChange
from civicnet.pledges.models import Pledge
from civicnet.notices.renewals import invite_renewals
from civicnet.pledges.renewals import renew_pledge, renewal_offer
from civicnet.pledges.services import active_pledge, sign_pledge, withdraw_pledge
from civicnet.timeutil import local_today
from tests.organisations.conftest import DETAILS

THIS_YEAR = local_today().year
NEXT = THIS_YEAR + 1


@pytest.fixture
def last_year(network):
    """A group that pledged (SDG 6 and 15) in this calendar year's edition, then the next opened."""
    result = organisations.register_organisation(network, DETAILS, goals=[6, 15], consent_version="2024-1")
    org = result.organisation
    sign_pledge(org, "김민지", joint_action="무심천 줍깅")
    open_edition(network, NEXT)
    db.session.commit()
    return org, result.edit_token


def _changes(org, action):
    return db.session.scalars(sa.select(OrganisationChange).where(
        OrganisationChange.organisation_id == org.id, OrganisationChange.action == action)).all()


def test_renew_pledge_copies_the_sdgs_and_signer(app, network, last_year):
    org, _ = last_year
    assert renewal_offer(org).edition == THIS_YEAR
    pledge = renew_pledge(org, NEXT)
    assert (pledge.edition, pledge.signer_name, [g.number for g in pledge.goals]) == (NEXT, "김민지", [6, 15])
    assert pledge.joint_action == ""  # this year's joint action is agreed anew
    assert renewal_offer(org) is None and active_pledge(org) == pledge
    assert _changes(org, "pledge_renewed")[0].details["renewed_from"] == THIS_YEAR
    with pytest.raises(Conflict):
        renew_pledge(org, NEXT)  # once per edition


def test_renew_pledge_with_other_sdgs_updates_the_group(app, network, last_year):
    org, _ = last_year
    pledge = renew_pledge(org, goals=[13, 6], signer_name="박지훈", actor_kind="bot")
    assert pledge.edition == NEXT and [g.number for g in pledge.goals] == [6, 13]
    assert sorted(org.goal_numbers) == [6, 13] and pledge.signer_name == "박지훈"
    with pytest.raises(Invalid):
        renew_pledge(org, NEXT + 1, goals=[99])


def test_nothing_to_renew(app, network):
    org = organisations.register_organisation(network, DETAILS, goals=[6], consent_version="1").organisation
    assert renewal_offer(org) is None
    with pytest.raises(Conflict):
        renew_pledge(org)
    pledge = sign_pledge(org, "김민지")
    withdraw_pledge(pledge)
    open_edition(network, NEXT)
    assert renewal_offer(org) is None  # a withdrawn pledge is not offered again


@pytest.mark.parametrize("lang,offer,button", [
    ("ko", f"{NEXT}년 협약 갱신", f"{NEXT}년 협약 갱신하기"), ("en", f"Renew your pledge for {NEXT}", f"Renew for {NEXT}")])
def test_edit_page_offers_renewal_and_renews_in_one_click(client, network, last_year, lang, offer, button):
    org, token = last_year
    html = client.get(f"/edit?t={token}&lang={lang}").get_data(as_text=True)
    assert offer in html and button in html
    # Last year's SDGs come ticked.
    assert 'id="renew_goals-6" value="6"\n               checked' in html
    assert 'id="renew_goals-15" value="15"\n               checked' in html
    assert 'id="renew_goals-4" value="4"\n               checked' not in html
    response = client.post(f"/edit/renew?t={token}", data={"renew_goals": ["6", "15"], "signer_name": "김민지"},
                           follow_redirects=True)
    assert response.status_code == 200
    pledge = db.session.scalar(sa.select(Pledge).where(Pledge.edition == NEXT))
    assert pledge.organisation_id == org.id and [g.number for g in pledge.goals] == [6, 15]
    html = response.get_data(as_text=True)
    assert offer not in html  # renewed: no second offer


def test_renewal_form_keeps_what_was_typed_on_error(client, network, last_year):
    org, token = last_year
    response = client.post(f"/edit/renew?t={token}", data={"renew_goals": [], "signer_name": "박지훈"})
    assert response.status_code == 422 and 'value="박지훈"' in response.get_data(as_text=True)
    nul = client.post(f"/edit/renew?t={token}", data={"renew_goals": ["6"], "signer_name": "김민지\x00"})
    assert nul.status_code in (400, 422)  # refused in the user's language, never a 500
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Pledge).where(Pledge.edition == NEXT)) == 0
    response = client.post(f"/edit/renew?t={token}", data={"renew_goals": ["13"], "signer_name": "박지훈"})
    assert response.status_code == 302
    db.session.expire_all()
    assert active_pledge(org).signer_name == "박지훈" and org.goal_numbers == [13]
    # A second post (double click, another tab) is refused with the reason, not a 500.
    again = client.post(f"/edit/renew?t={token}", data={"renew_goals": ["13"], "signer_name": "박지훈"})
    assert again.status_code in (302, 409)


def test_invitations_go_by_telegram_with_an_edit_link(app, network):
    with_chat = organisations.register_organisation(network, DETAILS, goals=[6], consent_version="1").organisation
    without = organisations.register_organisation(
        network, DETAILS | {"name": "나눔 협동조합", "email": "coop@example.org"}, goals=[2], consent_version="1").organisation
    never = organisations.register_organisation(
        network, DETAILS | {"name": "새 모임", "email": "new@example.org"}, goals=[4], consent_version="1").organisation
    sign_pledge(with_chat, "김민지")
    sign_pledge(without, "이철수")
    notices.link_chat(4242, network, with_chat, language="ko", consent_version="1")
    opening = open_edition(network, NEXT)  # the pledges domain invites on the signal
    assert (opening.invited, opening.reachable, opening.previous_edition) == (2, 1, THIS_YEAR)
    notice = db.session.scalars(sa.select(Notice).where(Notice.kind == "renewal")).one()
    assert f"{NEXT}년 협약" in notice.body_ko and "/edit?t=" in notice.body_ko and "/edit?t=" in notice.body_en
    delivery = db.session.scalars(sa.select(Delivery).where(Delivery.notice_id == notice.id)).one()
    assert delivery.organisation_id == with_chat.id
    # The link in the message opens that group's edit page (and older links keep working).
    token = notice.body_ko.rsplit("t=", 1)[1].strip()
    assert organisations.organisation_by_edit_token(token).id == with_chat.id
    # Every invited group has it in its history; a group without Telegram gets no unused link.
    assert [c.details["telegram"] for c in _changes(with_chat, "renewal_invited")] == [True]
    assert [c.details["telegram"] for c in _changes(without, "renewal_invited")] == [False]
    assert len(_changes(without, "edit_link_issued")) == 1  # only the registration's
    assert not _changes(never, "renewal_invited")
    assert invite_renewals(network, opening) == (2, 1)  # the service alone, as the CLI or a retry would
