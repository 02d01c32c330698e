"""Signals other domains (notices, the bot) subscribe to.

Each is sent with the :class:`~civicnet.meetings.models.Registration` as sender, after the
change is flushed and before the request (or CLI command) commits. Receivers run in the same
transaction: record what to send (e.g. a queued notice row) rather than calling out directly, so
a rollback discards both.

    from civicnet.meetings.signals import registration_promoted

    @registration_promoted.connect
    def _tell(registration, **extra):
        ...
"""
from blinker import Namespace

_signals = Namespace()

#: A registration was made (``registration.status`` is "confirmed" or "waitlisted").
registration_created = _signals.signal("civicnet.meetings.registration_created")
#: A registration was cancelled (by the group, an organiser or the bot); ``actor_kind`` in extra.
registration_cancelled = _signals.signal("civicnet.meetings.registration_cancelled")
#: A waiting-list registration got seats (``registration.promoted_at`` is set); tell the person.
registration_promoted = _signals.signal("civicnet.meetings.registration_promoted")
