"""Cleaning and checking what people type about their group (shared by forms, API, bot, CLI).

Every function takes raw input and returns the clean value or raises ``Invalid`` with the
field name and an English msgid that is translated on display. Nothing here touches the
database.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from ..errors import Invalid
from .models import OrganisationKind

LIMITS = {
    "name": 200,
    "representative": 100,
    "email": 254,
    "phone": 32,
    "district": 100,
    "website": 300,
    "activities": 5000,
    "signer_name": 100,
    "joint_action": 2000,
}
MAX_SIZE = 10_000_000

# Control characters other than the ordinary line breaks and tab of a text area. The zero-width
# (non-)joiner U+200C/U+200D stays allowed: emoji sequences (👩‍💻) and some scripts need it.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b\u2028\u2029\ufeff]")
# Bidirectional embeddings, overrides and isolates (and the bare direction marks): they make a
# name display differently from what it is ("Trojan Source" spoofing).
_BIDI = re.compile(r"[\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")
_NAME_KEY_DROP = re.compile(r"[\W_]+", re.UNICODE)


def clean_text(value: object, field: str, *, required: bool = False, multiline: bool = False,
               max_length: int | None = None) -> str:
    """Strip, NFC-normalise and check one text value.

    Plain text is accepted as typed, ``<`` and ``&`` included (templates escape it on output);
    invisible control characters and right-to-left overrides are refused.
    """
    text = "" if value is None else str(value)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n").strip()
    limit = max_length or LIMITS.get(field, 200)
    if len(text) > limit:
        raise Invalid("Please keep this under %(max)d characters (you wrote %(length)d).", field=field,
                      max=limit, length=len(text))
    if (_CONTROL if multiline else _CONTROL_LINE).search(text):
        raise Invalid("This contains invisible control characters; please retype it.", field=field)
    if _BIDI.search(text):
        raise Invalid("This contains characters that change the writing direction; please retype it.",
                      field=field)
    if required and not text:
        raise Invalid("Please fill this in.", field=field)
    return text


def clean_email(value: object, field: str = "email") -> str | None:
    text = clean_text(value, field)
    if not text:
        return None
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise Invalid("Please enter a valid e-mail address, like name@example.org.", field=field) from None
    return result.normalized.lower()


def clean_phone(value: object, field: str = "phone") -> str | None:
    """A Korean (or international, with +) phone number in E.164 form."""
    text = clean_text(value, field)
    if not text:
        return None
    if re.search(r"[^0-9+\-(). ]", text):
        raise Invalid("Please enter a valid phone number, like 010-1234-5678.", field=field)
    try:
        number = phonenumbers.parse(text, "KR")
    except phonenumbers.NumberParseException:
        raise Invalid("Please enter a valid phone number, like 010-1234-5678.", field=field) from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("Please enter a valid phone number, like 010-1234-5678.", field=field)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(stored: str | None) -> str:
    """A stored (E.164) phone as people write it: Korean numbers in the national form
    (010-2211-3424, 043-222-3333), others in the international form (+1 202-555-0123)."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, "KR")
    except phonenumbers.NumberParseException:
        return stored
    if phonenumbers.region_code_for_number(number) == "KR":
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def clean_website(value: object, field: str = "website") -> str | None:
    text = clean_text(value, field)
    if not text:
        return None
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in {"http", "https"} or "." not in (parts.hostname or "") or " " in text:
        raise Invalid("Please enter a web address like https://example.org.", field=field)
    return text


def clean_size(value: object, field: str = "size") -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = int(str(value).strip().replace(",", ""))
    except ValueError:
        raise Invalid("Please enter a whole number.", field=field) from None
    if not 0 <= number <= MAX_SIZE:
        raise Invalid("Please enter a number between 0 and %(max)d.", field=field, max=MAX_SIZE)
    return number


def clean_kind(value: object, field: str = "kind") -> str:
    text = str(value or "").strip()
    if text not in {k.value for k in OrganisationKind}:
        raise Invalid("Please choose what kind of group this is.", field=field)
    return text


def clean_goals(values: Iterable[object] | None, field: str = "goals", *, required: bool = False) -> list[int]:
    """SDG numbers 1–17, de-duplicated, in the order given."""
    numbers: list[int] = []
    for value in values or []:
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise Invalid("SDGs are numbers from 1 to 17.", field=field) from None
        if not 1 <= number <= 17:
            raise Invalid("SDGs are numbers from 1 to 17.", field=field)
        if number not in numbers:
            numbers.append(number)
    if required and not numbers:
        raise Invalid("Please choose at least one SDG.", field=field)
    return numbers


def name_key(name: str) -> str:
    """The name as compared for duplicates: case, width, spaces and punctuation ignored."""
    return _NAME_KEY_DROP.sub("", unicodedata.normalize("NFKC", name).casefold())[:200]


def contact_key(email: str | None, phone: str | None) -> str:
    return (email or phone or "").lower()


# What the group edits on its details form (and what the form's version fingerprints).
DETAIL_FIELDS = ("name", "kind", "representative", "email", "phone", "district", "size", "website", "activities")
ORGANISATION_FIELDS = DETAIL_FIELDS + ("language", "public_listing")


def clean_organisation(data: Mapping[str, object], *, partial: bool = False) -> dict:
    """Clean a mapping of organisation fields; with ``partial`` only the keys present."""
    out: dict = {}

    def has(key: str) -> bool:
        return not partial or key in data

    if has("name"):
        out["name"] = clean_text(data.get("name"), "name", required=True)
    if has("kind"):
        out["kind"] = clean_kind(data.get("kind") or ("" if partial else OrganisationKind.NGO.value))
    if has("representative"):
        out["representative"] = clean_text(data.get("representative"), "representative")
    if has("email"):
        out["email"] = clean_email(data.get("email"))
    if has("phone"):
        out["phone"] = clean_phone(data.get("phone"))
    if has("district"):
        out["district"] = clean_text(data.get("district"), "district")
    if has("size"):
        out["size"] = clean_size(data.get("size"))
    if has("website"):
        out["website"] = clean_website(data.get("website"))
    if has("activities"):
        out["activities"] = clean_text(data.get("activities"), "activities", required=not partial,
                                       multiline=True)
    if has("language"):
        lang = str(data.get("language") or "ko")
        out["language"] = lang if lang in {"ko", "en"} else "ko"
    if has("public_listing"):
        out["public_listing"] = bool(data.get("public_listing"))
    if not partial and not (out.get("email") or out.get("phone")):
        raise Invalid("Please give an e-mail address or a phone number so we can reach you.", field="email")
    return out
