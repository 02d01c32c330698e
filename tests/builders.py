"""Plain builder functions for test data (no factories, no magic)."""
from __future__ import annotations

import itertools

from argon2 import PasswordHasher

from civicnet.accounts.models import Membership, User
from civicnet.extensions import db
from civicnet.goals.models import Goal
from civicnet.networks.models import Network
from civicnet.networks.services import create_network
from civicnet.organisations import services as organisations
from civicnet.organisations.history import ActorKind
from civicnet.organisations.models import Organisation, OrganisationStatus

_seq = itertools.count(1)
_hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # fast in tests only


def make_network(slug: str = "other", clusters: list[dict] | None = None) -> Network:
    clusters = clusters or [
        {"key": "green", "name_ko": "초록", "name_en": "Green", "sdgs": [13, 14, 15]},
        {"key": "people", "name_ko": "사람", "name_en": "People", "sdgs": [1, 3, 4, 10]},
    ]
    network = create_network({
        "slug": slug, "name_ko": f"{slug} 네트워크", "name_en": f"{slug} network", "city": "대전시",
        "pledge_text_ko": "우리는 약속합니다.", "pledge_text_en": "We pledge.", "pledge_version": "1",
        "current_edition": 2024, "clusters": clusters,
    })
    db.session.commit()
    return network


def make_user(network: Network | None = None, role: str = "admin", *, email: str | None = None,
              password: str = "correct horse battery", name: str = "담당자") -> User:
    user = User(email=email or f"organiser{next(_seq)}@example.org", name=name,
                password_hash=_hasher.hash(password))
    if network is not None:
        user.memberships.append(Membership(network_id=network.id, role=role))
    db.session.add(user)
    db.session.commit()
    return user


def make_organisation(network: Network, *, name: str | None = None, kind: str = "ngo",
                      goals: list[int] = (), activities: str = "하천 정화 활동과 생태 교육",
                      email: str | None = None, phone: str | None = None, status: str = "registered",
                      cluster_key: str | None = None, **fields) -> Organisation:
    """A group registered through the service a volunteer's form uses (same cleaning, keys, history)."""
    n = next(_seq)
    name = name or f"테스트 단체 {n}"
    email = email if email is not None else (None if phone else f"group{n}@example.org")
    created_at = fields.pop("created_at", None)  # a past registration date, for period statistics
    data = {"name": name, "kind": kind, "representative": fields.pop("representative", "홍길동"), "email": email,
            "phone": phone, "activities": activities, **fields}
    result = organisations.register_organisation(network, data, goals=goals, consent_version="1",
                                                 actor_kind=ActorKind.SYSTEM)
    assert result.created, f"a group named {name!r} with this contact already exists"
    org = result.organisation
    if created_at is not None:
        org.created_at = created_at
    if cluster_key:
        organisations.set_cluster(org, cluster_key, actor_kind=ActorKind.ORGANISER)
    if status == OrganisationStatus.APPROVED:
        organisations.approve(org, actor_kind=ActorKind.SYSTEM)
    elif status == OrganisationStatus.WITHDRAWN:
        organisations.withdraw(org, actor_kind=ActorKind.SYSTEM)
    elif status != OrganisationStatus.REGISTERED:
        raise ValueError(f"unknown status {status!r}")
    db.session.commit()
    return org


def login(client, user: User) -> None:
    """Log ``user`` in on the test client (Flask-Login session keys, a live revocable session)."""
    with client.session_transaction() as session:
        session["_user_id"] = session_id(user)
        session["_fresh"] = True


def session_id(user: User) -> str:
    """A new organiser session for ``user``: the id Flask-Login keeps in its cookies."""
    from civicnet.accounts.services import start_session

    start_session(user)
    db.session.commit()
    return user.session_id


def goal(number: int) -> Goal:
    return db.session.get(Goal, number)
