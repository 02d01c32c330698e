"""/start and the registration's answers on Telegram: PTB handlers around the flow core.

The flow itself is ``bots/flow/`` (no Telegram in it); its state lives in the database
(``bots/store.py``) and is read fresh for every answer, so a restarted process, a standby poller
taking over or a second webhook instance carries on where the user was. ``app.sweep_idle`` reminds
a silent user once and drops the registration later.
"""
from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes, MessageHandler, filters

from civicnet.db_session import savepoint
from civicnet.errors import DomainError
from civicnet.extensions import db

from . import actions, flow, store
from .context import flask_app, lang_of
from .dbcall import ServiceError, call, translate
from .flow import Answer, Prompt, Registration, Rejected, Step
from .telegram_ui import answer_of, send_prompt, sender_name
from .texts import t

SAVE_ATTEMPTS = 3


class ActionServices:
    """:class:`flow.Services` over ``bots/actions.py``, inside the update's app context."""

    def __init__(self, chat_id: int) -> None:
        self.chat_id = chat_id
        self._networks: dict[int | None, dict] = {}

    def network(self, network_id: int | None) -> dict:
        if network_id not in self._networks:
            self._networks[network_id] = actions.network_info(network_id)
        return self._networks[network_id]

    def classify(self, text: str, network_id: int) -> dict | None:
        return actions.classify(text, network_id)

    def clean_contact(self, text: str, lang: str) -> dict:
        try:
            return actions.clean_contact(text)
        except DomainError as exc:
            raise Rejected(translate(exc, lang)) from None

    def register(self, reg: Registration, signer: str, consent_text: str, lang: str) -> dict:
        try:
            with savepoint():  # a refused registration leaves nothing behind, the state is still saved
                return actions.complete_registration(self.chat_id, reg, signer, consent_text)
        except DomainError as exc:
            raise Rejected(translate(exc, lang)) from None


# --- in the worker thread (one transaction each, see dbcall.py) ------------------------------

def begin(chat_id: int, user_id: int, lang: str, network_id: int | None = None) -> Prompt:
    reg, prompt = flow.begin(ActionServices(chat_id), network_id=network_id, lang=lang)
    store.start_registration(user_id, reg)
    return prompt


def apply_answer(chat_id: int, user_id: int, answer: Answer) -> tuple[Prompt, Step, str] | None:
    """One answer applied to the stored registration: (what to say, the step answered, language),
    or None when no registration is in progress. Saved only if no other instance changed the
    registration meanwhile; otherwise read again and applied again."""
    services = ActionServices(chat_id)
    for _attempt in range(SAVE_ATTEMPTS):
        loaded = store.load_registration(user_id)
        if loaded is None:
            return None
        before = loaded.registration
        after, prompt = flow.step(before, answer, services)
        if store.save_registration(user_id, after, loaded.version):
            if after is not None and after.lang != before.lang:
                store.set_language(user_id, after.lang)
            return prompt, before.step, (after or before).lang
        db.session.rollback()
    raise RuntimeError("the registration changed under every attempt to save it")


# --- handlers ---------------------------------------------------------------------------------

async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start [token]: link by deep link, greet a known member, or begin registering."""
    app, chat_id, user_id = flask_app(context), update.effective_chat.id, update.effective_user.id
    lang = lang_of(context)
    if context.args:
        try:
            result = await call(app, actions.use_link_token, chat_id, context.args[0][:64], lang, lang=lang)
        except ServiceError as exc:
            await update.effective_chat.send_message(exc.message)
            return
        if result["kind"] == "linked":
            lang = result["language"]
            await call(app, store.set_language, user_id, lang)
            await update.effective_chat.send_message(
                t(lang, "Your Telegram is now linked to %(name)s. You will get the network's notices here. "
                        "/help shows what I can do.", name=result["name"]))
            return
        prompt = await call(app, begin, chat_id, user_id, lang, result["network_id"])
        await send_prompt(update, prompt, lang)
        return
    profile = await call(app, actions.chat_profile, chat_id)
    if profile:
        if not profile["subscribed"]:
            await call(app, actions.set_subscribed, chat_id, True)
        await update.effective_chat.send_message(
            t(lang, "You are registered as %(name)s and will get the network's notices. /help shows what I can do.",
              name=profile["name"]))
        return
    prompt = await call(app, begin, chat_id, user_id, lang)
    await send_prompt(update, prompt, lang)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, answer: Answer) -> None:
    if update.callback_query:
        await update.callback_query.answer()
    lang = lang_of(context)
    result = await call(flask_app(context), apply_answer, update.effective_chat.id, update.effective_user.id,
                        answer, lang=lang)
    if result is None:
        if update.callback_query:  # a button of a registration that ended, or forged data
            await update.effective_chat.send_message(
                t(lang, "That button is no longer active. /help shows what I can do."))
        return  # other messages outside a registration are not for the bot
    prompt, answered, lang = result
    await send_prompt(update, prompt, lang, after_contact=answered is Step.CONTACT)


async def on_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A message or a button press that no command took: an answer to the registration's question."""
    await _answer(update, context, answer_of(update))


async def back(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/back: the previous question."""
    await _answer(update, context, Answer.back(sender_name(update)))


async def cancel(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/cancel: stop the registration; nothing is kept."""
    await _answer(update, context, Answer.cancel(sender_name(update)))


def handlers() -> list:
    """/start, /back, /cancel, then (after the commands' own handlers) every other message or button."""
    return [CommandHandler("start", start), CommandHandler("back", back), CommandHandler("cancel", cancel)]


def answer_handlers() -> list:
    return [CallbackQueryHandler(on_answer), MessageHandler(~filters.COMMAND, on_answer)]
