"""Import groups from a CSV like a Google Form export (Korean or English column headers).

Each row goes through ``services.register_organisation`` (actor ``import``), so the same rules
apply as on the web. Rows that cannot be imported are reported with their row number and a
reason — never with the personal data they hold.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import DomainError
from ..extensions import db
from ..networks.models import Network
from ..pledges.services import sign_pledge
from . import services
from ..timeutil import to_utc
from .consent import consent_text
from .models import GoalSource
from .suggestions import classify_many, remember_suggestion

# Header aliases (compared without spaces, case-insensitively) → field.
ALIASES = {
    "name": ["단체명", "단체이름", "단체(개인)명", "단체명(개인은이름)", "이름", "name", "organisation", "organization"],
    "kind": ["단체유형", "유형", "구분", "kind", "type"],
    "representative": ["대표자", "대표자명", "담당자", "대표자(담당자)", "representative", "contact"],
    "email": ["이메일", "이메일주소", "전자우편", "email", "e-mail", "emailaddress"],
    "phone": ["연락처", "전화번호", "휴대폰", "휴대전화", "phone", "telephone"],
    "district": ["지역", "소재지", "지역(구)", "활동지역", "district", "area"],
    "size": ["회원수", "구성원수", "인원", "size", "members"],
    "website": ["홈페이지", "웹사이트", "sns", "website"],
    "activities": ["주요활동", "주요활동내용", "활동내용", "activities", "mainactivities"],
    "goals": ["sdgs", "sdg", "지속가능발전목표", "관련sdgs", "선택한sdgs", "goals"],
    "joint_action": ["공동실천행동", "공동실천", "jointaction"],
    "consent": ["개인정보수집·이용동의", "개인정보수집이용동의", "개인정보동의", "동의", "consent"],
    "public_listing": ["공개동의", "공개여부", "publiclisting"],
    "timestamp": ["타임스탬프", "제출시각", "응답시각", "timestamp", "submittedat"],
}
KIND_WORDS = {
    "ngo": ["시민단체", "비영리", "ngo", "npo", "단체"], "cooperative": ["협동조합", "cooperative"],
    "social_enterprise": ["사회적기업", "social"], "company": ["기업", "회사", "company"],
    "school": ["학교", "school"], "public_body": ["공공기관", "기관", "public"],
    "village_group": ["마을", "주민", "village"], "club": ["동아리", "모임", "club"],
    "individual": ["개인", "시민", "individual"],
}
YES = {"예", "네", "동의", "동의함", "동의합니다", "yes", "y", "true", "1", "o", "agree", "agreed"}


@dataclass
class ImportReport:
    created: int = 0
    duplicates: int = 0
    skipped: list[tuple[int, str]] = field(default_factory=list)
    # Rows without SDGs whose suggested SDGs and cluster were stored (source 'suggested').
    suggested: int = 0
    notes: list[tuple[int, str]] = field(default_factory=list)  # imported, with something to check


_TS_KO = re.compile(r"^(\d{4})\s*[.\-/]\s*(\d{1,2})\s*[.\-/]\s*(\d{1,2})\.?\s*(오전|오후|AM|PM|am|pm)?\s*"
                    r"(?:(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*(오전|오후|AM|PM|am|pm)?$")
_TS_US = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(AM|PM|am|pm)?$")


def parse_timestamp(value: str) -> datetime | None:
    """A Google Form timestamp as local wall-clock time: '2024. 4. 22 오후 3:12:45' (Korean
    locale), '2024-04-22 15:12:45', '4/22/2024 15:12:45' (English locale). None if not one."""
    value = (value or "").strip()
    if not value:
        return None
    m = _TS_KO.match(value)
    if m:
        year, month, day = int(m[1]), int(m[2]), int(m[3])
        hour, minute, second = int(m[5] or 0), int(m[6] or 0), int(m[7] or 0)
        half = m[4] or m[8]
    else:
        m = _TS_US.match(value)
        if not m:
            return None
        month, day, year = int(m[1]), int(m[2]), int(m[3])
        hour, minute, second = int(m[4]), int(m[5]), int(m[6] or 0)
        half = m[7]
    if half:
        if hour > 12:
            return None
        afternoon = half in ("오후", "PM", "pm")
        hour = hour % 12 + (12 if afternoon else 0)
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _key(header: str) -> str:
    return re.sub(r"\s+", "", header or "").lower()


def _columns(headers: list[str]) -> dict[str, int]:
    found = {}
    for index, header in enumerate(headers):
        key = _key(header)
        for name, aliases in ALIASES.items():
            if name not in found and (key in aliases or any(key.startswith(a) for a in aliases if len(a) > 3)):
                found[name] = index
                break
    return found


def _kind(value: str) -> str:
    text = _key(value)
    for kind, words in KIND_WORDS.items():
        if text == kind or any(w in text for w in words):
            return kind
    return "ngo"


def _goals(value: str) -> list[int]:
    return [int(n) for n in re.findall(r"(?<!\d)(1[0-7]|[1-9])(?!\d)", value or "")]


def _yes(value: str) -> bool:
    text = _key(value)
    if any(word in text for word in ("않", "안함", "미동의", "거부", "비동의")) or text in {"no", "n", "아니오", "아니요"}:
        return False
    return text in YES or text.startswith("동의") or text.startswith("yes") or text.startswith("예")


def import_csv(network: Network, data: bytes | str, *, sign: bool = True) -> ImportReport:
    """Import rows; flushes as it goes (the caller commits)."""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    report = ImportReport()
    try:
        headers = next(reader)
    except StopIteration:
        return report
    columns = _columns(headers)
    for needed in ("name", "activities"):
        if needed not in columns:
            report.skipped.append((1, f"missing column: {needed}"))
            return report
    rows = [(number, row) for number, row in enumerate(reader, start=2) if any(cell.strip() for cell in row)]
    cells = [{name: (row[i].strip() if i < len(row) else "") for name, i in columns.items()} for _n, row in rows]
    # Rows without SDGs (no SDG column, or an empty cell): the classifier's suggestion, in batches.
    unlabelled = [i for i, cell in enumerate(cells) if not _goals(cell.get("goals", "")) and cell["activities"]]
    results = dict(zip(unlabelled, classify_many(network, [cells[i]["activities"] for i in unlabelled])))
    for index, ((number, _row), cell) in enumerate(zip(rows, cells)):
        if "consent" in columns and not _yes(cell["consent"]):
            report.skipped.append((number, "no consent to the use of personal data"))
            continue
        data_row = {k: cell.get(k, "") for k in ("name", "representative", "email", "phone", "district",
                                                 "size", "website", "activities")}
        data_row["kind"] = _kind(cell.get("kind", ""))
        data_row["public_listing"] = _yes(cell.get("public_listing", ""))
        goals = _goals(cell.get("goals", ""))
        suggestion = results.get(index)
        scores: dict[int, float] = {}
        if not goals and suggestion and suggestion.get("suggested"):
            by_goal = {s["goal"]: s["score"] for s in suggestion.get("sdgs") or []}
            goals = [int(g) for g in suggestion["suggested"]]
            scores = {g: float(by_goal.get(g, 0.0)) for g in goals}
        submitted = parse_timestamp(cell.get("timestamp", ""))
        if cell.get("timestamp") and submitted is None:
            report.notes.append((number, "timestamp not understood; the import time is used"))
        try:
            result = services.register_organisation(
                network, data_row, goals=goals, suggestions=scores or None, consent_version="import",
                consent_text=consent_text(network, "ko"), actor_kind="import")
        except DomainError as exc:
            report.skipped.append((number, f"{exc.field or 'row'}: {exc.untranslated()}"))
            continue
        if not result.created:
            report.duplicates += 1
            report.skipped.append((number, "duplicate of a group already registered"))
            continue
        report.created += 1
        org = result.organisation
        if submitted is not None:  # the form's own time, not the import's
            org.created_at = org.consented_at = to_utc(submitted)
        if scores:
            # Accepted by default, marked 'suggested' so organisers can review them in bulk.
            report.suggested += 1
            clusters = suggestion.get("clusters") or []
            if clusters and org.cluster is None:
                services.set_cluster(org, clusters[0]["key"], actor_kind="import", source=GoalSource.SUGGESTED)
            remember_suggestion(org, suggestion)
        if sign and org.goal_numbers:
            pledge = sign_pledge(org, data_row["representative"] or data_row["name"][:100],
                                 org.goal_numbers, cell.get("joint_action", "")[:2000], actor_kind="import")
            if submitted is not None and pledge is not None and hasattr(pledge, "signed_at"):
                pledge.signed_at = to_utc(submitted)  # signed when the form was sent
        db.session.flush()
    return report
