"""The registration's questions (one function each) and how an answer moves it on."""
from __future__ import annotations

from dataclasses import replace

from ..formats import display_phone
from ..texts import t
from .types import (ACTIVITIES_MAX, ACTIVITIES_MIN, CONTROL_CHARS, LANGUAGES, NAME_MAX, ORG_KINDS, Answer,
                    AnswerKind, Choice, Expects, Prompt, Registration, Rejected, Services, Step)

Outcome = tuple[Registration | None, Prompt]


# --- texts shared with the renderers and commands -------------------------------------------

def kind_label(lang: str, kind: str) -> str:
    return {
        "ngo": t(lang, "Civic group / NGO"), "cooperative": t(lang, "Cooperative"),
        "social_enterprise": t(lang, "Social enterprise"), "company": t(lang, "Company"),
        "school": t(lang, "School"), "public_body": t(lang, "Public body"),
        "village_group": t(lang, "Village group"), "club": t(lang, "Club or society"),
        "individual": t(lang, "Individual citizen"),
    }.get(kind, kind)


def consent_text(lang: str) -> str:
    return t(lang, "Purpose of the personal data: the sustainable development council keeps your name, contact "
                   "and Telegram chat to register you in the citizen practice network, to send you meeting notices "
                   "and reminders, and to seat you at the meeting. Only the council's organisers see them. They are "
                   "kept until you delete them with /delete.")


def _name(item: dict, lang: str) -> str:
    return item["name_en"] if lang == "en" else item["name_ko"]


# --- one function per question ----------------------------------------------------------------

def _ask_lang(reg: Registration, services: Services, sender_name: str) -> Prompt:
    return Prompt(Step.LANG, "언어를 고르세요. / Please choose your language.",
                  (Choice("lang:ko", "한국어"), Choice("lang:en", "English")), columns=2, cancel=True)


def _ask_kind(reg: Registration, services: Services, sender_name: str) -> Prompt:
    lang = reg.lang
    return Prompt(Step.KIND, t(lang, "Do you register as an individual citizen or for an organisation or group?"),
                  (Choice("kind:individual", t(lang, "Individual citizen")),
                   Choice("kind:organisation", t(lang, "Organisation or group"))), back=True, cancel=True)


def _ask_name(reg: Registration, services: Services, sender_name: str) -> Prompt:
    question = (t(reg.lang, "What is your name?") if reg.individual
                else t(reg.lang, "What is the name of your organisation or group?"))
    return Prompt(Step.NAME, question, expects=Expects.TEXT, back=True, cancel=True)


def _ask_contact(reg: Registration, services: Services, sender_name: str) -> Prompt:
    return Prompt(Step.CONTACT, t(reg.lang, "How can the council reach you? Share your phone number with the button "
                                            "below, or type a phone number or an e-mail address."),
                  expects=Expects.CONTACT, back=True, cancel=True)


def _ask_org_kind(reg: Registration, services: Services, sender_name: str) -> Prompt:
    return Prompt(Step.ORG_KIND, t(reg.lang, "What kind of group is it?"),
                  tuple(Choice(f"ok:{k}", kind_label(reg.lang, k)) for k in ORG_KINDS), back=True, cancel=True)


def _ask_activities(reg: Registration, services: Services, sender_name: str) -> Prompt:
    question = (t(reg.lang, "In a few sentences: what do you do, or want to do, for sustainable development?")
                if reg.individual else t(reg.lang, "In a few sentences: what are your group's main activities?"))
    return Prompt(Step.ACTIVITIES, question, expects=Expects.TEXT, back=True, cancel=True)


def _ask_sdgs(reg: Registration, services: Services, sender_name: str) -> Prompt:
    lang, chosen = reg.lang, set(reg.goals)
    goals = services.network(reg.network_id)["goals"]
    choices = [Choice(f"sdg:{g['n']}", f"{g['n']} {g['en'] if lang == 'en' else g['ko']}", checked=g["n"] in chosen)
               for g in goals]
    choices.append(Choice("sdg:done", t(lang, "Done ▶")))
    if reg.scores:
        text = t(lang, "Which SDGs does this work serve? The ticked ones are suggested from what you wrote; tap to "
                       "change, then press Done.")
    else:
        text = t(lang, "Which SDGs does this work serve? Tap to tick them, then press Done.")
    return Prompt(Step.SDGS, text, tuple(choices), columns=2, back=True, cancel=True)


def _ask_cluster(reg: Registration, services: Services, sender_name: str) -> Prompt:
    lang, clusters = reg.lang, services.network(reg.network_id)["clusters"]
    keys = [c["key"] for c in clusters]
    suggested = next((k for k in reg.cluster_suggestions if k in keys), None)
    order = ([suggested] if suggested else []) + [k for k in keys if k != suggested]
    names = {c["key"]: _name(c, lang) for c in clusters}
    choices = [Choice(f"cl:{k}", names[k], suggested=k == suggested) for k in order]
    choices.append(Choice("cl:none", t(lang, "Not sure yet")))
    text = t(lang, "Which thematic cluster would you like to join for the breakout meetings?")
    if suggested:
        text += "\n" + t(lang, "Suggested from your activities: %(name)s (⭐).", name=names[suggested])
    return Prompt(Step.CLUSTER, text, tuple(choices), back=True, cancel=True)


def _ask_consent(reg: Registration, services: Services, sender_name: str) -> Prompt:
    lang = reg.lang
    return Prompt(Step.CONSENT, consent_text(lang) + "\n\n" + t(lang, "Do you agree?"),
                  (Choice("consent:yes", t(lang, "I agree")), Choice("consent:no", t(lang, "I do not agree"))),
                  columns=2, back=True, cancel=True)


def _ask_confirm(reg: Registration, services: Services, sender_name: str) -> Prompt:
    lang, info = reg.lang, services.network(reg.network_id)
    cluster = next((c for c in info["clusters"] if c["key"] == reg.cluster), None)
    lines = [t(lang, "Please check:"),
             t(lang, "Name: %(v)s", v=reg.name),
             t(lang, "Kind: %(v)s", v=kind_label(lang, reg.org_kind or "individual")),
             t(lang, "Contact: %(v)s", v=reg.email or display_phone(reg.phone) or ""),
             t(lang, "Activities: %(v)s", v=reg.activities),
             t(lang, "SDGs: %(v)s", v=", ".join(str(n) for n in sorted(reg.goals))),
             t(lang, "Cluster: %(v)s", v=_name(cluster, lang) if cluster else t(lang, "not chosen yet")),
             t(lang, "Signed by: %(v)s", v=reg.signer(sender_name)),
             "", t(lang, "The network pledge:"), info["pledge_en"] if lang == "en" else info["pledge_ko"]]
    return Prompt(Step.CONFIRM, "\n".join(lines),
                  (Choice("confirm:yes", t(lang, "✅ Register and sign the pledge")),), back=True, cancel=True)


QUESTIONS = {Step.LANG: _ask_lang, Step.KIND: _ask_kind, Step.NAME: _ask_name, Step.CONTACT: _ask_contact,
             Step.ORG_KIND: _ask_org_kind, Step.ACTIVITIES: _ask_activities, Step.SDGS: _ask_sdgs,
             Step.CLUSTER: _ask_cluster, Step.CONSENT: _ask_consent, Step.CONFIRM: _ask_confirm}


def ask(reg: Registration, services: Services, sender_name: str = "", *, notes: tuple[str, ...] = (),
        in_place: bool = False) -> Prompt:
    """The question of ``reg.step`` (also after 'back', after a refused answer and to remind)."""
    return replace(QUESTIONS[reg.step](reg, services, sender_name), notes=notes, in_place=in_place)


# --- moving between steps ---------------------------------------------------------------------

def begin(services: Services, *, network_id: int | None = None, lang: str = "ko") -> tuple[Registration, Prompt]:
    reg = Registration(network_id=network_id, lang=lang if lang in LANGUAGES else "ko")
    return reg, ask(reg, services)


def _advance(reg: Registration, nxt: Step, services: Services, answer: Answer,
             notes: tuple[str, ...] = ()) -> tuple[Registration, Prompt]:
    reg.history.append(reg.step)
    reg.step = nxt
    return reg, ask(reg, services, answer.sender_name, notes=notes)


def _again(reg: Registration, services: Services, answer: Answer, note: str) -> tuple[Registration, Prompt]:
    return reg, ask(reg, services, answer.sender_name, notes=(note,))


def _end(*notes: str) -> tuple[None, Prompt]:
    return None, Prompt(None, notes=notes)


def step(state: Registration, answer: Answer, services: Services) -> tuple[Registration | None, Prompt]:
    """Apply one answer. Returns the new state (None: the registration ended) and what to say.

    ``state`` is not modified; a refused answer returns the same question with a note saying why.
    """
    reg = Registration.from_json(state.to_json())
    lang = reg.lang
    if answer.kind is AnswerKind.CANCEL:
        return _end(t(lang, "Registration cancelled; nothing was kept. Send /start to begin again."))
    if answer.kind is AnswerKind.BACK:
        reg.step = reg.history.pop() if reg.history else Step.LANG
        return reg, ask(reg, services, answer.sender_name)
    current = ask(reg, services, answer.sender_name)
    wrong = t(lang, "Sorry, that is not an answer to this question.")
    if current.expects is Expects.CHOICE:
        # Only the buttons of this question: a stale button of an earlier one, or forged data, is refused.
        if answer.kind is not AnswerKind.CHOICE or not current.accepts(answer.value):
            return _again(reg, services, answer, wrong)
    elif current.expects is Expects.TEXT and answer.kind is not AnswerKind.TEXT:
        return _again(reg, services, answer, wrong)
    elif current.expects is Expects.CONTACT and answer.kind not in (AnswerKind.TEXT, AnswerKind.CONTACT):
        return _again(reg, services, answer, wrong)
    return ANSWERS[reg.step](reg, answer, services)


def _on_lang(reg: Registration, answer: Answer, services: Services) -> Outcome:
    reg.lang = answer.value.split(":", 1)[1]
    return _advance(reg, Step.KIND, services, answer)


def _on_kind(reg: Registration, answer: Answer, services: Services) -> Outcome:
    reg.kind = answer.value.split(":", 1)[1]
    reg.org_kind = "individual" if reg.individual else None
    return _advance(reg, Step.NAME, services, answer)


def _on_name(reg: Registration, answer: Answer, services: Services) -> Outcome:
    name = " ".join(answer.value.split())
    if not name or len(name) > NAME_MAX or CONTROL_CHARS.search(name):
        return _again(reg, services, answer, t(reg.lang, "Please type a name of 1 to 100 characters, without < or >."))
    reg.name = name
    return _advance(reg, Step.CONTACT, services, answer)


def _on_contact(reg: Registration, answer: Answer, services: Services) -> Outcome:
    lang = reg.lang
    if answer.kind is AnswerKind.CONTACT and not answer.own:
        return _again(reg, services, answer, t(lang, "Please share your own phone number, not someone else's."))
    try:
        contact = services.clean_contact(answer.value.strip(), lang)
    except Rejected as exc:
        return _again(reg, services, answer, exc.message)
    reg.email, reg.phone = contact.get("email"), contact.get("phone")
    nxt = Step.ACTIVITIES if reg.individual else Step.ORG_KIND
    return _advance(reg, nxt, services, answer, notes=(t(lang, "Thank you."),))


def _on_org_kind(reg: Registration, answer: Answer, services: Services) -> Outcome:
    reg.org_kind = answer.value.split(":", 1)[1]
    return _advance(reg, Step.ACTIVITIES, services, answer)


def _on_activities(reg: Registration, answer: Answer, services: Services) -> Outcome:
    text = answer.value.strip()
    if not ACTIVITIES_MIN <= len(text) <= ACTIVITIES_MAX or CONTROL_CHARS.search(text.replace("\n", " ")):
        return _again(reg, services, answer,
                      t(reg.lang, "Please describe it in 10 to 2000 characters, without < or >."))
    reg.activities = text
    result = services.classify(text, services.network(reg.network_id)["id"])
    if result:
        reg.goals = [int(g) for g in result["suggested"]]
        reg.scores = {int(k): float(v) for k, v in result["scores"].items()}
        reg.cluster_suggestions = list(result["clusters"][:3])
    else:
        reg.goals, reg.scores, reg.cluster_suggestions = [], {}, []
    return _advance(reg, Step.SDGS, services, answer)


def _on_sdg(reg: Registration, answer: Answer, services: Services) -> Outcome:
    value = answer.value.split(":", 1)[1]
    if value == "done":
        if not reg.goals:
            return _again(reg, services, answer, t(reg.lang, "Please tick at least one SDG."))
        return _advance(reg, Step.CLUSTER, services, answer)
    reg.goals = sorted(set(reg.goals) ^ {int(value)})
    return reg, ask(reg, services, answer.sender_name, in_place=True)


def _on_cluster(reg: Registration, answer: Answer, services: Services) -> Outcome:
    key = answer.value.split(":", 1)[1]
    reg.cluster = None if key == "none" else key
    return _advance(reg, Step.CONSENT, services, answer)


def _on_consent(reg: Registration, answer: Answer, services: Services) -> Outcome:
    if answer.value != "consent:yes":
        return _end(t(reg.lang, "Without your consent we cannot register you, and nothing was kept. "
                                "Send /start whenever you change your mind."))
    reg.consent = True
    return _advance(reg, Step.CONFIRM, services, answer)


def _on_confirm(reg: Registration, answer: Answer, services: Services) -> Outcome:
    lang = reg.lang
    try:
        result = services.register(reg, reg.signer(answer.sender_name), consent_text(lang), lang)
    except Rejected as exc:
        return _again(reg, services, answer, exc.message)
    if not result["ok"]:
        return _end(t(lang, "A member with this name and contact is already registered. To receive its "
                            "notices here, ask the organisers for a Telegram link."))
    return _end(t(lang, "Welcome, %(name)s! You are registered and have signed the network pledge. "
                        "/meetings shows the coming meetings; /help shows everything else.", name=result["name"]))


ANSWERS = {Step.LANG: _on_lang, Step.KIND: _on_kind, Step.NAME: _on_name, Step.CONTACT: _on_contact,
           Step.ORG_KIND: _on_org_kind, Step.ACTIVITIES: _on_activities, Step.SDGS: _on_sdg,
           Step.CLUSTER: _on_cluster, Step.CONSENT: _on_consent, Step.CONFIRM: _on_confirm}
