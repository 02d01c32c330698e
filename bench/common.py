"""Helpers shared by the benchmarks: an empty migrated database, synthetic networks of any size,
medians and peak memory."""
from __future__ import annotations

import os
import random
import statistics
import time
import tracemalloc
from datetime import datetime, timedelta

# The benchmarks' own PostgreSQL database, never the shared `test` one.
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_perf"
SECRET = "bench-secret-key-" + "x" * 32

PHRASES = [
    "하천 정화 활동", "생태 교육", "쓰레기 줍기", "푸드뱅크 나눔", "어르신 돌봄", "청소년 진로 교육", "기후위기 캠페인",
    "햇빛발전 협동조합", "도시 텃밭 가꾸기", "로컬푸드 직거래", "장애인 이동권 지원", "다문화 가정 한국어 교실",
    "마을 공동체 축제", "재활용 업사이클링 공방", "숲 해설과 숲 체험", "에너지 절약 교육", "성평등 교육",
    "안전한 통학로 만들기", "공정무역 카페", "청년 창업 지원", "노인 일자리", "무료 법률 상담", "지역 역사 기록",
    "자전거 타기 운동", "미세먼지 측정", "빗물 저금통", "유기견 보호", "전통시장 살리기", "독서 모임", "합창단 공연",
]
DISTRICTS = ["상당구", "서원구", "흥덕구", "청원구"]
KINDS = ["ngo", "cooperative", "social_enterprise", "company", "school", "public_body", "village_group", "club",
         "individual"]
JOINT_ACTIONS = ["무심천 함께 줍기", "우리 동네 에너지 지도", "어르신 반찬 나눔 연대", "청소년 기후 학교", "로컬푸드 장터",
                 "마을 안전 지도 만들기", ""]


def synthetic_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(DISTRICTS)}에서 " + ", ".join(rng.sample(PHRASES, rng.randint(2, 4))) + " 활동을 합니다."
            for _ in range(n)]


def bench_database_url(tmpdir: str | None = None, *, backend: str | None = None) -> str:
    """BENCH_DATABASE_URL, else PostgreSQL ``bench_perf`` when asked, else an SQLite file in ``tmpdir``."""
    if backend == "postgresql":
        return os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL)
    if backend == "sqlite" or tmpdir is not None and not os.environ.get("BENCH_DATABASE_URL"):
        return f"sqlite:///{tmpdir}/bench.sqlite"
    return os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG_URL


def ensure_pg_database(url: str) -> bool:
    """Create the PostgreSQL database named in ``url`` if it is missing; False when unreachable."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return True
    if parsed.database == "test":
        raise SystemExit("refusing to benchmark in the shared `test` database; use bench_perf or your own")
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": parsed.database})
            if not exists:
                conn.execute(sa.text(f'CREATE DATABASE "{parsed.database}"'))
    except sa.exc.OperationalError as exc:
        print(f"PostgreSQL unreachable ({exc.__class__.__name__}): skipped")
        return False
    finally:
        admin.dispose()
    return True


def migrate_empty_database(url: str) -> None:
    """Bring the database at ``url`` to the head revision from empty (call inside the app context).

    On PostgreSQL the public schema is dropped first, so point ``url`` at a database of its own.
    """
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from civicnet.extensions import db

    if url.startswith("postgresql"):
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    upgrade(revision="heads")


def make_app(url: str, **config):
    """The real app on ``url``, migrated from empty, with the SDGs and the default network loaded."""
    import civicnet
    from civicnet.extensions import db
    from civicnet.networks.services import ensure_default_data

    app = civicnet.create_app({"TESTING": False, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url,
                               "WTF_CSRF_ENABLED": False, "SDG_SUGGESTIONS": False, **config})
    with app.app_context():
        migrate_empty_database(url)
        ensure_default_data()
        db.session.commit()
    return app


def populate(n: int, *, slug: str | None = None, seed: int | None = None, edition: int = 2024):
    """A network of ``n`` groups (inside an app context): 1-3 SDGs each, a cluster for most,
    a pledge of the current edition for about 70 % (a third with a joint action), registrations
    spread over the two years before the edition's end. Inserted in bulk; returns the network."""
    import sqlalchemy as sa

    from civicnet.extensions import db
    from civicnet.networks.services import create_network
    from civicnet.organisations.models import Organisation, OrganisationGoal
    from civicnet.pledges.models import Pledge, pledge_goals

    rng = random.Random(seed if seed is not None else n)
    network = create_network({
        "slug": slug or f"bench-{n}", "name_ko": f"벤치 {n}", "name_en": f"Bench {n}", "city": "청주시",
        "pledge_text_ko": "약속", "pledge_text_en": "Pledge", "pledge_version": "1", "current_edition": edition,
        "clusters": [
            {"key": "nature", "name_ko": "자연", "name_en": "Nature", "sdgs": [6, 13, 14, 15]},
            {"key": "welfare", "name_ko": "복지", "name_en": "Welfare", "sdgs": [1, 3, 4, 5, 10]},
            {"key": "jobs", "name_ko": "일자리", "name_en": "Jobs", "sdgs": [7, 8, 9, 12]},
            {"key": "safety", "name_ko": "안전", "name_en": "Safety", "sdgs": [11, 16, 17]},
        ],
    })
    db.session.commit()
    cluster_ids = [c.id for c in network.clusters] + [None]
    start = datetime(edition - 1, 1, 1)
    span = (datetime(edition, 12, 31) - start).total_seconds()
    texts = synthetic_texts(n, seed=n)
    rows = []
    for i, text in enumerate(texts):
        created = start + timedelta(seconds=rng.random() * span)
        rows.append({
            "network_id": network.id, "name": f"단체 {i:05d}", "name_key": f"단체{i:05d}",
            "kind": rng.choice(KINDS), "representative": "홍길동", "email": f"group{i}@example.org", "phone": None,
            "contact_key": f"group{i}@example.org", "district": rng.choice(DISTRICTS), "activities": text,
            "language": "ko", "status": rng.choice(["registered", "approved", "approved", "withdrawn"]) if i % 10 == 0
            else "approved", "public_listing": rng.random() < 0.8, "cluster_id": rng.choice(cluster_ids),
            "created_at": created, "updated_at": created,
        })
    for s in range(0, n, 2000):
        db.session.execute(sa.insert(Organisation), rows[s:s + 2000])
    db.session.commit()
    orgs = db.session.execute(sa.select(Organisation.id, Organisation.created_at, Organisation.status)
                              .where(Organisation.network_id == network.id).order_by(Organisation.id)).all()
    links, pledges, goals_of = [], [], {}
    for org_id, created, _status in orgs:
        goals = rng.sample(range(1, 18), rng.randint(1, 3))
        goals_of[org_id] = goals
        links += [{"organisation_id": org_id, "goal_number": g, "selected": True, "source": "chosen", "rank": r,
                   "suggested": False, "updated_at": created} for r, g in enumerate(goals)]
    for s in range(0, len(links), 5000):
        db.session.execute(sa.insert(OrganisationGoal), links[s:s + 5000])
    for org_id, created, status in orgs:
        if status != "withdrawn" and rng.random() < 0.7:
            pledges.append({"organisation_id": org_id, "network_id": network.id, "edition": edition,
                            "pledge_version": "1", "signer_name": "김민지",
                            "signed_at": created + timedelta(days=rng.randint(0, 20)),
                            "joint_action": rng.choice(JOINT_ACTIONS) if rng.random() < 0.33 else ""})
    for s in range(0, len(pledges), 2000):
        db.session.execute(sa.insert(Pledge), pledges[s:s + 2000])
    db.session.commit()
    pledge_rows = db.session.execute(sa.select(Pledge.id, Pledge.organisation_id)
                                     .where(Pledge.network_id == network.id)).all()
    pg = [{"pledge_id": pid, "goal_number": g} for pid, oid in pledge_rows for g in goals_of[oid]]
    for s in range(0, len(pg), 5000):
        db.session.execute(sa.insert(pledge_goals), pg[s:s + 5000])
    db.session.commit()
    if db.session.get_bind().dialect.name == "postgresql":
        # What autovacuum does a minute after a bulk load (and `flask org import` at once): without
        # it the planner believes the network has a few rows and joins pledges by a nested loop over
        # the whole edition (a 20,000-group CSV export: 19 s instead of 1 s).
        db.session.execute(sa.text("ANALYZE organisations, organisation_goals, pledges, pledge_goals"))
        db.session.commit()
    return network


def organiser(*networks):
    """An admin account of every network given (inside an app context)."""
    from civicnet.accounts.models import Membership, User
    from civicnet.extensions import db

    user = User(email=f"bench-{networks[0].slug}@example.org", name="벤치", password_hash="x")
    for network in networks:
        user.memberships.append(Membership(network_id=network.id, role="admin"))
    db.session.add(user)
    db.session.commit()
    return user


def login(client, user) -> None:
    """Log ``user`` in on a Flask test client with a live revocable session (inside an app context)."""
    from civicnet.accounts.services import start_session
    from civicnet.extensions import db

    start_session(user)
    db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"] = user.session_id
        session["_fresh"] = True


def timed(fn, runs: int) -> float:
    """Median seconds of ``runs`` calls of ``fn`` (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def timed_both(fn, runs: int) -> tuple[float, float]:
    """Median wall seconds and median CPU seconds of this process over ``runs`` calls (after one
    warm-up). On a shared machine the CPU figure is what the work costs; with SQLite it includes
    the database's own work, which runs in this process."""
    wall, cpu, _least = timed_least(fn, runs)
    return wall, cpu


def timed_least(fn, runs: int) -> tuple[float, float, float]:
    """Median wall, median CPU and least CPU seconds of this process over ``runs`` calls (after one
    warm-up). Other processes only ever add time: the least CPU time is the closest to the work's
    own cost, the figure to compare across sizes on a shared machine."""
    fn()
    wall, cpu = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(cpu), min(cpu)


def overloaded() -> bool:
    """Whether other processes keep every CPU busy (1-minute load above the CPU count)."""
    try:
        return float(load_average().split()[0]) > (os.cpu_count() or 1)
    except ValueError:
        return False


def peak_python_memory(fn) -> float:
    """Peak memory allocated by Python objects while ``fn`` runs, in MB (tracemalloc)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def verdict(ok: bool) -> str:
    return "meets target" if ok else "MISSES target"


def load_average() -> str:
    try:
        with open("/proc/loadavg") as fh:
            return " ".join(fh.read().split()[:3])
    except OSError:
        return "?"
