"""The Telegram side of the registration flow: updates → :class:`flow.Answer`, prompts → messages.

Choices become inline buttons whose callback data is the choice's value; the contact question
gets a reply keyboard with Telegram's "share my phone number" button (real Telegram echoes back
only inline keyboards, so the reply keyboard is removed with the next message).
"""
from __future__ import annotations

import re

from telegram import (InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, ReplyKeyboardMarkup,
                      ReplyKeyboardRemove, Update)
from telegram.error import BadRequest

from .flow import Answer, AnswerKind, Choice, Expects, Prompt
from .texts import LANGUAGES, t

NAV_BACK, NAV_CANCEL = "nav:back", "nav:cancel"


def sender_name(update: Update) -> str:
    return update.effective_user.full_name if update.effective_user else ""


def answer_of(update: Update) -> Answer:
    """What the user answered, in the flow's terms."""
    who = sender_name(update)
    query = update.callback_query
    if query is not None:
        if query.data == NAV_BACK:
            return Answer.back(who)
        if query.data == NAV_CANCEL:
            return Answer.cancel(who)
        return Answer.choice(query.data or "", who)
    message = update.effective_message
    if message is not None and message.contact is not None:
        contact = message.contact
        own = not (contact.user_id and update.effective_user and contact.user_id != update.effective_user.id)
        # Telegram sends international numbers without "+" (821012345678).
        digits = re.sub(r"\D", "", contact.phone_number or "")
        return Answer.contact("+" + digits if digits.startswith("82") else digits, own=own, sender_name=who)
    if message is not None and message.text is not None:
        text = message.text.strip()
        # The reply keyboard's own buttons arrive as text.
        if text in {t(lang, "◀ Back") for lang in LANGUAGES}:
            return Answer.back(who)
        if text in {t(lang, "✖ Cancel") for lang in LANGUAGES}:
            return Answer.cancel(who)
        return Answer.text(message.text, who)
    return Answer(AnswerKind.OTHER, sender_name=who)


def _nav(prompt: Prompt, lang: str) -> list[InlineKeyboardButton]:
    row = []
    if prompt.back:
        row.append(InlineKeyboardButton(t(lang, "◀ Back"), callback_data=NAV_BACK))
    if prompt.cancel:
        row.append(InlineKeyboardButton(t(lang, "✖ Cancel"), callback_data=NAV_CANCEL))
    return row


def _label(choice: Choice) -> str:
    if choice.checked is not None:
        return ("✅ " if choice.checked else "⬜ ") + choice.label
    return ("⭐ " if choice.suggested else "") + choice.label


def markup(prompt: Prompt, lang: str) -> InlineKeyboardMarkup | ReplyKeyboardMarkup:
    if prompt.expects is Expects.CONTACT:
        nav = ([t(lang, "◀ Back")] if prompt.back else []) + ([t(lang, "✖ Cancel")] if prompt.cancel else [])
        return ReplyKeyboardMarkup([[KeyboardButton(t(lang, "📱 Share my phone number"), request_contact=True)], nav],
                                   resize_keyboard=True, one_time_keyboard=True)
    buttons = [InlineKeyboardButton(_label(c), callback_data=c.value) for c in prompt.choices]
    rows = [buttons[i:i + prompt.columns] for i in range(0, len(buttons), prompt.columns)]
    nav = _nav(prompt, lang)
    return InlineKeyboardMarkup(rows + ([nav] if nav else []))


async def send_prompt(update: Update, prompt: Prompt, lang: str, *, after_contact: bool = False) -> None:
    """Send ``prompt``'s notes and question; ``after_contact``: the last question showed the reply
    keyboard, which must go now unless the same question is asked again."""
    chat = update.effective_chat
    remove = after_contact and prompt.expects is not Expects.CONTACT  # (an ended flow expects nothing)
    for i, note in enumerate(prompt.notes):
        await chat.send_message(note, reply_markup=ReplyKeyboardRemove() if remove and i == 0 else None)
    if remove and not prompt.notes:
        await chat.send_message("↩", reply_markup=ReplyKeyboardRemove())
    if prompt.done:
        return
    query = update.callback_query
    if prompt.in_place and query is not None and query.message is not None:
        try:
            await query.edit_message_text(prompt.text, reply_markup=markup(prompt, lang))
            return
        except BadRequest:  # the message is too old to edit, or unchanged: send it anew
            pass
    await chat.send_message(prompt.text, reply_markup=markup(prompt, lang))
