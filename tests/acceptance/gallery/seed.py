"""A realistic network for the gallery, built through the services the product itself uses.

The 2024 pledge ceremony of DOMAIN.md: 189 groups (NGOs, cooperatives, schools, companies, village
groups, single citizens) whose Korean activity descriptions come from the shipped matching corpus
(``civicnet/matching/data/korean_activities.jsonl``), registered in the 2024 form window
(2024-04-22 to 2024-05-10), most with SDGs and a cluster, some still waiting for an organiser;
pledges with joint actions, a few withdrawn; the ceremony with registrations, check-ins, breakout
tables and the joint actions they agreed; an upcoming meeting that is full, with a waiting list;
groups that registered this month; notices with sent, failed, pending, in-flight and unreachable
deliveries.

Deterministic (seeded ``random.Random``) so two gallery runs show the same pages. Dates in the
past are written onto the rows after the service created them (the services stamp "now").
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from civicnet.accounts.services import create_api_token, create_user
from civicnet.dashboard.stats import groups_to_place
from civicnet.extensions import db
from civicnet.meetings import breakouts, services as meetings
from civicnet.meetings.cli import example_meeting_data
from civicnet.matching.services import suggest_for_organisation
from civicnet.meetings.models import Registration, RegistrationStatus
from civicnet.networks.models import Network
from civicnet.notices import services as notices
from civicnet.notices.models import Delivery, DeliveryState
from civicnet.organisations import services as organisations
from civicnet.organisations.models import Organisation
from civicnet.pledges import services as pledges
from civicnet.timeutil import to_local, to_utc, utcnow

CORPUS = Path(__file__).resolve().parents[3] / "civicnet" / "matching" / "data" / "korean_activities.jsonl"
PASSWORD = "gallery organiser password"

DISTRICTS = {
    "상당구": ["용암동", "금천동", "영운동", "율량동", "명암동", "탑동", "남주동"],
    "서원구": ["사창동", "모충동", "산남동", "분평동", "수곡동", "성화동", "개신동"],
    "흥덕구": ["복대동", "가경동", "봉명동", "강서동", "오송읍", "운천동", "신봉동"],
    "청원구": ["오창읍", "내수읍", "오근장동", "우암동", "내덕동", "율량동", "북이면"],
}
TOPIC = {  # a word for the group's name, by its first SDG
    1: "나눔", 2: "밥상", 3: "건강", 4: "배움", 5: "평등", 6: "맑은물", 7: "햇빛", 8: "일터", 9: "메이커",
    10: "함께", 11: "마을", 12: "되살림", 13: "기후", 14: "물길", 15: "숲", 16: "인권", 17: "이음",
}
KIND_SUFFIX = {
    "ngo": ["시민모임", "연대", "지킴이", "운동본부"], "cooperative": ["협동조합", "소비자생협"],
    "social_enterprise": ["사회적협동조합", "사회적기업"], "company": ["(주)", "상사"],
    "school": ["초등학교", "중학교", "고등학교 동아리"], "public_body": ["주민자치회", "복지관"],
    "village_group": ["마을공동체", "아파트 공동체"], "club": ["동아리", "봉사단"],
}
KINDS = (["ngo"] * 52 + ["cooperative"] * 18 + ["social_enterprise"] * 16 + ["company"] * 10 + ["school"] * 20
         + ["public_body"] * 9 + ["village_group"] * 28 + ["club"] * 18 + ["individual"] * 18)
SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = ["민지", "서연", "지훈", "현우", "수빈", "예은", "도윤", "하은", "준서", "지아", "은정", "성호", "미경", "영수"]
JOINT_ACTIONS = [
    ("무심천 함께 줍깅", "매달 둘째 토요일 무심천 하천변 쓰레기 줍기와 생태 관찰"),
    ("동네 나눔 냉장고 잇기", "단체마다 가까운 나눔 냉장고 한 곳을 맡아 채우고 알리기"),
    ("어린이 기후 학교", "여름방학 3주 동안 초등학생 기후 교육 공동 운영"),
    ("마을 에너지 자립 지도", "마을별 햇빛발전 가능 지붕을 함께 조사해 지도 만들기"),
    ("로컬푸드 장터", "분기마다 도시농업 단체와 협동조합이 함께 여는 장터"),
    ("안전한 통학로 살피기", "학교 주변 통학로를 함께 걷고 위험 지점을 구청에 알리기"),
]


@dataclass
class Seeded:
    """What the gallery needs to reach every page of the seeded network."""
    network: Network
    slug: str
    organiser_id: int
    organiser_email: str
    api_token: str
    ceremony_id: int
    upcoming_id: int
    group_id: int                      # a pledged, clustered group (detail, partners, edit link)
    edit_token: str                    # that group's private edit link
    registration_token: str            # its private page for the upcoming meeting
    waiting_token: str                 # a group on the upcoming meeting's waiting list
    table_id: int                      # a ceremony table with a joint action
    notice_id: int                     # a notice with mixed delivery states
    export_ready_id: int = 0           # a prepared export the worker finished
    export_building_id: int = 0        # ... and one it is writing
    years: list[int] = field(default_factory=list)
    counts: dict = field(default_factory=dict)


def _local(day: str, hhmm: str = "10:00") -> datetime:
    return to_utc(datetime.fromisoformat(f"{day}T{hhmm}"))


def _corpus(rng: random.Random, count: int) -> list[dict]:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r["lang"] == "ko" and len(r["text"]) >= 25]
    rng.shuffle(rows)
    return rows[:count]


def _name(rng: random.Random, kind: str, sdgs: list[int], used: set[str]) -> tuple[str, str]:
    district = rng.choice(list(DISTRICTS))
    dong = rng.choice(DISTRICTS[district])
    for _ in range(50):
        if kind == "individual":
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        else:
            suffix = rng.choice(KIND_SUFFIX[kind])
            topic = TOPIC[sdgs[0]] if sdgs else "청주"
            name = f"{suffix} {dong} {topic}" if suffix == "(주)" else f"{dong} {topic} {suffix}"
        if name not in used:
            used.add(name)
            return name, district
        dong = rng.choice(DISTRICTS[district])
    name = f"{name} {len(used)}"
    used.add(name)
    return name, district


def _register(network: Network, rng: random.Random, i: int, row: dict, kind: str, used: set[str],
              with_goals: bool) -> tuple[Organisation, str]:
    name, district = _name(rng, kind, row["sdgs"], used)
    phone = f"010-{rng.randint(2000, 9999)}-{rng.randint(1000, 9999)}"
    data = {
        "name": name, "kind": kind, "representative": name if kind == "individual" else
        rng.choice(SURNAMES) + rng.choice(GIVEN), "email": f"group{i:03d}@example.org" if i % 4 else "",
        "phone": phone, "district": district, "activities": row["text"], "language": "en" if i % 23 == 0 else "ko",
        "public_listing": i % 5 != 0, "size": rng.choice([None, 5, 12, 30, 80, 250]),
    }
    result = organisations.register_organisation(
        network, data, goals=row["sdgs"] if with_goals else [], consent_version="2024-1",
        consent_text="개인정보 수집·이용 동의 (갤러리 예시)")
    return result.organisation, result.edit_token


def seed_ceremony(network: Network, *, groups: int = 189, seed: int = 2024) -> Seeded:
    """Fill ``network`` (the default Cheongju network, freshly loaded) as described above."""
    rng = random.Random(seed)
    started = time.monotonic()
    organiser = create_user("secretariat@example.org", "사무국 담당자", PASSWORD, network=network, role="admin")
    db.session.flush()
    _, api_token = create_api_token(organiser, network, "gallery")
    clusters = {c.key: c for c in network.clusters}
    kinds = (KINDS * 2)[:groups]
    rng.shuffle(kinds)
    rows = _corpus(rng, groups + 12)
    used: set[str] = set()
    window_start, window_days = _local("2024-04-22", "09:00"), 18

    made: list[tuple[Organisation, str, dict]] = []
    for i in range(groups):
        row = rows[i]
        with_goals = i % 29 != 7                          # a few groups left the SDG step empty
        org, token = _register(network, rng, i, row, kinds[i], used, with_goals)
        org.created_at = window_start + timedelta(days=rng.uniform(0, window_days))
        if i < 12:                                         # renewing groups from the 2023 network
            org.created_at = _local("2023-05-02") + timedelta(days=i)
        if i % 11 != 3 and row["clusters"]:                # the rest still need a cluster
            organisations.set_cluster(org, clusters[row["clusters"][0]], actor_kind="organiser",
                                      actor_user_id=organiser.id)
        if i % 3 != 2:
            organisations.approve(org, actor_user_id=organiser.id)
        made.append((org, token, row))
    db.session.flush()

    # Pledges: the 2023 edition for the renewing groups, 2024 for most, a few withdrawn.
    pledged: list[Organisation] = []
    for i, (org, _token, row) in enumerate(made):
        if i < 12:
            p = pledges.sign_pledge(org, org.representative or org.name, row["sdgs"], edition=2023,
                                    joint_action=JOINT_ACTIONS[i % len(JOINT_ACTIONS)][0])
            p.signed_at = _local("2023-05-25") + timedelta(hours=i)
        if i % 6 == 5 or not org.goal_numbers:
            continue
        p = pledges.sign_pledge(org, org.representative or org.name, row["sdgs"], edition=2024,
                                joint_action=JOINT_ACTIONS[i % len(JOINT_ACTIONS)][0] if i % 4 == 0 else "")
        p.signed_at = org.created_at + timedelta(days=rng.uniform(0.1, 25))
        pledged.append(org)
        if i % 37 == 36:
            pledges.withdraw_pledge(p, actor_kind="group")
    for org, _token, _row in made[-4:]:                   # two groups left the network
        organisations.withdraw(org, actor_kind="group", reason="활동 종료")
        break
    db.session.flush()

    # The ceremony of 2024-05-30, its registrations, check-ins, breakout tables and joint actions.
    ceremony = meetings.create_meeting(network, example_meeting_data(network, tables=3, seats=8))
    seated = [o for o in pledged if o.status != "withdrawn"][:130]
    for i, org in enumerate(seated):
        attendees = 2 if i % 4 == 0 else 1
        names = [org.representative or org.name] + (["동행인"] if attendees == 2 else [])
        reg, _ = meetings.register(ceremony, org, attendees=attendees, attendee_names=names,
                                   preferred_cluster_id=org.cluster_id, ignore_window=True,
                                   accessibility="휠체어 이용" if i % 31 == 0 else "")
        reg.created_at = _local("2024-05-01") + timedelta(hours=i * 3)
    db.session.flush()
    breakouts.run_assignment(ceremony, actor_user_id=organiser.id)
    regs = meetings.registrations(ceremony, status=RegistrationStatus.CONFIRMED)
    for i, reg in enumerate(regs):
        if i % 7 != 3:
            meetings.check_in(reg, user_id=organiser.id)
    table_with_action = None
    for n, (table, people) in enumerate(breakouts.seating(ceremony)[0]):
        if len(people) < 2 or n % 3 == 2:
            continue
        title, description = JOINT_ACTIONS[n % len(JOINT_ACTIONS)]
        breakouts.record_joint_action(
            table, title=title, description=description, goal_numbers=people[0].organisation.goal_numbers[:3],
            lead_organisation_id=people[0].organisation_id,
            partner_ids=[r.organisation_id for r in people[1:4]])
        table_with_action = table_with_action or table
    db.session.flush()

    # Groups that registered this month: no cluster, some without SDGs (the organisers' work-list).
    recent: list[Organisation] = []
    for j in range(6):
        org, _token = _register(network, rng, groups + j, rows[groups + j], rng.choice(KINDS), used,
                                with_goals=j % 2 == 0)
        org.created_at = utcnow() - timedelta(days=j + 1)
        recent.append(org)

    # What the registration form does for every group: SDG and cluster suggestions (here only for the
    # groups an organiser still has to place, so the work-list shows them).

    for item in groups_to_place(network, limit=1000)[1]:
        suggest_for_organisation(item.organisation)

    # An upcoming meeting, full, with a waiting list; our example group holds a seat.
    upcoming_data = example_meeting_data(network, tables=2, seats=6)
    start = _local((to_local(utcnow()) + timedelta(days=12)).date().isoformat(), "14:00")  # 14:00 in Seoul
    upcoming_data.update(
        title_ko="연말 분야별 교류회", title_en="Year-end exchange by cluster", starts_at=start,
        ends_at=start + timedelta(hours=2), registration_opens_at=None, registration_closes_at=None,
        capacity=24, per_organisation_limit=2)
    upcoming_data["programme"] = [dict(p, at=start + (p["at"] - upcoming_data["programme"][1]["at"]))
                                  for p in upcoming_data["programme"]]
    upcoming = meetings.create_meeting(network, upcoming_data)
    example_org, example_token = made[0][0], made[0][1]
    registration, registration_token = meetings.register(
        upcoming, example_org, attendees=2, attendee_names=[example_org.representative, "박동행"],
        preferred_cluster_id=example_org.cluster_id, accessibility="수어 통역이 필요합니다")
    waiting_token = ""
    for org in pledged[1:29]:
        reg, token = meetings.register(upcoming, org, attendees=1, attendee_names=[org.representative or org.name])
        if reg.status == RegistrationStatus.WAITLISTED and not waiting_token:
            waiting_token = token
    db.session.flush()

    # Telegram links for part of the network, and notices with mixed delivery states.
    members = [o for o, _t, _r in made if o.status != "withdrawn"]
    for i, org in enumerate(members[:90]):
        chat = notices.link_chat(7_000_000_000 + i, network, org, language=org.language,
                                 consent_version="2024-1")
        if i % 17 == 16:
            chat.subscribed = False
    db.session.flush()
    invitation = notices.create_notice(
        network, "5월 30일(목) 14시 서원구청 대회의실에서 협약식 및 교류회가 열립니다. 13시 30분부터 접수합니다.",
        "The pledge ceremony and exchange meeting is on Thursday 30 May, 14:00, Seowon-gu office main hall.",
        "network", user_id=organiser.id)
    reminder = notices.create_notice(
        network, "내일 분야별 모임에서 올해 공동 실천 행동을 정합니다. 활동 사진을 한 장 가져와 주세요.",
        None, "meeting", ceremony.id, user_id=organiser.id)
    notices.create_notice(network, "연말 교류회 자리가 모두 찼습니다. 대기 순서대로 연락드리겠습니다.",
                          "The year-end exchange is full; we will contact the waiting list in order.",
                          "meeting", upcoming.id, user_id=organiser.id)
    db.session.flush()
    _deliver(invitation.id, rng, finished=True)
    _deliver(reminder.id, rng, finished=False)
    invitation.created_at = _local("2024-05-20", "09:30")
    reminder.created_at = _local("2024-05-29", "18:00")
    db.session.commit()

    # Prepared exports (built by the worker past EXPORT_WORKER_THRESHOLD): one ready, one half-way.
    from civicnet.downloads import services as downloads

    ready = downloads.request_export(network, "organisations", "xlsx", {}, user_id=organiser.id,
                                     filename=f"{network.slug}-organisations.xlsx")
    db.session.commit()
    downloads.build_export(ready.id, db.session.commit)
    building = downloads.request_export(network, "organisations", "csv", {"status": "registered"},
                                        user_id=organiser.id, filename=f"{network.slug}-organisations.csv")
    building.state, building.rows_total, building.rows_done = "building", 4200, 1800
    db.session.commit()

    counts = {
        "groups": db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(
            Organisation.network_id == network.id)),
        "registrations": db.session.scalar(sa.select(sa.func.count(Registration.id))),
        "deliveries": db.session.scalar(sa.select(sa.func.count(Delivery.id))),
        "seconds": round(time.monotonic() - started, 1),
    }
    return Seeded(network=network, slug=network.slug, organiser_id=organiser.id, organiser_email=organiser.email,
                  api_token=api_token, ceremony_id=ceremony.id, upcoming_id=upcoming.id, group_id=example_org.id,
                  edit_token=example_token, registration_token=registration_token, waiting_token=waiting_token,
                  table_id=table_with_action.id, notice_id=invitation.id, years=[2024, 2023], counts=counts,
                  export_ready_id=ready.id, export_building_id=building.id)


def _deliver(notice_id: int, rng: random.Random, *, finished: bool) -> None:
    """Write the outcomes a worker would have recorded: most sent, some failed, the rest pending or in
    flight when ``finished`` is False (the worker's own path is covered by tests/notices)."""
    rows = db.session.scalars(sa.select(Delivery).where(
        Delivery.notice_id == notice_id, Delivery.state == DeliveryState.PENDING).order_by(Delivery.id)).all()
    now = utcnow()
    for i, delivery in enumerate(rows):
        roll = rng.random()
        if not finished and i % 3 == 0:
            continue                                                    # still pending
        if not finished and i % 10 == 1:
            delivery.state, delivery.claimed_by, delivery.claimed_at = DeliveryState.SENDING, "worker-1", now
            delivery.attempts = 1
        elif roll < 0.08:
            delivery.state, delivery.error, delivery.attempts = DeliveryState.FAILED, "timeout", 3
            delivery.finished_at = now
        elif roll < 0.12:
            delivery.state, delivery.error = DeliveryState.UNREACHABLE, "blocked"
            delivery.finished_at, delivery.attempts = now, 1
        else:
            delivery.state, delivery.message_id = DeliveryState.SENT, 1000 + delivery.id
            delivery.finished_at, delivery.attempts = now, 1
    db.session.flush()
