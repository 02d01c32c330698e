"""Partner suggestions: index build, query latency and memory for 189, 2,000 and 20,000 groups.

Each size gets its own network of synthetic Korean activity texts in a fresh SQLite file (or the
database in BENCH_DATABASE_URL, whose schema is reset). Printed figures are medians.

- build: embedding every group and storing the vectors (``reindex_network``), with the TF-IDF
  encoder; the sentence encoder (USE) is timed on up to 2,000 texts and extrapolated;
- load: reading the network's matrix into this process after a version change (cold) and the
  incremental reload after one group changed its activities;
- query: ``nearest`` (one matrix-vector product + partial sort) and ``suggest_partners``
  end to end (including the DB reads of the candidates);
- memory: the matrix and ids held per network, and the process RSS.

Run: .venv/bin/python bench/bench_partners.py [--sizes 189,2000,20000] [--queries 30]
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sqlalchemy as sa  # noqa: E402

PHRASES = [
    "하천 정화 활동", "생태 교육", "쓰레기 줍기", "푸드뱅크 나눔", "어르신 돌봄", "청소년 진로 교육", "기후위기 캠페인",
    "햇빛발전 협동조합", "도시 텃밭 가꾸기", "로컬푸드 직거래", "장애인 이동권 지원", "다문화 가정 한국어 교실",
    "마을 공동체 축제", "재활용 업사이클링 공방", "숲 해설과 숲 체험", "에너지 절약 교육", "성평등 교육",
    "안전한 통학로 만들기", "공정무역 카페", "청년 창업 지원", "노인 일자리", "무료 법률 상담", "지역 역사 기록",
    "자전거 타기 운동", "미세먼지 측정", "빗물 저금통", "유기견 보호", "전통시장 살리기", "독서 모임", "합창단 공연",
]
DISTRICTS = ["상당구", "서원구", "흥덕구", "청원구"]


def synthetic_texts(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(DISTRICTS)}에서 " + ", ".join(rng.sample(PHRASES, rng.randint(2, 4))) + " 활동을 합니다."
            for _ in range(n)]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.2f} ms"


def make_app(url: str):
    import civicnet
    from bench.common import migrate_empty_database
    from civicnet.extensions import db
    from civicnet.goals.services import load_goals

    app = civicnet.create_app({"TESTING": True, "SECRET_KEY": "bench" * 10, "SQLALCHEMY_DATABASE_URI": url,
                               "PARTNERS_ENCODER": "tfidf"})
    with app.app_context():
        migrate_empty_database(url)
        load_goals()
        db.session.commit()
    return app


def populate(n: int):
    """A network with ``n`` groups, 1-3 SDGs each, inserted in bulk."""
    from civicnet.extensions import db
    from civicnet.networks.services import create_network
    from civicnet.organisations.models import Organisation, OrganisationGoal
    from civicnet.timeutil import utcnow

    network = create_network({
        "slug": f"bench-{n}", "name_ko": f"벤치 {n}", "name_en": f"Bench {n}", "city": "청주시",
        "pledge_text_ko": "약속", "pledge_text_en": "Pledge", "pledge_version": "1", "current_edition": 2024,
        "clusters": [{"key": "all", "name_ko": "전체", "name_en": "All", "sdgs": list(range(1, 18))}],
    })
    db.session.commit()
    rng = random.Random(n)
    now = utcnow()
    rows = [{
        "network_id": network.id, "name": f"단체 {i}", "name_key": f"단체{i}", "kind": "ngo", "representative": "",
        "email": None, "phone": None, "contact_key": f"bench-{n}-{i}", "district": "", "activities": text,
        "language": "ko", "status": "registered", "public_listing": True, "created_at": now, "updated_at": now,
    } for i, text in enumerate(synthetic_texts(n, seed=n))]
    for start in range(0, n, 2000):
        db.session.execute(sa.insert(Organisation), rows[start:start + 2000])
    db.session.commit()
    ids = db.session.scalars(sa.select(Organisation.id).where(Organisation.network_id == network.id)).all()
    links = [{"organisation_id": org_id, "goal_number": g, "selected": True, "source": "chosen", "rank": r,
              "suggested": False, "updated_at": now}
             for org_id in ids for r, g in enumerate(rng.sample(range(1, 18), rng.randint(1, 3)))]
    for start in range(0, len(links), 5000):
        db.session.execute(sa.insert(OrganisationGoal), links[start:start + 5000])
    db.session.commit()
    return network, ids


def bench_size(app, n: int, queries: int) -> dict:
    from civicnet.extensions import db
    from civicnet.organisations.models import Organisation
    from civicnet.partners import index
    from civicnet.partners.services import nearest, suggest_partners

    with app.app_context():
        network, ids = populate(n)
        index.current_encoder()  # build the TF-IDF encoder outside the timing
        started = time.perf_counter()
        index.reindex_network(network.id)
        db.session.commit()
        build = time.perf_counter() - started

        cold = []
        for _ in range(3):
            index.clear_cache()
            started = time.perf_counter()
            matrix = index.network_matrix(network.id)
            cold.append(time.perf_counter() - started)

        rng = random.Random(1)
        sample = [db.session.get(Organisation, i) for i in rng.sample(ids, min(queries, len(ids)))]
        for org in sample[:3]:
            nearest(org)  # warm
        near, full = [], []
        for org in sample:
            started = time.perf_counter()
            nearest(org)
            near.append(time.perf_counter() - started)
        for org in sample:
            started = time.perf_counter()
            suggest_partners(org, limit=5)
            full.append(time.perf_counter() - started)
            db.session.rollback()

        patch = []
        for org in sample[:5]:
            org.activities = org.activities + " 새 활동"
            index.refresh_organisation(org)
            db.session.commit()
            started = time.perf_counter()
            index.network_matrix(network.id)
            patch.append(time.perf_counter() - started)
        return {
            "n": n, "build_s": build, "cold_load": median_ms(cold), "incremental_reload": median_ms(patch),
            "nearest": median_ms(near), "suggest": median_ms(full),
            "matrix_mb": matrix.nbytes / 2**20, "rss_mb": rss_mb(),
        }


def sentence_encoder_rate(texts: list[str]) -> str:
    try:
        from civicnet.matching.encoders import get_encoder

        encoder = get_encoder("use")
    except Exception as exc:  # noqa: BLE001
        return f"unavailable ({type(exc).__name__})"
    encoder.encode(texts[:10])
    started = time.perf_counter()
    encoder.encode(texts)
    seconds = time.perf_counter() - started
    rate = len(texts) / seconds
    return f"{rate:.0f} texts/s ({len(texts)} in {seconds:.1f}s; 20,000 ≈ {20000 / rate:.0f}s)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="189,2000,20000")
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--skip-use", action="store_true", help="do not time the sentence encoder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
        app = make_app(url)
        print(f"database: {url.split('://')[0]}; encoder for the index: tfidf-char-v1 (512 dims)")
        print(f"{'groups':>7} {'build':>8} {'cold load':>11} {'incr. reload':>13} {'nearest':>10} "
              f"{'suggest':>10} {'matrix':>9} {'RSS':>8}")
        for n in (int(s) for s in args.sizes.split(",")):
            r = bench_size(app, n, args.queries)
            print(f"{r['n']:>7} {r['build_s']:>7.1f}s {r['cold_load']:>11} {r['incremental_reload']:>13} "
                  f"{r['nearest']:>10} {r['suggest']:>10} {r['matrix_mb']:>7.1f}MB {r['rss_mb']:>6.0f}MB")
        if not args.skip_use:
            print("sentence encoder (USE) throughput:", sentence_encoder_rate(synthetic_texts(2000)))
        with app.app_context():
            from civicnet.extensions import db

            db.engine.dispose()


if __name__ == "__main__":
    main()
