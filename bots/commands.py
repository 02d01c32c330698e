"""Commands outside registration: /meetings (attend/cancel), /my, /delete, /stop, /help."""
from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ContextTypes

from . import actions
from .context import flask_app as _app
from .context import lang_of
from .dbcall import ServiceError, call
from .flow import kind_label
from .texts import t

MEETING_ID = r"\d{1,9}"  # an id the database can hold; anything else is not one of our buttons


async def help_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/help: what the bot can do."""
    lang = lang_of(context)
    await update.effective_chat.send_message("\n".join([
        t(lang, "I am the citizen practice network's bot. Commands:"),
        t(lang, "/start – register (or link your chat)"),
        t(lang, "/meetings – coming meetings: attend or cancel"),
        t(lang, "/my – what the network holds about you"),
        t(lang, "/delete – delete your data"),
        t(lang, "/stop – stop receiving notices"),
        t(lang, "/cancel – stop a registration half-way"),
    ]))


def _meeting_text(lang: str, m: dict) -> str:
    lines = [f"📅 {m['title']}", f"{m['when']} · {m['venue']}"]
    if m["status"] == "confirmed":
        lines.append(t(lang, "You are registered."))
    elif m["status"] == "waitlisted":
        lines.append(t(lang, "The meeting is full: you are number %(n)s on the waiting list.", n=m["position"]))
    else:
        lines.append(t(lang, "Seats left: %(n)s", n=m["seats_left"]))
    if m["cluster"]:
        lines.append(t(lang, "Your cluster: %(name)s", name=m["cluster"]))
    if m["table"]:
        lines.append(t(lang, "Your table: %(label)s", label=m["table"]))
    return "\n".join(lines)


def _meeting_markup(lang: str, m: dict) -> InlineKeyboardMarkup:
    if m["status"]:
        button = InlineKeyboardButton(t(lang, "Cancel my place"), callback_data=f"mt:can:{m['id']}")
    else:
        button = InlineKeyboardButton(t(lang, "Attend"), callback_data=f"mt:att:{m['id']}")
    return InlineKeyboardMarkup([[button]])


async def meetings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/meetings: upcoming meetings, each with an attend or cancel button."""
    lang = lang_of(context)
    meetings = await call(_app(context), actions.list_meetings, update.effective_chat.id, lang, lang=lang)
    if meetings is None:
        await update.effective_chat.send_message(t(lang, "Please register first with /start."))
        return
    if not meetings:
        await update.effective_chat.send_message(t(lang, "There are no coming meetings right now."))
        return
    for m in meetings:
        await update.effective_chat.send_message(_meeting_text(lang, m), reply_markup=_meeting_markup(lang, m))


async def meeting_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Attend / cancel buttons under a meeting."""
    query, lang = update.callback_query, lang_of(context)
    _mt, action, meeting_id = query.data.split(":")
    fn = actions.attend if action == "att" else actions.cancel
    try:
        m = await call(_app(context), fn, update.effective_chat.id, int(meeting_id), lang, lang=lang)
    except ServiceError as exc:
        await query.answer()
        await update.effective_chat.send_message(exc.message)
        return
    await query.answer()
    await query.edit_message_text(_meeting_text(lang, m), reply_markup=_meeting_markup(lang, m))


async def my_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/my: everything the network holds about this chat's member."""
    lang = lang_of(context)
    data = await call(_app(context), actions.my_data, update.effective_chat.id, lang)
    if data is None:
        await update.effective_chat.send_message(
            t(lang, "The network holds nothing about you except this chat's messages. /start registers you."))
        return
    yes, no = t(lang, "yes"), t(lang, "no")
    lines = [t(lang, "What the network holds about you:"),
             t(lang, "Name: %(v)s", v=data["name"]),
             t(lang, "Kind: %(v)s", v=kind_label(lang, data["kind"])),
             t(lang, "Representative / signer: %(v)s", v=data["representative"] or "—"),
             t(lang, "E-mail: %(v)s", v=data["email"] or "—"),
             t(lang, "Phone: %(v)s", v=data["phone"] or "—"),
             t(lang, "Activities: %(v)s", v=data["activities"] or "—"),
             t(lang, "SDGs: %(v)s", v=", ".join(map(str, data["goals"])) or "—"),
             t(lang, "Cluster: %(v)s", v=data["cluster"] or "—"),
             t(lang, "Pledge signed: %(v)s", v=yes if data["pledged"] else no),
             t(lang, "Telegram chat: %(v)s", v=data["chat_id"]),
             t(lang, "Notices by Telegram: %(v)s", v=yes if data["subscribed"] else no),
             t(lang, "Consent given: %(v)s", v=data["consented_at"] or "—")]
    for m in data["meetings"]:
        status = t(lang, "registered") if m["status"] == "confirmed" else t(lang, "on the waiting list")
        lines.append(f"📅 {m['title']} ({m['when']}): {status}"
                     + (f" · {m['table']}" if m["table"] else ""))
    lines.append(t(lang, "/delete deletes it."))
    await update.effective_chat.send_message("\n".join(lines))


async def delete_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/delete: ask for confirmation first."""
    lang = lang_of(context)
    markup = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "Yes, delete my data"), callback_data="del:yes"),
                                    InlineKeyboardButton(t(lang, "No, keep it"), callback_data="del:no")]])
    await update.effective_chat.send_message(
        t(lang, "This deletes your name, contact, activities and this chat's link, and withdraws your pledge. "
                "It cannot be undone. Are you sure?"), reply_markup=markup)


async def delete_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query, lang = update.callback_query, lang_of(context)
    await query.answer()
    if query.data != "del:yes":
        await query.edit_message_text(t(lang, "Nothing was deleted."))
        return
    await call(_app(context), actions.delete_me, update.effective_chat.id, lang=lang)
    await query.edit_message_text(t(lang, "Your data was deleted. Thank you for taking part."))


async def stop_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/stop: no more notices (the registration stays)."""
    lang = lang_of(context)
    found = await call(_app(context), actions.set_subscribed, update.effective_chat.id, False)
    await update.effective_chat.send_message(
        t(lang, "You will get no more notices here. Send /start to receive them again.") if found
        else t(lang, "This chat was not receiving notices."))


def handlers() -> list:
    return [CommandHandler("help", help_command), CommandHandler("meetings", meetings_command),
            CommandHandler("my", my_command), CommandHandler("delete", delete_command),
            CommandHandler("stop", stop_command),
            CallbackQueryHandler(meeting_button, pattern=rf"^mt:(att|can):{MEETING_ID}$"),
            CallbackQueryHandler(delete_button, pattern=r"^del:(yes|no)$")]
