"""Keeps the per-network few-shot examples in step with what organisers confirm and erase."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .models import MatchingExample


def learn_from_confirmation(org, **_extra) -> None:
    """An organiser set the group's SDGs or cluster: store it as an example of its network."""
    from .services import record_confirmation

    record_confirmation(org)


def forget_erased(org, organisation_id: int | None = None, **_extra) -> None:
    """The group's activities were erased on request: so is the copy kept as an example."""
    db.session.execute(sa.delete(MatchingExample).where(
        MatchingExample.organisation_id == (organisation_id or org.id)))
