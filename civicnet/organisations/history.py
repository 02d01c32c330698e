"""A group's history: who changed what, when (shown to organisers; values erased on request).

Other domains (pledges, meetings) record their changes to a group here, so the group's history is
one list; each domain still changes only its own tables. ``history_entries`` gives it as people
read it: who did what, in words, never the stored codes.
"""
from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..timeutil import utcnow
from .models import Organisation, OrganisationChange


class ActorKind(enum.StrEnum):
    """Who made a change: the group itself (edit link, web form), staff, the bot, an import, the system."""

    GROUP = "group"
    ORGANISER = "organiser"
    SYSTEM = "system"
    BOT = "bot"
    IMPORT = "import"


def record_change(org: Organisation, action: str, actor_kind: str, actor_user_id: int | None = None,
                  **details) -> None:
    """Add one entry to the group's history (written with the session's next flush)."""
    db.session.add(OrganisationChange(**_entry(org, action, actor_kind, actor_user_id, details)))


def write_changes(org: Organisation, actor_kind: str, actor_user_id: int | None,
                  entries: Sequence[tuple[str, dict]]) -> None:
    """Write several entries of one actor at once, in order, with one plain INSERT and no ORM objects
    (a registration's hot path: the same rows ``record_change`` gives, without a flush to track them)."""
    db.session.execute(sa.insert(OrganisationChange.__table__),
                       [_entry(org, action, actor_kind, actor_user_id, details) for action, details in entries])


def _entry(org: Organisation, action: str, actor_kind: str, actor_user_id: int | None, details: dict) -> dict:
    try:
        kind = ActorKind(actor_kind)
    except ValueError:
        raise ValueError(f"unknown actor kind {actor_kind!r}") from None
    return {"organisation_id": org.id, "action": action, "actor_kind": kind.value, "actor_user_id": actor_user_id,
            "details": details, "at": utcnow()}


# --- as people read it ---------------------------------------------------------------------

ACTOR_LABELS = {"group": _l("The group"), "organiser": _l("Organiser"), "system": _l("CivicNet"),
                "bot": _l("Telegram bot"), "import": _l("Import")}
ACTION_LABELS = {
    "registered": _l("Registered"), "updated": _l("Details changed"), "goals_set": _l("SDGs changed"),
    "cluster_set": _l("Cluster changed"), "approved": _l("Approved"), "withdrawn": _l("Withdrew from the network"),
    "personal_data_erased": _l("Personal data deleted"), "edit_link_issued": _l("New edit link made"),
    "edit_link_revoked": _l("Edit links revoked"), "pledge_signed": _l("Pledge signed"),
    "pledge_renewed": _l("Pledge renewed"), "pledge_withdrawn": _l("Pledge withdrawn"),
    "renewal_invited": _l("Invited to renew the pledge"),
}
FIELD_LABELS = {"name": _l("name"), "kind": _l("kind"), "representative": _l("representative"), "email": _l("e-mail"),
                "phone": _l("phone"), "district": _l("district"), "size": _l("number of members"),
                "website": _l("website"), "activities": _l("main activities"), "language": _l("language"),
                "public_listing": _l("public directory")}


@dataclass
class HistoryEntry:
    at: datetime  # naive UTC; templates show it with |datetimeformat (local time)
    who: str
    what: str
    detail: str = ""


def _goals(numbers) -> str:
    return ", ".join(str(n) for n in numbers or []) or "-"


def _detail(change: OrganisationChange, org: Organisation, lang: str) -> str:
    d = change.details or {}
    if change.action in ("registered",) and d.get("goals"):
        return _("SDG %(goals)s", goals=_goals(d["goals"]))
    if change.action == "updated":
        return ", ".join(str(FIELD_LABELS.get(f, f)) for f in d.get("fields") or [])
    if change.action == "goals_set":
        return _("SDG %(before)s → %(after)s", before=_goals(d.get("before")), after=_goals(d.get("after")))
    if change.action == "cluster_set":
        names = {c.key: c.name(lang) for c in org.network.clusters}
        before, after = d.get("before"), d.get("after")
        return "%s → %s" % (names.get(before, before) if before else "-", names.get(after, after) if after else "-")
    if change.action == "withdrawn" and d.get("reason"):
        return d["reason"]
    if change.action in ("pledge_signed", "pledge_withdrawn") and d.get("edition"):
        return _("%(edition)s edition", edition=d["edition"])
    if change.action == "pledge_renewed":
        return _("%(edition)s edition, renewed from %(previous)s", edition=d.get("edition"), previous=d.get("renewed_from"))
    if change.action == "renewal_invited":
        return (_("%(edition)s edition; a message with the edit link was sent by Telegram", edition=d.get("edition"))
                if d.get("telegram") else
                _("%(edition)s edition; no Telegram chat to send it to", edition=d.get("edition")))
    return ""


def history_entries(org: Organisation, lang: str,
                    user_names: Callable[[set[int]], dict[int, str]] | None = None) -> list[HistoryEntry]:
    """The group's history, newest first, in words (organisers' page).

    ``user_names`` maps organiser ids to names (the accounts domain's lookup, passed in by the
    page: this domain does not build on accounts)."""
    changes = list(db.session.scalars(org.changes.select()))  # newest first
    ids = {c.actor_user_id for c in changes if c.actor_user_id}
    names = user_names(ids) if ids and user_names else {}
    entries = []
    for change in changes:
        who = str(ACTOR_LABELS.get(change.actor_kind, change.actor_kind))
        if change.actor_user_id in names:
            who = f"{who} {names[change.actor_user_id]}" if change.actor_kind == "organiser" else names[change.actor_user_id]
        what = str(ACTION_LABELS.get(change.action) or _("Other change"))
        entries.append(HistoryEntry(change.at, who, what, _detail(change, org, lang)))
    return entries
