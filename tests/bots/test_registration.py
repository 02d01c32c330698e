"""The registration conversation, end to end: the real PTB Application against the fake Bot API."""
from __future__ import annotations

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.notices.models import BotState, TelegramChat
from civicnet.organisations.models import Organisation
from civicnet.pledges.models import Pledge


def fake_classifier(monkeypatch, suggested=(6, 15), cluster="nature"):
    def classify_texts(texts, network=None, **kwargs):
        sdgs = [{"goal": g, "score": 0.9 if g in suggested else 0.1} for g in range(1, 18)]
        return [{"id": None, "sdgs": sdgs, "suggested": list(suggested),
                 "clusters": [{"key": cluster, "score": 0.8}, {"key": "agri-food", "score": 0.3}], "reasons": {}}]

    monkeypatch.setattr("civicnet.matching.services.classify_texts", classify_texts)


def broken_classifier(monkeypatch):
    def classify_texts(texts, network=None, **kwargs):
        raise FileNotFoundError("model not trained")

    monkeypatch.setattr("civicnet.matching.services.classify_texts", classify_texts)


def _org(chat_id: int) -> Organisation | None:
    db.session.expire_all()
    chat = db.session.scalar(sa.select(TelegramChat).where(TelegramChat.chat_id == chat_id))
    return chat.organisation if chat else None


def test_full_registration_in_korean(app, network, bot, fake_tg, monkeypatch):
    fake_classifier(monkeypatch)
    chat = 5001
    fake_tg.send_text(chat, "/start")
    assert "언어를 고르세요" in fake_tg.next_message(chat).text
    fake_tg.press(chat, "lang:ko")
    assert "개인 시민으로 등록하시나요" in fake_tg.next_message(chat).text
    fake_tg.press(chat, "kind:organisation")
    assert "단체나 모임의 이름" in fake_tg.next_message(chat).text

    fake_tg.send_text(chat, "<b>초록</b>")  # invalid: a clear reply and the same question
    assert "< 와 >" in fake_tg.next_message(chat).text
    assert "단체나 모임의 이름" in fake_tg.next_message(chat).text
    fake_tg.send_text(chat, "무심천 초록 지킴이")

    contact_q = fake_tg.next_message(chat)
    assert "연락드리면" in contact_q.text and "📱 내 전화번호 보내기" in contact_q.keyboard
    fake_tg.send_text(chat, "전화 없음")
    assert "전화번호" in fake_tg.next_message(chat).text  # the foundation's validation message
    assert "연락드리면" in fake_tg.next_message(chat).text
    fake_tg.share_contact(chat, "821012345678")
    assert fake_tg.next_message(chat).text == "고맙습니다."
    assert "어떤 유형의 단체" in fake_tg.next_message(chat).text
    fake_tg.press(chat, "ok:ngo")
    assert "주요 활동" in fake_tg.next_message(chat).text
    fake_tg.send_text(chat, "무심천에서 하천 정화 활동과 어린이 생태 교육을 합니다.")

    sdgs = fake_tg.next_message(chat)
    assert "추천한 목표에 표시" in sdgs.text
    ticked = [b["callback_data"] for b in sdgs.buttons() if b["text"].startswith("✅")]
    assert ticked == ["sdg:6", "sdg:15"]
    fake_tg.press(chat, "sdg:15")  # untick
    edited = fake_tg.next_message(chat)
    assert edited.method == "editMessageText"
    fake_tg.press(chat, "sdg:13", edited)  # tick
    edited = fake_tg.next_message(chat)
    assert [b["callback_data"] for b in edited.buttons() if b["text"].startswith("✅")] == ["sdg:6", "sdg:13"]
    fake_tg.press(chat, "sdg:done", edited)

    cluster_q = fake_tg.next_message(chat)
    assert "분야별 모임" in cluster_q.text and cluster_q.buttons()[0]["text"].startswith("⭐")
    assert cluster_q.buttons()[0]["callback_data"] == "cl:nature"
    fake_tg.press(chat, "nav:back", cluster_q)  # back: the SDG picker again, choices kept
    again = fake_tg.next_message(chat)
    assert [b["callback_data"] for b in again.buttons() if b["text"].startswith("✅")] == ["sdg:6", "sdg:13"]
    fake_tg.press(chat, "sdg:done", again)
    fake_tg.press(chat, "cl:nature", fake_tg.next_message(chat))

    consent = fake_tg.next_message(chat)
    assert "개인정보 수집 목적" in consent.text
    fake_tg.press(chat, "consent:yes", consent)
    confirm = fake_tg.next_message(chat)
    assert "무심천 초록 지킴이" in confirm.text and "010-1234-5678" in confirm.text  # the national form
    assert "우리는" in confirm.text or "협약문" in confirm.text
    fake_tg.press(chat, "confirm:yes", confirm)
    assert "환영합니다" in fake_tg.next_message(chat).text

    org = _org(chat)
    assert org is not None and org.name == "무심천 초록 지킴이" and org.kind == "ngo"
    assert org.phone and org.phone.endswith("1012345678") and org.language == "ko"
    assert org.goal_numbers == [6, 13]
    assert org.cluster.key == "nature" and org.consent_version == "telegram-1"
    links = {link.goal_number: link for link in org.goal_links}
    assert links[15].suggested and not links[15].selected  # suggested, then unticked: recorded
    assert db.session.scalar(sa.select(Pledge).where(Pledge.organisation_id == org.id)) is not None
    changes = list(db.session.scalars(org.changes.select()))
    assert {c.actor_kind for c in changes} == {"bot"}


def test_full_registration_in_english_as_individual_without_classifier(app, network, bot, fake_tg, monkeypatch):
    broken_classifier(monkeypatch)
    chat = 5002
    fake_tg.send_text(chat, "/start")
    fake_tg.next_message(chat)
    fake_tg.press(chat, "lang:en")
    assert "individual citizen" in fake_tg.next_message(chat).text
    fake_tg.press(chat, "kind:individual")
    assert fake_tg.next_message(chat).text == "What is your name?"
    fake_tg.send_text(chat, "Kim Minji")
    fake_tg.next_message(chat)
    fake_tg.send_text(chat, "minji@example.org")  # typed e-mail instead of the share button
    assert fake_tg.next_message(chat).text == "Thank you."
    assert "sustainable development" in fake_tg.next_message(chat).text  # no kind step for a person
    fake_tg.send_text(chat, "too short")
    assert "10 to 2000" in fake_tg.next_message(chat).text
    fake_tg.next_message(chat)
    fake_tg.send_text(chat, "I organise a monthly repair café and zero-waste market in my village.")
    picker = fake_tg.next_message(chat)
    assert "Tap to tick them" in picker.text  # the classifier is unavailable: nothing pre-ticked
    assert not [b for b in picker.buttons() if b["text"].startswith("✅")]
    fake_tg.press(chat, "sdg:done", picker)
    assert "at least one SDG" in fake_tg.next_message(chat).text
    picker = fake_tg.next_message(chat)
    fake_tg.press(chat, "sdg:12", picker)
    fake_tg.press(chat, "sdg:done", fake_tg.next_message(chat))
    assert "thematic cluster" in fake_tg.next_message(chat).text
    fake_tg.send_text(chat, "hello?")  # text where a button is expected
    assert "not an answer" in fake_tg.next_message(chat).text
    cluster_q = fake_tg.next_message(chat)
    assert "thematic cluster" in cluster_q.text
    fake_tg.press(chat, "cl:none", cluster_q)
    fake_tg.press(chat, "consent:yes", fake_tg.next_message(chat))
    confirm = fake_tg.next_message(chat)
    assert "Individual citizen" in confirm.text and "minji@example.org" in confirm.text
    fake_tg.press(chat, "confirm:yes", confirm)
    assert fake_tg.next_message(chat).text.startswith("Welcome, Kim Minji!")
    org = _org(chat)
    assert org.kind == "individual" and org.email == "minji@example.org" and org.language == "en"
    assert org.goal_numbers == [12] and org.cluster is None


def test_cancel_and_refused_consent_keep_nothing(app, network, bot, fake_tg, monkeypatch):
    broken_classifier(monkeypatch)
    chat = 5003
    fake_tg.send_text(chat, "/start")
    fake_tg.next_message(chat)
    fake_tg.press(chat, "lang:ko")
    fake_tg.press(chat, "nav:cancel", fake_tg.next_message(chat))
    assert "등록을 취소했습니다" in fake_tg.next_message(chat).text
    fake_tg.send_text(chat, "아무 말")  # outside a conversation: ignored, nothing stored
    fake_tg.send_text(chat, "/help")
    assert "/meetings" in fake_tg.next_message(chat).text
    assert _org(chat) is None
    assert not db.session.scalars(sa.select(BotState).where(BotState.namespace == "registration")).all()


def test_restart_mid_conversation_resumes_from_the_database(app, network, bot_factory, fake_tg, monkeypatch):
    broken_classifier(monkeypatch)
    chat = 5004
    first = bot_factory()
    fake_tg.send_text(chat, "/start")
    fake_tg.next_message(chat)
    fake_tg.press(chat, "lang:en")
    fake_tg.press(chat, "kind:organisation", fake_tg.next_message(chat))
    fake_tg.next_message(chat)
    fake_tg.send_text(chat, "River Friends")
    assert "How can the council reach you" in fake_tg.next_message(chat).text
    first.stop()  # the bot process goes away mid-registration

    states = db.session.scalars(sa.select(BotState.data).where(BotState.namespace == "registration"))
    assert [s["step"] for s in states] == ["contact"]

    bot_factory()  # a new process: state comes back from the app database, not from memory
    fake_tg.send_text(chat, "010-2222-3333")
    assert fake_tg.next_message(chat).text == "Thank you."
    assert "What kind of group" in fake_tg.next_message(chat).text
    fake_tg.press(chat, "ok:club")
    assert "main activities" in fake_tg.next_message(chat).text
