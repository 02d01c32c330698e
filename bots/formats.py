"""How the bot writes phone numbers and times for people (Korean first, English second)."""
from __future__ import annotations

from datetime import datetime

import phonenumbers
from babel.dates import format_skeleton

from civicnet.timeutil import to_local


def display_phone(phone: str | None) -> str | None:
    """A stored E.164 number as people write it: 010-2211-3424 for a Korean one."""
    if not phone:
        return phone
    try:
        number = phonenumbers.parse(phone, "KR")
    except phonenumbers.NumberParseException:
        return phone
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL if number.country_code == 82
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, fmt)


def local_datetime(value: datetime | None, lang: str) -> str | None:
    """A stored naive-UTC time in the deployment's zone, as the language writes it:
    "2026년 12월 9일 (수) 14:00" / "Wed, Dec 9, 2026 14:00". Needs an app context (the zone)."""
    if value is None:
        return None
    local = to_local(value)
    return f"{format_skeleton('yMMMEd', local, locale=lang)} {format_skeleton('Hm', local, locale=lang)}"
