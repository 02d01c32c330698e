"""The personal-data consent text (PIPA: purpose, items, retention, right to refuse), versioned.

A registration stores the version and the exact text shown, in the language it was shown.
Change the text only together with a new ``CONSENT_VERSION``.
"""
from __future__ import annotations

from ..i18n import resolve_particles
from ..networks.models import Network

CONSENT_VERSION = "2024-1"

_TEXT = {
    "ko": (
        "[개인정보 수집·이용 동의] {network}은(는) 시민실천 네트워크 참여 등록, 협약 관리, 모임 안내와 연락을 "
        "위해 단체명, 대표자(담당자) 이름, 이메일, 전화번호, 지역, 홈페이지, 주요활동을 수집·이용합니다. "
        "수집한 정보는 네트워크 운영자(협의회 사무국)만 열람하며, 탈퇴하거나 삭제를 요청하면 지체 없이 "
        "파기합니다. 동의를 거부할 수 있으나, 거부하면 네트워크 등록이 되지 않습니다."
    ),
    "en": (
        "[Consent to the collection and use of personal data] {network} collects and uses the group's "
        "name, the name of its representative (contact person), e-mail, phone number, area, website and "
        "main activities to register the group in the citizen practice network, manage the pledge and "
        "send meeting notices. Only the network's organisers (the council secretariat) see this data; "
        "it is deleted without delay when the group withdraws or asks for deletion. You may refuse, but "
        "the group cannot then be registered."
    ),
}


def consent_text(network: Network, lang: str) -> str:
    lang = lang if lang in _TEXT else "ko"
    # "{network}은(는)" reads "… 네트워크는": the particle follows the network's name.
    return resolve_particles(_TEXT[lang].format(network=network.name(lang)))
