"""Registration by chat, messenger-neutral: ``step(state, answer, services) -> (state, prompt)``.

language → individual or organisation → name → contact → (organisation: kind) → activities →
SDGs (the classifier's suggestions pre-ticked) → cluster → consent → summary → register + pledge.

Nothing here knows Telegram: an answer is a typed value (:class:`Answer`), a question is a
:class:`Prompt` with neutral :class:`Choice` values, and a renderer per messenger turns prompts
into messages and buttons (``bots/telegram_ui.py``). The state of a registration has one shape,
:class:`Registration`, stored as JSON by ``bots/store.py``. What the flow needs from the network's
data comes through :class:`Services` (``bots/registration.py`` implements it over
``bots/actions.py``), so the whole flow can be tested without a bot or a database.
"""
from __future__ import annotations

from .steps import ask, begin, consent_text, kind_label, step
from .types import (LANGUAGES, ORG_KINDS, Answer, AnswerKind, Choice, Expects, Prompt, Registration, Rejected,
                    Services, Step)

__all__ = ["LANGUAGES", "ORG_KINDS", "Answer", "AnswerKind", "Choice", "Expects", "Prompt",
           "Registration", "Rejected", "Services", "Step", "ask", "begin", "consent_text", "kind_label", "step"]
