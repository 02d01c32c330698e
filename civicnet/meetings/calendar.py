"""A registration's meeting as an iCalendar (.ics) event: time, place, programme, table, private link.

Built with the ``icalendar`` library; times carry the deployment's zone (``timeutil.local_zone``)
so calendar apps show the local wall-clock time wherever the phone is.
"""
from __future__ import annotations

from datetime import UTC, timedelta

from icalendar import Alarm, Calendar, Event

from ..timeutil import local_zone, utcnow
from .models import Registration


def _aware(value):
    return value.replace(tzinfo=UTC).astimezone(local_zone())


def registration_ics(registration: Registration, *, lang: str, link: str) -> bytes:
    """One VEVENT for the registration's meeting (with a reminder the day before)."""
    meeting = registration.meeting
    lines = []
    for item in meeting.programme:
        lines.append(f"{_aware(item.at):%H:%M} {item.item(lang)}")
    table = registration.table
    if table is not None and registration.status == "confirmed":
        lines.insert(0, table.label(lang))
    lines.append(link)
    calendar = Calendar()
    calendar.add("prodid", "-//CivicNet//meetings//KO")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"meeting-{meeting.id}-registration-{registration.id}@civicnet")
    event.add("dtstamp", utcnow().replace(tzinfo=UTC))
    event.add("dtstart", _aware(meeting.starts_at))
    event.add("dtend", _aware(meeting.ends_at))
    event.add("summary", meeting.title(lang))
    if meeting.venue(lang):
        event.add("location", meeting.venue(lang))
    event.add("description", "\n".join(lines))
    event.add("url", link)
    event.add("status", "CANCELLED" if registration.status == "cancelled" else "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", meeting.title(lang))
    alarm.add("trigger", timedelta(days=-1))
    event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()
