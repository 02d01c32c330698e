"""Exports of a filtered list of groups: CSV (UTF-8 with BOM, for Excel) and XLSX, Korean headers.

Streamed: the groups are read as plain rows (SQLAlchemy Core, ``yield_per``) one batch at a time,
with the SDGs of each batch in one more query and the active pledge joined in, so an export of
20,000 groups holds a batch in memory, not the network.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..extensions import db
from ..networks.models import Cluster, Network
from ..pledges.models import Pledge
from ..spreadsheets import csv_chunks, safe_cell, xlsx_chunks
from ..timeutil import local_zone
from .models import Organisation, OrganisationGoal

KIND_KO = {"ngo": "시민단체", "cooperative": "협동조합", "social_enterprise": "사회적기업", "company": "기업",
           "school": "학교", "public_body": "공공기관", "village_group": "마을공동체", "club": "동아리·모임",
           "individual": "개인(시민)"}
STATUS_KO = {"registered": "등록", "approved": "승인", "withdrawn": "탈퇴"}
HEADERS = ["번호", "단체명", "유형", "대표자", "이메일", "전화번호", "지역", "회원 수", "홈페이지", "주요활동",
           "SDGs", "분야(클러스터)", "상태", "협약", "협약 서명자", "공동 실천 행동", "공개 동의", "등록일"]
WIDTHS = {"B": 28, "D": 12, "E": 26, "F": 16, "J": 60, "K": 14, "L": 30, "O": 12, "P": 30}
BATCH = 1000


def export_select(network: Network, stmt: sa.Select) -> sa.Select:
    """``stmt`` (a filtered SELECT of groups) reduced to the exported columns, the group's cluster
    name and its active pledge of the current edition (at most one: ``uq_pledges_active``)."""
    o = Organisation
    pledge = aliased(Pledge, name="active_pledge")  # the filters may have their own Pledge subquery
    cluster = aliased(Cluster, name="own_cluster")  # ... and their own join to clusters
    cluster_name = sa.select(cluster.name_ko).where(cluster.id == o.cluster_id).scalar_subquery()
    return (stmt.with_only_columns(
        o.id, o.name, o.kind, o.representative, o.email, o.phone, o.district, o.size, o.website, o.activities,
        cluster_name.label("cluster_name"), o.status, pledge.id.label("pledge_id"), pledge.signer_name,
        pledge.joint_action, o.public_listing, o.created_at)
        .outerjoin(pledge, sa.and_(pledge.organisation_id == o.id, pledge.edition == network.current_edition,
                                   pledge.withdrawn_at.is_(None))))


def _goals_of(ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for org_id, number in db.session.connection().execute(
            sa.select(OrganisationGoal.organisation_id, OrganisationGoal.goal_number)
            .where(OrganisationGoal.organisation_id.in_(ids), OrganisationGoal.selected.is_(True))
            .order_by(OrganisationGoal.organisation_id, OrganisationGoal.rank, OrganisationGoal.goal_number)).all():
        out.setdefault(org_id, []).append(number)
    return out


def row_batches(select: sa.Select, batch: int = BATCH) -> Iterator[list[list[object]]]:
    """The export's rows, ``batch`` groups at a time, from ``select`` (an ``export_select``);
    typed text already made formula-safe (``safe_cell``).

    Touches no ORM instance: a streamed response runs this after the request's commit."""
    local_date = _local_date()
    # Core execution on the session's connection: plain rows, no ORM loading layer.
    result = db.session.connection().execute(select.execution_options(yield_per=batch))
    for partition in result.partitions():
        goals = _goals_of([r[0] for r in partition])
        yield [[
            org_id, safe_cell(name), KIND_KO.get(kind, kind), safe_cell(representative), safe_cell(email or ""),
            safe_cell(phone or ""), safe_cell(district), size if size is not None else "", safe_cell(website or ""),
            safe_cell(activities), ", ".join(map(str, goals.get(org_id, ()))), safe_cell(cluster_name or ""),
            STATUS_KO.get(status, status), "서명" if pledge_id else "", safe_cell(signer_name or ""),
            safe_cell(joint_action or ""), "예" if public_listing else "아니오", local_date(created_at),
        ] for (org_id, name, kind, representative, email, phone, district, size, website, activities, cluster_name,
               status, pledge_id, signer_name, joint_action, public_listing, created_at) in partition]


def _local_date():
    """naive UTC datetime -> local "YYYY-MM-DD"; a plain shift when the zone has a fixed offset."""
    from ..dashboard.stats import fixed_offset_minutes

    zone = local_zone()
    minutes = fixed_offset_minutes(zone.key)
    if minutes is not None:
        shift = timedelta(minutes=minutes)
        return lambda moment: (moment + shift).date().isoformat()
    return lambda moment: moment.replace(tzinfo=UTC).astimezone(zone).date().isoformat()


def _sheet_rows(select: sa.Select) -> Iterator[list[object]]:
    """Rows for the sheet: empty texts become empty cells (openpyxl writes nothing for None)."""
    for batch in row_batches(select):
        for row in batch:
            yield [v if v != "" else None for v in row]


def csv_stream(network: Network, stmt: sa.Select) -> Iterator[bytes]:
    """CSV chunks of the groups selected by ``stmt`` (the statement is built now, read later)."""
    return csv_chunks(HEADERS, row_batches(export_select(network, stmt)), safe=True)


def xlsx_stream(network: Network, stmt: sa.Select, title: str = "참여단체") -> Iterator[bytes]:
    return xlsx_chunks(title, HEADERS, _sheet_rows(export_select(network, stmt)), widths=WIDTHS, safe=True)
