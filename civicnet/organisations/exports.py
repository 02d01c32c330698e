"""Exports of a filtered list of groups: CSV (UTF-8 with BOM, for Excel) and XLSX, Korean headers.

Streamed: the groups are read as plain rows (SQLAlchemy Core, ``yield_per``) one batch at a time,
with the SDGs of each batch in one more query and the active pledge joined in, so an export of
20,000 groups holds a batch in memory, not the network.
"""
from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..extensions import db
from ..networks.models import Cluster, Network
from ..pledges.models import Pledge
from ..spreadsheets import csv_chunks, xlsx_chunks
from ..timeutil import to_local
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
    for org_id, number in db.session.execute(
            sa.select(OrganisationGoal.organisation_id, OrganisationGoal.goal_number)
            .where(OrganisationGoal.organisation_id.in_(ids), OrganisationGoal.selected.is_(True))
            .order_by(OrganisationGoal.organisation_id, OrganisationGoal.rank, OrganisationGoal.goal_number)):
        out.setdefault(org_id, []).append(number)
    return out


def row_batches(select: sa.Select, batch: int = BATCH) -> Iterator[list[list[object]]]:
    """The export's rows, ``batch`` groups at a time, from ``select`` (an ``export_select``).

    Touches no ORM instance: a streamed response runs this after the request's commit."""
    result = db.session.execute(select.execution_options(yield_per=batch))
    for partition in result.partitions():
        goals = _goals_of([r.id for r in partition])
        yield [[
            r.id, r.name, KIND_KO.get(r.kind, r.kind), r.representative, r.email or "", r.phone or "", r.district,
            r.size if r.size is not None else "", r.website or "", r.activities,
            ", ".join(str(n) for n in goals.get(r.id, ())), r.cluster_name or "", STATUS_KO.get(r.status, r.status),
            "서명" if r.pledge_id else "", r.signer_name or "", r.joint_action or "",
            "예" if r.public_listing else "아니오", to_local(r.created_at).strftime("%Y-%m-%d"),
        ] for r in partition]


def _rows(select: sa.Select) -> Iterator[list[object]]:
    for batch in row_batches(select):
        yield from batch


def csv_stream(network: Network, stmt: sa.Select) -> Iterator[bytes]:
    """CSV chunks of the groups selected by ``stmt`` (the statement is built now, read later)."""
    return csv_chunks(HEADERS, row_batches(export_select(network, stmt)))


def xlsx_stream(network: Network, stmt: sa.Select, title: str = "참여단체") -> Iterator[bytes]:
    return xlsx_chunks(title, HEADERS, _rows(export_select(network, stmt)), widths=WIDTHS)
