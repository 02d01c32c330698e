"""The registration flow's types: its state (``Registration``, the only place its shape is
defined), the answers it takes, the prompts it gives and what it needs from the network's data."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Protocol

ORG_KINDS = ("ngo", "cooperative", "social_enterprise", "company", "school", "public_body", "village_group",
             "club")
LANGUAGES = ("ko", "en")
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f<>]")
NAME_MAX, ACTIVITIES_MIN, ACTIVITIES_MAX = 100, 10, 2000


class Step(StrEnum):
    LANG = "lang"
    KIND = "kind"
    NAME = "name"
    CONTACT = "contact"
    ORG_KIND = "org_kind"
    ACTIVITIES = "activities"
    SDGS = "sdgs"
    CLUSTER = "cluster"
    CONSENT = "consent"
    CONFIRM = "confirm"


class Expects(StrEnum):
    """What kind of answer a question takes."""

    CHOICE = "choice"
    TEXT = "text"
    CONTACT = "contact"  # a shared phone number, or typed text


class AnswerKind(StrEnum):
    CHOICE = "choice"
    TEXT = "text"
    CONTACT = "contact"
    BACK = "back"
    CANCEL = "cancel"
    OTHER = "other"  # a photo, a sticker...: not an answer to any question


@dataclass(frozen=True)
class Answer:
    kind: AnswerKind
    value: str = ""
    own: bool = True          # a shared contact is the sender's own
    sender_name: str = ""     # the messenger account's display name (signs for an organisation)

    @classmethod
    def choice(cls, value: str, sender_name: str = "") -> Answer:
        return cls(AnswerKind.CHOICE, value, sender_name=sender_name)

    @classmethod
    def text(cls, value: str, sender_name: str = "") -> Answer:
        return cls(AnswerKind.TEXT, value, sender_name=sender_name)

    @classmethod
    def contact(cls, phone: str, own: bool = True, sender_name: str = "") -> Answer:
        return cls(AnswerKind.CONTACT, phone, own=own, sender_name=sender_name)

    @classmethod
    def back(cls, sender_name: str = "") -> Answer:
        return cls(AnswerKind.BACK, sender_name=sender_name)

    @classmethod
    def cancel(cls, sender_name: str = "") -> Answer:
        return cls(AnswerKind.CANCEL, sender_name=sender_name)


@dataclass(frozen=True)
class Choice:
    value: str                  # returned unchanged in Answer.value; opaque to the renderer
    label: str
    checked: bool | None = None  # a toggle (ticked / not ticked); None for a plain choice
    suggested: bool = False      # the classifier's suggestion


@dataclass(frozen=True)
class Prompt:
    """What to tell the user after an answer: notes first, then the question (none when ended)."""

    step: Step | None
    text: str = ""
    choices: tuple[Choice, ...] = ()
    columns: int = 1
    expects: Expects = Expects.CHOICE
    back: bool = False
    cancel: bool = False
    notes: tuple[str, ...] = ()
    in_place: bool = False      # the same question changed (a toggle): update it rather than resend

    @property
    def done(self) -> bool:
        return self.step is None

    def accepts(self, value: str) -> bool:
        return any(c.value == value for c in self.choices)


@dataclass
class Registration:
    """A registration in progress: the only place its shape is defined."""

    step: Step = Step.LANG
    history: list[Step] = field(default_factory=list)
    lang: str = "ko"
    network_id: int | None = None   # from an invitation link; None: the default network
    kind: str | None = None          # individual | organisation
    org_kind: str | None = None      # one of ORG_KINDS, or "individual"
    name: str = ""
    email: str | None = None
    phone: str | None = None
    activities: str = ""
    goals: list[int] = field(default_factory=list)
    scores: dict[int, float] = field(default_factory=dict)   # the classifier's, for the suggested goals
    cluster_suggestions: list[str] = field(default_factory=list)
    cluster: str | None = None
    consent: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        data["step"] = self.step.value
        data["history"] = [s.value for s in self.history]
        data["scores"] = {str(k): v for k, v in self.scores.items()}
        return data

    @classmethod
    def from_json(cls, data: dict) -> Registration:
        """The stored form back; raises ValueError/TypeError/KeyError on a row it cannot read."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        reg = cls(**values)
        reg.step = Step(reg.step)
        reg.history = [Step(s) for s in reg.history]
        reg.goals = [int(g) for g in reg.goals]
        reg.scores = {int(k): float(v) for k, v in (reg.scores or {}).items()}
        reg.cluster_suggestions = [str(k) for k in reg.cluster_suggestions]
        return reg

    @property
    def individual(self) -> bool:
        return self.kind == "individual"

    def signer(self, sender_name: str) -> str:
        """Who signs the pledge: the person, or for a group the account that answered."""
        if self.individual:
            return self.name
        return sender_name or self.name


class Rejected(Exception):
    """A service refused an answer; ``message`` is already in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Services(Protocol):
    """What the flow asks of the network's data (plain dicts, see ``bots/actions.py``)."""

    def network(self, network_id: int | None) -> dict:
        """``id``, ``pledge_ko``/``pledge_en``, ``clusters`` [{key, name_ko, name_en}], ``goals`` [{n, ko, en}]."""

    def classify(self, text: str, network_id: int) -> dict | None:
        """``suggested`` [n], ``scores`` {n: score}, ``clusters`` [key]; None when unavailable."""

    def clean_contact(self, text: str, lang: str) -> dict:
        """``{"email": ..., "phone": ...}`` or :class:`Rejected`."""

    def register(self, reg: Registration, signer: str, consent_text: str, lang: str) -> dict:
        """``{"ok": True, "name": ...}``, ``{"ok": False}`` (already registered) or :class:`Rejected`."""
