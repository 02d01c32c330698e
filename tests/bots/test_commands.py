"""Deep links, /meetings with a full meeting, /my, /delete, /stop, idle reminders, the webhook."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from bots.app import sweep_idle
from civicnet.extensions import db
from civicnet.meetings import services as meetings
from civicnet.notices import services as notices
from civicnet.notices.models import BotState, Delivery, LinkToken, Notice, TelegramChat
from civicnet.organisations.models import Organisation
from civicnet.timeutil import utcnow
from tests.builders import make_network, make_organisation
from tests.notices.conftest import run_sender


def linked_member(network, chat_id: int, **fields) -> Organisation:
    org = make_organisation(network, **fields)
    notices.link_chat(chat_id, network, org, language="ko", consent_version="1")
    db.session.commit()
    return org


def make_meeting(network, capacity: int = 1):
    meeting = meetings.create_meeting(network, {
        "title_ko": "협약식 및 교류회", "title_en": "Pledge ceremony", "venue_ko": "서원구청 대회의실",
        "starts_at": utcnow() + timedelta(days=10), "ends_at": utcnow() + timedelta(days=10, hours=2),
        "capacity": capacity, "per_organisation_limit": 2})
    db.session.commit()
    return meeting


def test_deep_link_ties_a_web_registered_member_once(app, network, bot, fake_tg):
    org = make_organisation(network, name="웹으로 등록한 단체")
    token, url = notices.issue_link_token(network, org)
    db.session.commit()
    assert url == f"https://t.me/{app.config['TELEGRAM_BOT_USERNAME']}?start={token}"
    assert db.session.scalar(sa.select(LinkToken.token_hash)) != token  # only the digest is kept

    fake_tg.send_text(6001, f"/start {token}")
    assert "웹으로 등록한 단체에 연결되었습니다" in fake_tg.next_message(6001).text
    chat = db.session.scalar(sa.select(TelegramChat).where(TelegramChat.chat_id == 6001))
    assert chat.organisation_id == org.id and chat.can_receive

    fake_tg.send_text(6002, f"/start {token}")  # one-time: a second chat cannot use it
    assert "링크" in fake_tg.next_message(6002).text
    assert db.session.scalar(sa.select(TelegramChat).where(TelegramChat.chat_id == 6002)) is None

    expired, _url = notices.issue_link_token(network, org, ttl_hours=-1)
    db.session.commit()
    fake_tg.send_text(6003, f"/start {expired}")
    assert "링크" in fake_tg.next_message(6003).text

    fake_tg.send_text(6001, "/start")  # already linked: greeted, no new registration
    assert "등록되어 있으며" in fake_tg.next_message(6001).text


def test_invitation_link_registers_in_the_inviting_network(app, network, bot, fake_tg, monkeypatch):
    from tests.bots.test_registration import broken_classifier

    broken_classifier(monkeypatch)
    other = make_network("daejeon")
    token, _url = notices.issue_link_token(other, None)
    db.session.commit()
    chat = 6100
    fake_tg.send_text(chat, f"/start {token}")
    fake_tg.press(chat, "lang:ko", fake_tg.next_message(chat))
    fake_tg.press(chat, "kind:individual", fake_tg.next_message(chat))
    fake_tg.next_message(chat)
    fake_tg.send_text(chat, "박초대")
    fake_tg.next_message(chat)
    fake_tg.share_contact(chat, "+82 10-5555-6666")
    fake_tg.next_message(chat)
    fake_tg.next_message(chat)
    fake_tg.send_text(chat, "동네에서 기후 행동 모임을 만들고 싶습니다.")
    fake_tg.press(chat, "sdg:13", fake_tg.next_message(chat))
    fake_tg.press(chat, "sdg:done", fake_tg.next_message(chat))
    cluster_q = fake_tg.next_message(chat)
    assert "초록" in cluster_q.text or any("초록" in b["text"] for b in cluster_q.buttons())
    fake_tg.press(chat, "cl:green", cluster_q)
    fake_tg.press(chat, "consent:yes", fake_tg.next_message(chat))
    fake_tg.press(chat, "confirm:yes", fake_tg.next_message(chat))
    assert "환영합니다" in fake_tg.next_message(chat).text
    db.session.expire_all()
    org = db.session.scalar(sa.select(Organisation).where(Organisation.name == "박초대"))
    assert org.network_id == other.id and org.cluster.key == "green"


def test_rsvp_to_a_full_meeting_waits_then_is_promoted(app, network, bot, fake_tg):
    meeting = make_meeting(network, capacity=1)
    first = make_organisation(network, name="먼저 온 단체")
    first_reg, _token = meetings.register(meeting, first)
    me = linked_member(network, 6200, name="늦게 온 단체", cluster_key="nature")
    meeting_id = meeting.id

    fake_tg.send_text(6200, "/meetings")
    listing = fake_tg.next_message(6200)
    assert "협약식 및 교류회" in listing.text and "남은 자리: 0" in listing.text
    assert "내 분야:" in listing.text
    fake_tg.press(6200, f"mt:att:{meeting_id}", listing)
    waiting = fake_tg.next_message(6200)
    assert waiting.method == "editMessageText" and "대기자 1번" in waiting.text
    assert waiting.buttons()[0]["callback_data"] == f"mt:can:{meeting_id}"

    # Someone cancels on the web: the meetings service promotes us and signals; we queue a notice.
    db.session.expire_all()
    meetings.cancel_registration(db.session.get(type(first_reg), first_reg.id))
    db.session.commit()
    notice = db.session.scalar(sa.select(Notice).where(Notice.kind == "promotion"))
    assert notice is not None and notice.audience_ref == me.id
    run_sender(fake_tg, notice_id=notice.id)
    assert "대기자 명단에서" in fake_tg.next_message(6200).text

    fake_tg.send_text(6200, "/meetings")
    listing = fake_tg.next_message(6200)
    assert "참석 신청이 되어 있습니다" in listing.text
    fake_tg.press(6200, f"mt:can:{meeting_id}", listing)
    cancelled = fake_tg.next_message(6200)
    assert "남은 자리: 1" in cancelled.text


def test_my_data_then_delete_after_confirmation(app, network, bot, fake_tg):
    org = linked_member(network, 6300, name="지울 단체", phone="010-7777-8888", email=None)
    org_id = org.id
    fake_tg.send_text(6300, "/my")
    mine = fake_tg.next_message(6300)
    assert "지울 단체" in mine.text and "010-7777-8888" in mine.text and "6300" in mine.text

    fake_tg.send_text(6300, "/delete")
    ask = fake_tg.next_message(6300)
    fake_tg.press(6300, "del:no", ask)
    assert "삭제하지 않았습니다" in fake_tg.next_message(6300).text
    db.session.expire_all()
    assert db.session.get(Organisation, org_id).name == "지울 단체"

    fake_tg.send_text(6300, "/delete")
    fake_tg.press(6300, "del:yes", fake_tg.next_message(6300))
    assert "삭제했습니다" in fake_tg.next_message(6300).text
    db.session.expire_all()
    erased = db.session.get(Organisation, org_id)
    assert erased.name != "지울 단체" and erased.phone is None and erased.status == "withdrawn"
    assert db.session.scalar(sa.select(TelegramChat).where(TelegramChat.chat_id == 6300)) is None
    fake_tg.send_text(6300, "/my")
    assert "가지고 있지 않습니다" in fake_tg.next_message(6300).text


def test_stop_unsubscribes_from_notices(app, network, bot, fake_tg):
    linked_member(network, 6400)
    fake_tg.send_text(6400, "/stop")
    assert "알림을 보내지 않습니다" in fake_tg.next_message(6400).text
    notice = notices.create_notice(network, "공지", None, "network")
    db.session.commit()
    delivery = db.session.scalar(sa.select(Delivery).where(Delivery.notice_id == notice.id))
    assert delivery.state == "unreachable" and delivery.error == "unsubscribed"
    fake_tg.send_text(6400, "/start")  # /start subscribes again
    fake_tg.next_message(6400)
    db.session.expire_all()
    assert db.session.scalar(sa.select(TelegramChat.subscribed).where(TelegramChat.chat_id == 6400)) is True


def test_silent_registrant_is_reminded_once_then_dropped(app, network, bot, fake_tg):
    chat = 6500
    fake_tg.send_text(chat, "/start")
    fake_tg.press(chat, "lang:en", fake_tg.next_message(chat))
    fake_tg.next_message(chat)
    row = sa.select(BotState.updated_at).where(BotState.namespace == "registration", BotState.key == str(chat))
    started = db.session.scalar(row)  # the time of the last answer

    def after(seconds):
        return bot.run(lambda a: sweep_idle(a, 60, 600, now=started + timedelta(seconds=seconds)))

    assert after(61) == (1, 0)
    assert "Are you still there?" in fake_tg.next_message(chat).text
    assert after(120) == (0, 0)  # only once
    assert after(601) == (0, 1)
    assert "stopped after a long silence" in fake_tg.next_message(chat).text
    assert db.session.scalar(row) is None  # the half-done answers are gone
    fake_tg.press(chat, "kind:individual")  # a button of the dropped registration
    assert fake_tg.next_message(chat).text == "That button is no longer active. /help shows what I can do."


def test_an_answer_resets_the_silence(app, network, bot, fake_tg):
    chat = 6501
    fake_tg.send_text(chat, "/start")
    fake_tg.press(chat, "lang:en", fake_tg.next_message(chat))
    fake_tg.next_message(chat)
    row = sa.select(BotState.updated_at).where(BotState.namespace == "registration", BotState.key == str(chat))
    started = db.session.scalar(row)
    assert bot.run(lambda a: sweep_idle(a, 60, 600, now=started + timedelta(seconds=61))) == (1, 0)
    fake_tg.next_message(chat)
    fake_tg.press(chat, "kind:individual")
    assert fake_tg.next_message(chat).text == "What is your name?"
    answered = db.session.scalar(row)
    assert answered > started
    # Reminded again only after a new silence, and the drop counts from the last answer.
    assert bot.run(lambda a: sweep_idle(a, 60, 600, now=answered + timedelta(seconds=30))) == (0, 0)
    assert bot.run(lambda a: sweep_idle(a, 60, 600, now=answered + timedelta(seconds=61))) == (1, 0)


def test_my_data_shows_local_times_and_the_national_phone_form(app, network, bot, fake_tg):
    from civicnet.timeutil import to_local

    from civicnet.meetings.breakouts import run_assignment, set_breakouts

    org = linked_member(network, 6700, name="형식 확인 단체", phone="+821022113424", email=None,
                        cluster_key="nature")
    meeting = make_meeting(network, capacity=5)
    meetings.register(meeting, org)
    set_breakouts(meeting, {org.cluster_id: (1, 8)})
    run_assignment(meeting)
    db.session.commit()
    fake_tg.send_text(6700, "/my")
    mine = fake_tg.next_message(6700).text
    assert "전화: 010-2211-3424" in mine and "+8210" not in mine
    consented = to_local(db.session.scalar(sa.select(TelegramChat.consented_at)
                                           .where(TelegramChat.chat_id == 6700)))
    assert f"동의한 때: {consented.year}년 {consented.month}월 {consented.day}일" in mine
    assert f"{consented:%H:%M}" in mine and "T" not in mine.split("동의한 때: ")[1].split("\n")[0]
    starts = to_local(meeting.starts_at)
    assert f"📅 협약식 및 교류회 ({starts.year}년 {starts.month}월 {starts.day}일" in mine
    assert f"{starts:%H:%M}): 참석 신청함 · 자연과 공존하는 생명의 도시 청주 1번 테이블" in mine
    assert "confirmed" not in mine and "nature-1" not in mine  # no codes shown to people

    fake_tg.send_text(6700, "/meetings")
    listing = fake_tg.next_message(6700).text
    assert f"{starts.year}년 {starts.month}월 {starts.day}일" in listing and f"{starts:%Y-%m-%d}" not in listing
    assert "내 테이블: 자연과 공존하는 생명의 도시 청주 1번 테이블" in listing


def test_korean_messages_for_meeting_buttons_and_forged_buttons_change_nothing(app, network, bot, fake_tg):
    linked_member(network, 6800, name="버튼 단체")  # registered, no registration in progress
    meeting = make_meeting(network, capacity=5)
    fake_tg.send_text(6800, "/meetings")
    listing = fake_tg.next_message(6800)
    # "Cancel my place" for a meeting we never joined (an old or forged button): said in Korean.
    fake_tg.press(6800, f"mt:can:{meeting.id}", listing)
    assert fake_tg.next_message(6800).text == "이 모임에 참석 신청이 되어 있지 않습니다."
    fake_tg.press(6800, "mt:att:999999", listing)  # no such meeting
    assert fake_tg.next_message(6800).text == "그런 행사가 없습니다."  # the meetings domain's own Korean
    for forged in ["mt:att:" + "9" * 30, "mt:att:-1", "mt:xyz:1", "sdg:99", "del:maybe", "garbage"]:
        fake_tg.press(6800, forged, listing)
        assert fake_tg.next_message(6800).text == "더 이상 쓸 수 없는 버튼입니다. /help 로 할 수 있는 일을 볼 수 있습니다."
    assert db.session.scalar(sa.select(sa.func.count()).select_from(BotState)
                             .where(BotState.namespace == "registration")) == 0
    db.session.expire_all()
    member = db.session.scalar(sa.select(Organisation).where(Organisation.name == "버튼 단체"))
    assert meetings.active_registration(meeting, member) is None


def test_a_forged_sdg_button_during_registration_is_refused_with_a_clear_message(app, network, bot, fake_tg,
                                                                                 monkeypatch):
    from tests.bots.test_registration import fake_classifier

    fake_classifier(monkeypatch, suggested=(6,))
    chat = 6900
    fake_tg.send_text(chat, "/start")
    fake_tg.press(chat, "lang:ko", fake_tg.next_message(chat))
    fake_tg.press(chat, "kind:individual", fake_tg.next_message(chat))
    fake_tg.next_message(chat)
    fake_tg.send_text(chat, "김위조")
    fake_tg.next_message(chat)
    fake_tg.send_text(chat, "forged@example.org")
    fake_tg.next_message(chat)
    fake_tg.next_message(chat)
    fake_tg.send_text(chat, "동네 하천에서 쓰레기를 줍고 아이들과 생태 공부를 합니다.")
    picker = fake_tg.next_message(chat)
    for forged in ["sdg:99", "sdg:0", "sdg:" + "9" * 30, "sdg:abc", "cl:nature"]:
        fake_tg.press(chat, forged, picker)
        assert fake_tg.next_message(chat).text == "죄송합니다. 이 질문에 맞는 답이 아닙니다."
        again = fake_tg.next_message(chat)
        assert [b["callback_data"] for b in again.buttons() if b["text"].startswith("✅")] == ["sdg:6"]
    state = db.session.scalar(sa.select(BotState.data).where(BotState.namespace == "registration",
                                                             BotState.key == str(chat)))
    assert state["step"] == "sdgs" and state["goals"] == [6]
