"""The registration flow core on its own: no bot, no Telegram, no database."""
from __future__ import annotations

import subprocess
import sys

import pytest

from bots.flow import (Answer, AnswerKind, Expects, Registration, Rejected, Step, begin, step)

NETWORK = {
    "id": 7, "pledge_ko": "우리는 약속합니다.", "pledge_en": "We pledge.",
    "clusters": [{"key": "jobs", "name_ko": "일자리", "name_en": "Jobs"},
                 {"key": "nature", "name_ko": "자연", "name_en": "Nature"}],
    "goals": [{"n": n, "ko": f"목표{n}", "en": f"Goal {n}"} for n in range(1, 18)],
}


class FakeServices:
    def __init__(self, classified: dict | None = None, register_result: dict | None = None) -> None:
        self.classified = classified
        self.register_result = register_result or {"ok": True, "name": "?"}
        self.registered: list[tuple[Registration, str]] = []
        self.refuse_registration: str | None = None

    def network(self, network_id):
        return NETWORK

    def classify(self, text, network_id):
        assert network_id == 7
        return self.classified

    def clean_contact(self, text, lang):
        if "@" in text:
            return {"email": text, "phone": None}
        digits = "".join(c for c in text if c.isdigit())
        if len(digits) < 9:
            raise Rejected("bad phone" if lang == "en" else "전화번호가 올바르지 않습니다")
        return {"email": None, "phone": "+" + digits if text.startswith("+") else "+82" + digits.lstrip("0")}

    def register(self, reg, signer, consent_text, lang):
        if self.refuse_registration:
            raise Rejected(self.refuse_registration)
        self.registered.append((reg, signer))
        return {**self.register_result, "name": reg.name}


def run(reg, services, *answers):
    prompt = None
    for answer in answers:
        reg, prompt = step(reg, answer, services)
    return reg, prompt


C, T = Answer.choice, Answer.text


def to_activities(services, kind="organisation", lang="en"):
    reg, _prompt = begin(services)
    reg, prompt = run(reg, services, C(f"lang:{lang}"), C(f"kind:{kind}"), T("River Friends"), T("010-2222-3333"))
    if kind == "organisation":
        reg, prompt = step(reg, C("ok:club"), services)
    assert reg.step is Step.ACTIVITIES
    return reg, prompt


def test_a_whole_registration_for_a_group():
    services = FakeServices(classified={"suggested": [6, 15], "scores": {6: 0.9, 15: 0.7}, "clusters": ["nature"]})
    reg, prompt = begin(services)
    assert prompt.step is Step.LANG and [c.value for c in prompt.choices] == ["lang:ko", "lang:en"]
    assert prompt.cancel and not prompt.back
    reg, prompt = run(reg, services, C("lang:en"), C("kind:organisation"))
    assert prompt.text == "What is the name of your organisation or group?" and prompt.expects is Expects.TEXT
    reg, prompt = step(reg, T("  River   Friends "), services)
    assert reg.name == "River Friends" and prompt.expects is Expects.CONTACT
    reg, prompt = step(reg, Answer.contact("+821022113424"), services)
    assert prompt.notes == ("Thank you.",) and prompt.step is Step.ORG_KIND
    reg, prompt = run(reg, services, C("ok:club"), T("We clean the river and teach children about it."))
    assert prompt.step is Step.SDGS and "ticked ones are suggested" in prompt.text
    assert [c.value for c in prompt.choices if c.checked] == ["sdg:6", "sdg:15"]
    reg, prompt = step(reg, C("sdg:15"), services)  # untick: the same question, changed in place
    assert prompt.in_place and [c.value for c in prompt.choices if c.checked] == ["sdg:6"]
    reg, prompt = run(reg, services, C("sdg:13"), C("sdg:done"))
    assert prompt.step is Step.CLUSTER
    assert prompt.choices[0].value == "cl:nature" and prompt.choices[0].suggested  # the suggestion first
    assert "Suggested from your activities: Nature" in prompt.text
    reg, prompt = run(reg, services, C("cl:nature"), C("consent:yes"))
    assert prompt.step is Step.CONFIRM
    assert "Contact: 010-2211-3424" in prompt.text  # shown in the Korean national form
    assert "Signed by: Kim Minji" not in prompt.text
    reg, prompt = step(reg, Answer.choice("confirm:yes", sender_name="Kim Minji"), services)
    assert reg is None and prompt.done and prompt.notes[0].startswith("Welcome, River Friends!")
    registered, signer = services.registered[0]
    assert signer == "Kim Minji"  # a group's pledge is signed by the person who answered
    assert registered.goals == [6, 13] and registered.cluster == "nature" and registered.consent
    assert registered.scores == {6: 0.9, 15: 0.7} and registered.phone == "+821022113424"


def test_an_individual_skips_the_kind_of_group_and_signs_with_its_own_name():
    services = FakeServices()
    reg, prompt = to_activities(services, kind="individual", lang="ko")
    assert prompt.text.startswith("지속가능발전을 위해") and prompt.notes == ("고맙습니다.",)
    reg, prompt = step(reg, T("동네에서 기후 행동 모임을 만들고 싶습니다."), services)
    assert not [c for c in prompt.choices if c.checked]  # no classifier: nothing pre-ticked
    reg, prompt = run(reg, services, C("sdg:13"), C("sdg:done"), C("cl:none"), C("consent:yes"))
    assert reg.cluster is None and reg.org_kind == "individual"
    reg, prompt = step(reg, Answer.choice("confirm:yes", sender_name="Telegram Name"), services)
    assert services.registered[0][1] == "River Friends"


@pytest.mark.parametrize("forged", ["sdg:99", "sdg:0", "sdg:-1", "sdg:abc", "sdg:", "sdg:1.5", "sdg:" + "9" * 40,
                                    "lang:ko", "cl:nature", "", "x" * 300])
def test_a_forged_or_stale_button_does_not_enter_the_state(forged):
    services = FakeServices()
    reg, _prompt = to_activities(services)
    reg, _prompt = step(reg, T("We clean the river and teach children about it."), services)
    before = reg.to_json()
    after, prompt = step(reg, C(forged), services)
    assert after.to_json() == before
    assert prompt.notes == ("Sorry, that is not an answer to this question.",)
    assert prompt.step is Step.SDGS and not prompt.in_place  # the question again


def test_refused_answers_say_why_and_ask_again():
    services = FakeServices()
    reg, _prompt = begin(services)
    reg, prompt = run(reg, services, C("lang:en"), C("kind:organisation"))
    for bad in ["", "   ", "<b>x</b>", "a" * 101, "tab\x07bell"]:
        same, prompt = step(reg, T(bad), services)
        assert same.step is Step.NAME and prompt.step is Step.NAME
        assert "1 to 100 characters" in prompt.notes[0]
    reg, prompt = step(reg, T("River Friends"), services)
    same, prompt = step(reg, T("no phone"), services)
    assert prompt.notes == ("bad phone",) and same.phone is None and prompt.step is Step.CONTACT
    same, prompt = step(reg, Answer.contact("+821099998888", own=False), services)
    assert "your own phone number" in prompt.notes[0] and same.phone is None
    same, prompt = step(reg, C("kind:individual"), services)  # a button where text is expected
    assert prompt.notes == ("Sorry, that is not an answer to this question.",)
    same, prompt = step(reg, Answer(AnswerKind.OTHER), services)  # a photo
    assert prompt.notes == ("Sorry, that is not an answer to this question.",)
    reg, prompt = run(reg, services, T("a@example.org"), C("ok:club"))
    same, prompt = step(reg, T("too short"), services)
    assert "10 to 2000" in prompt.notes[0] and same.activities == ""
    reg, prompt = run(reg, services, T("We clean the river and teach children about it."))
    same, prompt = step(reg, C("sdg:done"), services)
    assert prompt.notes == ("Please tick at least one SDG.",) and same.step is Step.SDGS


def test_back_returns_to_the_previous_question_with_answers_kept():
    services = FakeServices()
    reg, _prompt = to_activities(services)
    assert reg.history == [Step.LANG, Step.KIND, Step.NAME, Step.CONTACT, Step.ORG_KIND]
    reg, prompt = step(reg, Answer.back(), services)
    assert prompt.step is Step.ORG_KIND and reg.org_kind == "club"
    reg, prompt = run(reg, services, Answer.back(), Answer.back())
    assert prompt.step is Step.NAME and reg.name == "River Friends"
    reg, prompt = run(reg, services, Answer.back(), Answer.back(), Answer.back(), Answer.back())
    assert prompt.step is Step.LANG and reg.history == []  # back at the start stays there


def test_cancel_and_refused_consent_end_with_nothing_kept():
    services = FakeServices()
    reg, _prompt = to_activities(services)
    ended, prompt = step(reg, Answer.cancel(), services)
    assert ended is None and prompt.done and "nothing was kept" in prompt.notes[0]
    reg, _prompt = run(reg, services, T("We clean the river and teach children about it."), C("sdg:6"),
                       C("sdg:done"), C("cl:none"))
    ended, prompt = step(reg, C("consent:no"), services)
    assert ended is None and "Without your consent" in prompt.notes[0]
    assert services.registered == []


def test_a_refused_registration_stays_on_the_summary_and_an_existing_member_ends_it():
    services = FakeServices()
    reg, _prompt = to_activities(services)
    reg, prompt = run(reg, services, T("We clean the river and teach children about it."), C("sdg:6"),
                      C("sdg:done"), C("cl:none"), C("consent:yes"))
    services.refuse_registration = "This network is closed."
    same, prompt = step(reg, C("confirm:yes"), services)
    assert same.step is Step.CONFIRM and prompt.notes == ("This network is closed.",)
    services.refuse_registration, services.register_result = None, {"ok": False}
    ended, prompt = step(same, C("confirm:yes"), services)
    assert ended is None and "already registered" in prompt.notes[0]


def test_step_does_not_change_the_state_it_was_given_and_the_state_round_trips_through_json():
    services = FakeServices(classified={"suggested": [2], "scores": {2: 0.5}, "clusters": ["jobs", "nature"]})
    reg, _prompt = to_activities(services)
    reg, _prompt = step(reg, T("We run a food bank and a community kitchen."), services)
    snapshot = reg.to_json()
    step(reg, C("sdg:3"), services)
    assert reg.to_json() == snapshot
    import json

    again = Registration.from_json(json.loads(json.dumps(snapshot)))
    assert again == reg and again.scores == {2: 0.5} and again.step is Step.SDGS
    with pytest.raises(ValueError):
        Registration.from_json({**snapshot, "step": "nonsense"})


def test_the_core_needs_no_telegram():
    code = "import sys, bots.flow; assert not [m for m in sys.modules if m.startswith('telegram')], 'telegram'"
    subprocess.run([sys.executable, "-c", code], check=True)
