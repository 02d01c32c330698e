"""/start: registration by chat, step by step, with back and cancel at every step.

language → individual or organisation → name → contact → (organisation: kind) → activities →
SDGs (classifier's suggestions pre-ticked) → cluster → consent → summary → register + pledge.
The state lives in the database (``persistence.py``), so a restart does not lose a half-done
registration; ``app.sweep_idle`` reminds a silent user once and drops the registration later.
"""
from __future__ import annotations

import re
import time
import warnings
from collections.abc import Awaitable, Callable
from functools import wraps

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup,
                      ReplyKeyboardRemove, Update)
from telegram.ext import (CallbackQueryHandler, CommandHandler, ContextTypes, ConversationHandler,
                          MessageHandler, filters)
from telegram.warnings import PTBUserWarning

from . import actions
from .dbcall import ServiceError, call
from .texts import t

LANG, KIND, NAME, CONTACT, ORG_KIND, ACTIVITIES, SDGS, CLUSTER, CONSENT, CONFIRM = range(10)
END = ConversationHandler.END
ORG_KINDS = ["ngo", "cooperative", "social_enterprise", "company", "school", "public_body", "village_group", "club"]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f<>]")

Handler = Callable[[Update, ContextTypes.DEFAULT_TYPE], Awaitable[int]]


def lang_of(context: ContextTypes.DEFAULT_TYPE) -> str:
    return context.user_data.get("lang", "ko") if context.user_data is not None else "ko"


def kind_label(lang: str, kind: str) -> str:
    return {
        "ngo": t(lang, "Civic group / NGO"), "cooperative": t(lang, "Cooperative"),
        "social_enterprise": t(lang, "Social enterprise"), "company": t(lang, "Company"),
        "school": t(lang, "School"), "public_body": t(lang, "Public body"),
        "village_group": t(lang, "Village group"), "club": t(lang, "Club or society"),
        "individual": t(lang, "Individual citizen"),
    }.get(kind, kind)


def nav_row(lang: str) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(t(lang, "◀ Back"), callback_data="nav:back"),
            InlineKeyboardButton(t(lang, "✖ Cancel"), callback_data="nav:cancel")]


def consent_text(lang: str) -> str:
    return t(lang, "Purpose of the personal data: the sustainable development council keeps your name, contact "
                   "and Telegram chat to register you in the citizen practice network, to send you meeting notices "
                   "and reminders, and to seat you at the meeting. Only the council's organisers see them. They are "
                   "kept until you delete them with /delete.")


async def _send(update: Update, text: str, markup=None) -> None:
    await update.effective_chat.send_message(text, reply_markup=markup)


# --- the questions -------------------------------------------------------------------------

async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE, state: int, *, edit: bool = False) -> int:
    """Send the question of ``state`` (also used after 'back' and after an invalid answer)."""
    lang, reg = lang_of(context), context.user_data.setdefault("reg", {})
    reg["state"] = state
    nav = nav_row(lang)
    if state == LANG:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("한국어", callback_data="lang:ko"),
                                        InlineKeyboardButton("English", callback_data="lang:en")],
                                       [InlineKeyboardButton(t(lang, "✖ Cancel"), callback_data="nav:cancel")]])
        await _send(update, "언어를 고르세요. / Please choose your language.", markup)
    elif state == KIND:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "Individual citizen"), callback_data="kind:individual")],
                                       [InlineKeyboardButton(t(lang, "Organisation or group"), callback_data="kind:organisation")],
                                       nav])
        await _send(update, t(lang, "Do you register as an individual citizen or for an organisation or group?"), markup)
    elif state == NAME:
        question = (t(lang, "What is your name?") if reg.get("kind") == "individual"
                    else t(lang, "What is the name of your organisation or group?"))
        await _send(update, question, InlineKeyboardMarkup([nav]))
    elif state == CONTACT:
        markup = ReplyKeyboardMarkup([[KeyboardButton(t(lang, "📱 Share my phone number"), request_contact=True)],
                                      [t(lang, "◀ Back"), t(lang, "✖ Cancel")]],
                                     resize_keyboard=True, one_time_keyboard=True)
        await _send(update, t(lang, "How can the council reach you? Share your phone number with the button below, "
                                    "or type a phone number or an e-mail address."), markup)
    elif state == ORG_KIND:
        rows = [[InlineKeyboardButton(kind_label(lang, k), callback_data=f"ok:{k}")] for k in ORG_KINDS]
        await _send(update, t(lang, "What kind of group is it?"), InlineKeyboardMarkup(rows + [nav]))
    elif state == ACTIVITIES:
        question = (t(lang, "In a few sentences: what do you do, or want to do, for sustainable development?")
                    if reg.get("kind") == "individual"
                    else t(lang, "In a few sentences: what are your group's main activities?"))
        await _send(update, question, InlineKeyboardMarkup([nav]))
    elif state == SDGS:
        text, markup = await sdg_keyboard(context)
        await _send(update, text, markup)
    elif state == CLUSTER:
        info = await network(context)
        suggested = [k for k in reg.get("cluster_suggestions", []) if any(c["key"] == k for c in info["clusters"])]
        order = suggested[:1] + [c["key"] for c in info["clusters"] if c["key"] not in suggested[:1]]
        names = {c["key"]: c["name_en"] if lang == "en" else c["name_ko"] for c in info["clusters"]}
        rows = [[InlineKeyboardButton(("⭐ " if i == 0 and suggested else "") + names[k], callback_data=f"cl:{k}")]
                for i, k in enumerate(order)]
        rows.append([InlineKeyboardButton(t(lang, "Not sure yet"), callback_data="cl:none")])
        text = t(lang, "Which thematic cluster would you like to join for the breakout meetings?")
        if suggested:
            text += "\n" + t(lang, "Suggested from your activities: %(name)s (⭐).", name=names[suggested[0]])
        await _send(update, text, InlineKeyboardMarkup(rows + [nav]))
    elif state == CONSENT:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "I agree"), callback_data="consent:yes"),
                                        InlineKeyboardButton(t(lang, "I do not agree"), callback_data="consent:no")],
                                       nav])
        await _send(update, consent_text(lang) + "\n\n" + t(lang, "Do you agree?"), markup)
    elif state == CONFIRM:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "✅ Register and sign the pledge"),
                                                             callback_data="confirm:yes")], nav])
        await _send(update, await summary(update, context), markup)
    return state


async def network(context: ContextTypes.DEFAULT_TYPE) -> dict:
    reg = context.user_data.setdefault("reg", {})
    return await call(context.application.bot_data["flask_app"], actions.network_info, reg.get("network_id"))


async def sdg_keyboard(context: ContextTypes.DEFAULT_TYPE) -> tuple[str, InlineKeyboardMarkup]:
    lang, reg = lang_of(context), context.user_data["reg"]
    info = await network(context)
    chosen = set(reg.get("goals", []))
    buttons = [InlineKeyboardButton(f"{'✅' if g['n'] in chosen else '⬜'} {g['n']} {g['en'] if lang == 'en' else g['ko']}",
                                    callback_data=f"sdg:{g['n']}") for g in info["goals"]]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(t(lang, "Done ▶"), callback_data="sdg:done")])
    rows.append(nav_row(lang))
    if reg.get("scores"):
        text = t(lang, "Which SDGs does this work serve? The ticked ones are suggested from what you wrote; tap to "
                       "change, then press Done.")
    else:
        text = t(lang, "Which SDGs does this work serve? Tap to tick them, then press Done.")
    return text, InlineKeyboardMarkup(rows)


async def summary(update: Update, context: ContextTypes.DEFAULT_TYPE) -> str:
    lang, reg = lang_of(context), context.user_data["reg"]
    info = await network(context)
    cluster = next((c for c in info["clusters"] if c["key"] == reg.get("cluster")), None)
    lines = [t(lang, "Please check:"),
             t(lang, "Name: %(v)s", v=reg.get("name", "")),
             t(lang, "Kind: %(v)s", v=kind_label(lang, reg.get("org_kind") or "individual")),
             t(lang, "Contact: %(v)s", v=reg.get("email") or reg.get("phone") or ""),
             t(lang, "Activities: %(v)s", v=reg.get("activities", "")),
             t(lang, "SDGs: %(v)s", v=", ".join(str(n) for n in sorted(reg.get("goals", [])))),
             t(lang, "Cluster: %(v)s", v=(cluster["name_en"] if lang == "en" else cluster["name_ko"]) if cluster
               else t(lang, "not chosen yet")),
             t(lang, "Signed by: %(v)s", v=signer(update, reg)),
             "", t(lang, "The network pledge:"), info["pledge_en"] if lang == "en" else info["pledge_ko"]]
    return "\n".join(lines)


def signer(update: Update, reg: dict) -> str:
    if reg.get("kind") == "individual":
        return reg.get("name", "")
    return (update.effective_user.full_name if update.effective_user else "") or reg.get("name", "")


# --- moving between steps ------------------------------------------------------------------

def step(fn: Handler) -> Handler:
    """Common to every step: the registration must still exist (not dropped after silence)."""
    @wraps(fn)
    async def wrapper(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        if update.callback_query:
            await update.callback_query.answer()
        reg = context.user_data.get("reg")
        if not reg:
            await _send(update, t(lang_of(context), "This registration was stopped after a long silence. "
                                                    "Send /start to begin again."), ReplyKeyboardRemove())
            return END
        reg["at"] = time.time()
        reg.pop("reminded", None)
        return await fn(update, context)
    return wrapper


async def go(update: Update, context: ContextTypes.DEFAULT_TYPE, current: int, nxt: int) -> int:
    context.user_data["reg"].setdefault("history", []).append(current)
    return await ask(update, context, nxt)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """/start [token]: link by deep link, greet a known member, or begin registering."""
    app = context.application.bot_data["flask_app"]
    chat_id = update.effective_chat.id
    lang = lang_of(context)
    if context.args:
        try:
            result = await call(app, actions.use_link_token, chat_id, context.args[0][:64], lang, lang=lang)
        except ServiceError as exc:
            await _send(update, exc.message)
            return END
        if result["kind"] == "linked":
            context.user_data["lang"] = lang = result["language"]
            await _send(update, t(lang, "Your Telegram is now linked to %(name)s. You will get the network's "
                                        "notices here. /help shows what I can do.", name=result["name"]))
            return END
        context.user_data["reg"] = {"network_id": result["network_id"], "at": time.time(), "invited": True}
        return await ask(update, context, LANG)
    profile = await call(app, actions.chat_profile, chat_id)
    if profile:
        if not profile["subscribed"]:
            await call(app, actions.set_subscribed, chat_id, True)
        await _send(update, t(lang, "You are registered as %(name)s and will get the network's notices. "
                                    "/help shows what I can do.", name=profile["name"]))
        return END
    context.user_data["reg"] = {"at": time.time()}
    return await ask(update, context, LANG)


@step
async def on_lang(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = update.callback_query.data.split(":", 1)[1]
    context.user_data["lang"] = lang if lang in ("ko", "en") else "ko"
    context.user_data["reg"]["lang"] = context.user_data["lang"]
    return await go(update, context, LANG, KIND)


@step
async def on_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    kind = update.callback_query.data.split(":", 1)[1]
    context.user_data["reg"]["kind"] = "individual" if kind == "individual" else "organisation"
    if kind == "individual":
        context.user_data["reg"]["org_kind"] = "individual"
    return await go(update, context, KIND, NAME)


@step
async def on_name(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang, name = lang_of(context), " ".join((update.message.text or "").split())
    if not name or len(name) > 100 or _CONTROL.search(name):
        await _send(update, t(lang, "Please type a name of 1 to 100 characters, without < or >."))
        return await ask(update, context, NAME)
    context.user_data["reg"]["name"] = name
    return await go(update, context, NAME, CONTACT)


async def _after_contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang, reg = lang_of(context), context.user_data["reg"]
    await _send(update, t(lang, "Thank you."), ReplyKeyboardRemove())
    return await go(update, context, CONTACT, ORG_KIND if reg.get("kind") == "organisation" else ACTIVITIES)


@step
async def on_contact_shared(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang, contact = lang_of(context), update.message.contact
    if contact.user_id and update.effective_user and contact.user_id != update.effective_user.id:
        await _send(update, t(lang, "Please share your own phone number, not someone else's."))
        return await ask(update, context, CONTACT)
    digits = re.sub(r"\D", "", contact.phone_number or "")
    phone = "+" + digits if digits.startswith("82") else digits
    return await _checked_contact(update, context, phone)


@step
async def on_contact_typed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang, text = lang_of(context), (update.message.text or "").strip()
    if text == t(lang, "◀ Back"):
        await _send(update, "↩", ReplyKeyboardRemove())
        return await back(update, context)
    if text == t(lang, "✖ Cancel"):
        return await cancel(update, context)
    return await _checked_contact(update, context, text)


async def _checked_contact(update: Update, context: ContextTypes.DEFAULT_TYPE, text: str) -> int:
    lang = lang_of(context)
    try:
        contact = await call(context.application.bot_data["flask_app"], actions.clean_contact, text, lang=lang)
    except ServiceError as exc:
        await _send(update, exc.message)
        return await ask(update, context, CONTACT)
    context.user_data["reg"].update(contact)
    return await _after_contact(update, context)


@step
async def on_org_kind(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    kind = update.callback_query.data.split(":", 1)[1]
    if kind not in ORG_KINDS:
        return await ask(update, context, ORG_KIND)
    context.user_data["reg"]["org_kind"] = kind
    return await go(update, context, ORG_KIND, ACTIVITIES)


@step
async def on_activities(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang, text = lang_of(context), (update.message.text or "").strip()
    if len(text) < 10 or len(text) > 2000 or _CONTROL.search(text.replace("\n", " ")):
        await _send(update, t(lang, "Please describe it in 10 to 2000 characters, without < or >."))
        return await ask(update, context, ACTIVITIES)
    reg = context.user_data["reg"]
    reg["activities"] = text
    await update.effective_chat.send_action("typing")
    info = await network(context)
    result = await call(context.application.bot_data["flask_app"], actions.classify, text, info["id"])
    if result:
        reg["goals"], reg["scores"] = list(result["suggested"]), {str(k): v for k, v in result["scores"].items()}
        reg["cluster_suggestions"] = result["clusters"][:3]
    else:
        reg["goals"], reg["scores"], reg["cluster_suggestions"] = [], {}, []
    return await go(update, context, ACTIVITIES, SDGS)


@step
async def on_sdg(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang, reg, value = lang_of(context), context.user_data["reg"], update.callback_query.data.split(":", 1)[1]
    if value == "done":
        if not reg.get("goals"):
            await _send(update, t(lang, "Please tick at least one SDG."))
            return await ask(update, context, SDGS)
        return await go(update, context, SDGS, CLUSTER)
    number = int(value)
    goals = set(reg.get("goals", []))
    goals ^= {number}
    reg["goals"] = sorted(goals)
    text, markup = await sdg_keyboard(context)
    await update.callback_query.edit_message_text(text, reply_markup=markup)
    return SDGS


@step
async def on_cluster(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    key = update.callback_query.data.split(":", 1)[1]
    context.user_data["reg"]["cluster"] = None if key == "none" else key
    return await go(update, context, CLUSTER, CONSENT)


@step
async def on_consent(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang = lang_of(context)
    if update.callback_query.data != "consent:yes":
        context.user_data.pop("reg", None)
        await _send(update, t(lang, "Without your consent we cannot register you, and nothing was kept. "
                                    "Send /start whenever you change your mind."))
        return END
    context.user_data["reg"]["consent"] = True
    return await go(update, context, CONSENT, CONFIRM)


@step
async def on_confirm(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    lang, reg = lang_of(context), context.user_data["reg"]
    app = context.application.bot_data["flask_app"]
    try:
        result = await call(app, actions.complete_registration, update.effective_chat.id, reg,
                            signer(update, reg), consent_text(lang), lang=lang)
    except ServiceError as exc:
        await _send(update, exc.message)
        return await ask(update, context, CONFIRM)
    context.user_data.pop("reg", None)
    if not result["ok"]:
        await _send(update, t(lang, "A member with this name and contact is already registered. To receive its "
                                    "notices here, ask the organisers for a Telegram link."))
        return END
    await _send(update, t(lang, "Welcome, %(name)s! You are registered and have signed the network pledge. "
                                "/meetings shows the coming meetings; /help shows everything else.",
                          name=result["name"]))
    return END


@step
async def invalid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """An answer that does not fit the question: say so and ask the same question again."""
    await _send(update, t(lang_of(context), "Sorry, that is not an answer to this question."))
    return await ask(update, context, context.user_data["reg"].get("state", LANG))


async def back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.callback_query:
        await update.callback_query.answer()
    reg = context.user_data.get("reg")
    if not reg:
        return END
    history = reg.setdefault("history", [])
    previous = history.pop() if history else LANG
    return await ask(update, context, previous)


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    if update.callback_query:
        await update.callback_query.answer()
    context.user_data.pop("reg", None)
    await _send(update, t(lang_of(context), "Registration cancelled; nothing was kept. Send /start to begin again."),
                ReplyKeyboardRemove())
    return END


def build_handler() -> ConversationHandler:
    text = filters.TEXT & ~filters.COMMAND
    wrong = [MessageHandler(filters.ALL & ~filters.COMMAND, invalid),
             CallbackQueryHandler(invalid, pattern=r"^(?!nav:|mt:|del:)")]
    with warnings.catch_warnings():  # per_message=False with CallbackQueryHandlers is intended here
        warnings.simplefilter("ignore", PTBUserWarning)
        return ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={
                LANG: [CallbackQueryHandler(on_lang, pattern=r"^lang:(ko|en)$"), *wrong],
                KIND: [CallbackQueryHandler(on_kind, pattern=r"^kind:(individual|organisation)$"), *wrong],
                NAME: [MessageHandler(text, on_name), *wrong],
                CONTACT: [MessageHandler(filters.CONTACT, on_contact_shared), MessageHandler(text, on_contact_typed),
                          *wrong],
                ORG_KIND: [CallbackQueryHandler(on_org_kind, pattern=r"^ok:"), *wrong],
                ACTIVITIES: [MessageHandler(text, on_activities), *wrong],
                SDGS: [CallbackQueryHandler(on_sdg, pattern=r"^sdg:(\d{1,2}|done)$"), *wrong],
                CLUSTER: [CallbackQueryHandler(on_cluster, pattern=r"^cl:"), *wrong],
                CONSENT: [CallbackQueryHandler(on_consent, pattern=r"^consent:(yes|no)$"), *wrong],
                CONFIRM: [CallbackQueryHandler(on_confirm, pattern=r"^confirm:yes$"), *wrong],
            },
            fallbacks=[CommandHandler("cancel", cancel), CommandHandler("back", back),
                       CallbackQueryHandler(back, pattern=r"^nav:back$"),
                       CallbackQueryHandler(cancel, pattern=r"^nav:cancel$")],
            name="registration", persistent=True, allow_reentry=True,
        )
