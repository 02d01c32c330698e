"""A group's history: who changed what, when (shown to organisers; values erased on request).

Other domains (pledges, meetings) record their changes to a group here, so the group's history is
one list; each domain still changes only its own tables.
"""
from __future__ import annotations

import enum

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
    """Add one entry to the group's history."""
    try:
        kind = ActorKind(actor_kind)
    except ValueError:
        raise ValueError(f"unknown actor kind {actor_kind!r}") from None
    db.session.add(OrganisationChange(organisation_id=org.id, action=action, actor_kind=kind.value,
                                      actor_user_id=actor_user_id, details=details, at=utcnow()))
