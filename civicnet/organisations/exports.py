"""Exports of a filtered list of groups: CSV (UTF-8 with BOM, for Excel) and XLSX, Korean headers."""
from __future__ import annotations

from collections.abc import Iterable

from ..pledges.services import active_pledges
from ..spreadsheets import Sheet, csv_bytes, xlsx_bytes
from ..timeutil import format_local_pattern
from .models import Organisation
from .validation import display_phone

KIND_KO = {"ngo": "시민단체", "cooperative": "협동조합", "social_enterprise": "사회적기업", "company": "기업",
           "school": "학교", "public_body": "공공기관", "village_group": "마을공동체", "club": "동아리·모임",
           "individual": "개인(시민)"}
STATUS_KO = {"registered": "등록", "approved": "승인", "withdrawn": "탈퇴"}
HEADERS = ["번호", "단체명", "유형", "대표자", "이메일", "전화번호", "지역", "회원 수", "홈페이지", "주요활동",
           "SDGs", "분야(클러스터)", "상태", "협약", "협약 서명자", "공동 실천 행동", "공개 동의", "등록 일시"]


def rows(organisations: Iterable[Organisation]) -> Iterable[list[object]]:
    organisations = list(organisations)
    pledges = active_pledges(organisations)
    for org in organisations:
        pledge = pledges.get(org.id)
        yield [
            org.id, org.name, KIND_KO.get(org.kind, org.kind), org.representative, org.email or "",
            display_phone(org.phone), org.district, org.size if org.size is not None else "", org.website or "",
            org.activities, ", ".join(str(n) for n in org.goal_numbers), org.cluster.name_ko if org.cluster else "",
            STATUS_KO.get(org.status, org.status), "서명" if pledge else "", pledge.signer_name if pledge else "",
            pledge.joint_action if pledge else "", "예" if org.public_listing else "아니오",
            format_local_pattern(org.created_at, "yyyy-MM-dd HH:mm", "ko"),
        ]


def to_csv(organisations: Iterable[Organisation]) -> bytes:
    return csv_bytes(HEADERS, rows(organisations))


def to_xlsx(organisations: Iterable[Organisation], title: str = "참여단체") -> bytes:
    widths = {"B": 28, "D": 12, "E": 26, "F": 16, "J": 60, "K": 14, "L": 30}
    return xlsx_bytes([Sheet(title, HEADERS, rows(organisations), widths=widths)])
