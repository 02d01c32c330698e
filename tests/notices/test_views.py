"""Organisers write notices, pick audiences, see who got them, and make Telegram links."""
from __future__ import annotations

import re

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.notices import services
from civicnet.notices.models import Delivery, LinkToken, Notice
from tests.builders import login, make_network, make_organisation, make_user


def test_write_a_notice_to_a_cluster_and_see_its_status(app, client, network):
    user = make_user(network)
    login(client, user)
    member = make_organisation(network, name="자연 단체", cluster_key="nature")
    services.link_chat(9001, network, member, language="ko", consent_version="1")
    make_organisation(network, name="복지 단체", cluster_key="welfare")
    db.session.commit()
    cluster_id = next(c.id for c in network.clusters if c.key == "nature")

    page = client.get(f"/o/{network.slug}/notices/new")
    assert page.status_code == 200 and f'value="cluster:{cluster_id}"' in page.text
    bad = client.post(f"/o/{network.slug}/notices/new", data={"body_ko": "", "target": "network"})
    assert bad.status_code == 422
    response = client.post(f"/o/{network.slug}/notices/new",
                           data={"body_ko": "분과 모임 안내", "body_en": "Cluster meeting", "target": f"cluster:{cluster_id}"})
    assert response.status_code == 302
    notice = db.session.scalar(sa.select(Notice))
    assert notice.audience == "cluster" and notice.created_by_user_id == user.id
    status = client.get(response.headers["Location"])
    assert status.status_code == 200
    assert re.search(r'id="count-pending">1<', status.text) and "자연 단체" in status.text
    assert "복지 단체" not in status.text
    listing = client.get(f"/o/{network.slug}/notices/")
    assert "분과" not in listing.text or listing.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Delivery)) == 1


def test_other_networks_notices_and_members_are_hidden(app, client, network):
    other = make_network("gwangmyeong")
    outsider = make_organisation(other)
    notice = services.create_notice(other, "남의 공지", None, "network")
    db.session.commit()
    login(client, make_user(network))
    assert client.get(f"/o/{other.slug}/notices/").status_code == 404
    assert client.get(f"/o/{network.slug}/notices/{notice.id}").status_code == 404
    assert client.post(f"/o/{network.slug}/notices/telegram/link/{outsider.id}").status_code == 404
    assert client.get(f"/o/{network.slug}/notices/").status_code == 200


def test_link_and_invite_buttons_show_a_one_time_link(app, client, network):
    login(client, make_user(network))
    member = make_organisation(network, name="웹 단체")
    page = client.get(f"/o/{network.slug}/notices/telegram")
    assert page.status_code == 200 and "웹 단체" in page.text
    linked = client.post(f"/o/{network.slug}/notices/telegram/link/{member.id}")
    assert linked.status_code == 200
    link = re.search(r'id="telegram-link">([^<]+)<', linked.text).group(1)
    assert link.startswith(f"https://t.me/{app.config['TELEGRAM_BOT_USERNAME']}?start=")
    invite = client.post(f"/o/{network.slug}/notices/telegram/invite")
    assert invite.status_code == 200
    tokens = db.session.scalars(sa.select(LinkToken).order_by(LinkToken.id)).all()
    assert [t.organisation_id for t in tokens] == [member.id, None]


def test_logged_out_visitors_are_sent_to_login(app, client, network):
    response = client.get(f"/o/{network.slug}/notices/")
    assert response.status_code in (302, 401)


def test_group_detail_page_offers_the_telegram_link(app, client, network):
    login(client, make_user(network))
    member = make_organisation(network, name="상세 단체")
    detail = client.get(f"/o/{network.slug}/organisations/{member.id}")
    action = f"/o/{network.slug}/notices/telegram/link/{member.id}"
    assert detail.status_code == 200 and action in detail.text and "텔레그램 링크 만들기" in detail.text
    assert client.post(action).status_code == 200
