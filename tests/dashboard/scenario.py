"""A small but varied network for the dashboard, directory and report tests, and an
independent (pure Python) count of what the charts must show."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from civicnet.extensions import db
from civicnet.goals.models import Goal
from civicnet.organisations.models import Organisation
from civicnet.pledges.models import Pledge
from tests.builders import make_network, make_organisation

SEOUL = ZoneInfo("Asia/Seoul")


def _utc(year, month, day, hour=3) -> datetime:
    """A Seoul wall-clock time as naive UTC."""
    return datetime(year, month, day, hour, tzinfo=SEOUL).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _pledge(org: Organisation, edition: int, goals: list[int], signed: datetime, *, joint_action: str = "",
            withdrawn: bool = False) -> Pledge:
    pledge = Pledge(organisation_id=org.id, network_id=org.network_id, edition=edition, pledge_version="1",
                    signer_name="서명자", signed_at=signed, joint_action=joint_action,
                    withdrawn_at=signed + timedelta(days=3) if withdrawn else None)
    pledge.goals = [db.session.get(Goal, n) for n in goals]
    db.session.add(pledge)
    db.session.commit()
    return pledge


def build_scenario(network) -> dict:
    """Groups across kinds, clusters and years, with pledges, withdrawals and a second network."""
    made = {}
    made["river"] = make_organisation(
        network, name="무심천 살리기 모임", kind="ngo", goals=[6, 15, 13], cluster_key="nature", public_listing=True,
        activities="무심천 하천 정화 활동과 생태 교육, 쓰레기 줍기", created_at=_utc(2024, 4, 23),
        email="river@example.org", phone="010-1234-5678", representative="김대표")
    made["school"] = make_organisation(
        network, name="푸른숲 초등학교", kind="school", goals=[4, 13, 15], cluster_key="nature", public_listing=True,
        activities="학생들과 하천 생태 교육, 숲 체험과 기후 수업", created_at=_utc(2024, 5, 2))
    made["foodbank"] = make_organisation(
        network, name="나눔 푸드뱅크", kind="social_enterprise", goals=[2, 12, 1], cluster_key="welfare",
        public_listing=True, activities="남는 음식을 모아 어려운 이웃에게 나누는 푸드뱅크", created_at=_utc(2024, 5, 9))
    made["coop"] = make_organisation(
        network, name="햇빛 에너지 협동조합", kind="cooperative", goals=[7, 13, 8], cluster_key="jobs",
        public_listing=False, activities="시민 햇빛발전소를 세우고 에너지 전환 교육", created_at=_utc(2023, 4, 30),
        email="secret-coop@example.org")
    made["citizen"] = make_organisation(
        network, name="이시민", kind="individual", goals=[3, 11], cluster_key=None, public_listing=True,
        activities="동네 걷기 모임과 건강 캠페인", created_at=_utc(2023, 12, 31, 23), phone="010-9999-0000", email=None)
    made["farm"] = make_organisation(
        network, name="도시농업 네트워크", kind="village_group", goals=[2, 11, 12], cluster_key="agri-food",
        public_listing=True, activities="옥상 텃밭과 도시 농업 교육", created_at=_utc(2022, 6, 1))
    made["gone"] = make_organisation(
        network, name="탈퇴한 단체", kind="ngo", goals=[14, 6], cluster_key="nature", public_listing=True,
        status="withdrawn", activities="바다 쓰레기 줍기", created_at=_utc(2024, 5, 1))
    # Pledges: 2024 edition for river, school, foodbank, farm (registered in 2022), citizen;
    # 2023 edition for coop and farm; one withdrawn pledge; one of the withdrawn group.
    _pledge(made["river"], 2024, [6, 15], _utc(2024, 5, 30), joint_action="무심천 함께 줍깅")
    _pledge(made["school"], 2024, [4, 13], _utc(2024, 5, 30), joint_action="무심천 함께 줍깅")
    _pledge(made["foodbank"], 2024, [2, 12], _utc(2024, 6, 2), joint_action="=HYPERLINK(\"x\")")
    _pledge(made["farm"], 2024, [2, 11], _utc(2024, 6, 10))
    _pledge(made["farm"], 2023, [2, 11, 12], _utc(2023, 5, 30))
    _pledge(made["coop"], 2023, [7, 13], _utc(2023, 5, 30), joint_action="비공개 협동조합 행동")
    _pledge(made["coop"], 2024, [7], _utc(2024, 5, 30), withdrawn=True)
    _pledge(made["citizen"], 2024, [3], _utc(2024, 5, 31))
    _pledge(made["gone"], 2024, [14], _utc(2024, 5, 30))
    other = make_network("daejeon")
    made["other"] = make_organisation(other, name="대전 하천 모임", kind="ngo", goals=[6, 15], cluster_key="green",
                                      public_listing=True, activities="무심천 하천 정화 활동과 생태 교육")
    _pledge(made["other"], 2024, [6, 15], _utc(2024, 5, 30))
    made["other_network"] = other
    return made


def _local_month(moment: datetime, zone: ZoneInfo = SEOUL) -> str:
    return moment.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).strftime("%Y-%m")


def expected(network, *, year=None, kind=None, cluster_id=None, zone: str = "Asia/Seoul") -> dict:
    """Count everything the dashboard shows, walking the ORM objects one by one (months and years
    in ``zone``, the app's BABEL_DEFAULT_TIMEZONE)."""
    local = ZoneInfo(zone)
    orgs = db.session.scalars(sa.select(Organisation).where(Organisation.network_id == network.id)).all()
    pledges = db.session.scalars(sa.select(Pledge).where(Pledge.network_id == network.id)).all()

    def group_ok(org) -> bool:
        if org.status == "withdrawn" or (kind and org.kind != kind) or (cluster_id and org.cluster_id != cluster_id):
            return False
        if year is None:
            return True
        registered = _local_month(org.created_at, local).startswith(f"{year}-")
        pledged = any(p.organisation_id == org.id and p.edition == year and p.withdrawn_at is None for p in pledges)
        return registered or pledged

    groups = [o for o in orgs if group_ok(o)]
    group_ids = {o.id for o in groups}
    by_id = {o.id: o for o in orgs}
    counted_pledges = [
        p for p in pledges
        if p.withdrawn_at is None and (year is None or p.edition == year)
        and by_id[p.organisation_id].status != "withdrawn"
        and (not kind or by_id[p.organisation_id].kind == kind)
        and (not cluster_id or by_id[p.organisation_id].cluster_id == cluster_id)
    ]
    goal_groups = {n: sum(1 for o in groups if n in o.goal_numbers) for n in range(1, 18)}
    goal_pledges = {n: sum(1 for p in counted_pledges if n in [g.number for g in p.goals]) for n in range(1, 18)}
    third = sorted(goal_groups.values())[2]
    clusters = {}
    for c in network.clusters:
        if cluster_id and c.id != cluster_id:
            continue
        clusters[c.key] = (sum(1 for o in groups if o.cluster_id == c.id),
                           sum(1 for p in counted_pledges if by_id[p.organisation_id].cluster_id == c.id))
    no_cluster = (sum(1 for o in groups if o.cluster_id is None),
                  sum(1 for p in counted_pledges if by_id[p.organisation_id].cluster_id is None))
    if any(no_cluster):
        clusters[""] = no_cluster
    return {
        "groups": len(groups), "pledges": len(counted_pledges), "group_ids": group_ids,
        "goal_groups": goal_groups, "goal_pledges": goal_pledges,
        "gaps": sorted(n for n, v in goal_groups.items() if v <= third),
        "clusters": clusters,
        "registrations": Counter(_local_month(o.created_at, local) for o in groups),
        "signed": Counter(_local_month(p.signed_at, local) for p in counted_pledges),
        "kinds": Counter(o.kind for o in groups),
    }
