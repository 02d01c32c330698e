"""The personal-data consent texts (PIPA art. 15, 22, 22-2), versioned.

Every text states the purpose, the items collected, the retention period (the network's
``retention_months``) and the right to refuse with its consequence. Optional items (website,
public listing, Telegram) are asked apart from the required ones; individuals under 14 need
their legal guardian's consent.

A registration stores the version and the exact texts shown, in the language they were shown,
with one timestamp per consent (``Organisation.consented_at``, ``website_consented_at``,
``listing_consented_at``, ``telegram_consented_at``, ``guardian_consented_at``). Change a text
only together with a new ``CONSENT_VERSION``. The texts are plain dicts per language, not
catalog entries, because the stored text must not change when a translation is edited.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

from babel.units import format_unit

from ..networks.models import Network

CONSENT_VERSION = "2026-1"
DEFAULT_RETENTION_MONTHS = 36
OPTIONAL_ITEMS = ("website", "listing", "telegram")



@dataclass(frozen=True)
class ConsentChoices:
    """What a person agreed to beyond the required consent, as asked on the consent step."""

    website: bool = False
    listing: bool = False
    telegram: bool = False
    age_band: str | None = None        # individuals: AgeBand value
    guardian_name: str | None = None   # under 14: the legal guardian
    guardian: bool = False             # under 14: the guardian's consent box

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(item for item in OPTIONAL_ITEMS if getattr(self, item))


_REQUIRED = {
    "ko": (
        "[개인정보 수집·이용 동의(필수)]\n"
        "· 목적: {network} 참여 등록, 협약 관리, 모임 안내와 연락\n"
        "· 항목: 단체명, 단체 유형, 대표자(담당자) 이름, 이메일 또는 전화번호, 지역, 회원 수, 주요활동, "
        "협약 서명자 이름{extra_ko}\n"
        "· 보유 기간: 탈퇴 또는 마지막 활동(정보 수정, 협약 서명, 모임 신청) 후 {retention}. 그 전에 삭제를 "
        "요청하면 지체 없이 파기합니다.\n"
        "· 열람: 네트워크 운영자(협의회 사무국)만 봅니다.\n"
        "· 거부할 권리: 동의를 거부할 수 있습니다. 다만 거부하면 네트워크에 등록할 수 없습니다."
    ),
    "en": (
        "[Consent to the collection and use of personal data (required)]\n"
        "· Purpose: registration in {network}, managing the pledge, meeting notices and contact\n"
        "· Items: name of the group, kind of group, name of the representative (contact person), e-mail or "
        "phone number, area, number of members, main activities, name of the person signing the pledge"
        "{extra_en}\n"
        "· Retention: {retention} after the group withdraws or after its last activity (a change of its "
        "details, a pledge, a meeting sign-up). If you ask for deletion earlier, the data is deleted without "
        "delay.\n"
        "· Who sees it: only the network's organisers (the council secretariat).\n"
        "· Right to refuse: you may refuse. If you do, the group cannot be registered."
    ),
}

_OPTIONAL = {
    "website": {
        "ko": ("[선택] 홈페이지·SNS 주소: 운영자가 단체를 알아보고, 공개 목록에 동의하면 단체 소개와 함께 "
               "보여 줍니다. 보유 기간은 위와 같습니다. 동의하지 않아도 등록할 수 있으며, 이 경우 주소를 "
               "저장하지 않습니다."),
        "en": ("[Optional] Website or social media address: lets the organisers recognise the group and, with "
               "the public listing, is shown with it. Kept as long as the rest. You can register without it; the "
               "address is then not stored."),
    },
    "listing": {
        "ko": ("[선택] 공개 목록 게재: 단체명, 유형, 지역, 주요활동, SDGs를 네트워크 공개 페이지에 싣습니다 "
               "(이메일·전화번호·대표자 이름은 싣지 않습니다). 동의하지 않아도 등록할 수 있으며, 이 경우 "
               "운영자만 볼 수 있습니다. 수정 링크에서 언제든 철회할 수 있습니다."),
        "en": ("[Optional] Public listing: the group's name, kind, area, main activities and SDGs appear on the "
               "network's public page (never e-mail, phone or the representative's name). You can register "
               "without it; then only the organisers see the group. You can withdraw it at any time from your "
               "edit link."),
    },
    "telegram": {
        "ko": ("[선택] 텔레그램 안내: 모임 안내와 알림을 텔레그램으로 받을 수 있도록 대화(chat) ID를 "
               "연결합니다. 보유 기간은 위와 같습니다. 동의하지 않아도 등록할 수 있으며, 이 경우 "
               "텔레그램으로는 연락하지 않습니다."),
        "en": ("[Optional] Telegram notices: your Telegram chat ID is linked so that meeting notices and "
               "reminders reach you there. Kept as long as the rest. You can register without it; we then do "
               "not contact you on Telegram."),
    },
}

_GUARDIAN = {
    "ko": ("[법정대리인 동의(만 14세 미만 필수)] 만 14세 미만 아동의 개인정보는 법정대리인(보호자)의 동의를 "
           "받아 수집합니다. 보호자 이름은 동의를 확인하는 데만 쓰고 위 기간 동안 보관합니다. 보호자가 "
           "동의하지 않으면 등록할 수 없습니다."),
    "en": ("[Legal guardian's consent (required under 14)] Personal data of a child under 14 is collected only "
           "with the consent of a legal guardian. The guardian's name is used only to record that consent and is "
           "kept as long as the rest. Without the guardian's consent the child cannot be registered."),
}

_BOT_EXTRA = {"ko": ", 텔레그램 대화(chat) ID", "en": ", Telegram chat ID"}


def _lang(lang: str) -> str:
    return lang if lang in _REQUIRED else "ko"


def retention_label(months: int, lang: str) -> str:
    """'3년' / '3 years', '18개월' / '18 months' (Babel's unit names; ko has only the short ones)."""
    return _retention_label(months, _lang(lang))


@functools.lru_cache(maxsize=256)
def _retention_label(months: int, lang: str) -> str:
    """``retention_label``, formatted once per value and language (every registration states it, and
    Babel's ``format_unit`` looks the unit up in its locale data each time)."""
    unit, n = ("year", months // 12) if months % 12 == 0 else ("month", months)
    return format_unit(n, unit, locale=lang, length="short" if lang == "ko" else "long")


def retention_months(network: Network) -> int:
    return network.retention_months or DEFAULT_RETENTION_MONTHS


def consent_text(network: Network, lang: str, *, channel: str = "web") -> str:
    """The required consent (purpose, items, retention, right to refuse) for ``network``.

    ``channel="bot"`` adds the Telegram chat ID to the items: in the bot it is the channel itself,
    so it is required there (the bot process shows this text before its "I agree" button).
    """
    lang = _lang(lang)
    extra = _BOT_EXTRA if channel == "bot" else {"ko": "", "en": ""}
    return _REQUIRED[lang].format(network=network.name(lang), retention=retention_label(retention_months(network), lang),
                                  extra_ko=extra["ko"], extra_en=extra["en"])


def optional_text(item: str, lang: str) -> str:
    return _OPTIONAL[item][_lang(lang)]


def guardian_text(lang: str) -> str:
    return _GUARDIAN[_lang(lang)]


def stored_text(network: Network, lang: str, *, optional: tuple[str, ...] = (), guardian: bool = False,
                channel: str = "web") -> str:
    """What is kept with the registration: the required text plus every optional one agreed to."""
    parts = [consent_text(network, lang, channel=channel)]
    parts += [optional_text(item, lang) for item in OPTIONAL_ITEMS if item in optional]
    if guardian:
        parts.append(guardian_text(lang))
    return "\n\n".join(parts)


def bot_consent(network: Network, lang: str) -> dict:
    """The texts the Telegram bot shows, as plain data (the bot renders its own buttons):

    ``required`` before its "I agree" button (the chat ID is a required item there); ``listing``
    as a separate yes/no question; ``guardian`` for an individual who says they are under 14.
    Register with ``ConsentChoices(telegram=True, listing=..., age_band=..., guardian_name=...,
    guardian=...)`` and ``stored_text(network, lang, optional=choices.optional,
    guardian=choices.guardian, channel="bot")``.
    """
    return {"version": CONSENT_VERSION, "required": consent_text(network, lang, channel="bot"),
            "listing": optional_text("listing", lang), "guardian": guardian_text(lang),
            "retention": retention_label(retention_months(network), lang)}
