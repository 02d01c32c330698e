"""Registration through gunicorn (2 sync workers), each beside an honest anchor in the same run.

For SQLite (a temporary file) and PostgreSQL ($BENCH_PG_URL, default the benchmarks' own database
postgresql+psycopg://postgres@127.0.0.1:5432/bench_perf — never the shared `test` one; skipped if
unreachable) this starts two gunicorns with the repository's gunicorn.conf.py serving
``bench/wsgi_bench.py``: A with the SDG classifier on (as in production), B with it off. Then, for
several paired runs, ``--clients`` client threads drive each of:

* web step 1 on A: POST details → classifier → SDG page (latencies recorded: p50/p95)
* web step 1 on B: the same step without the classifier (anchor of the first)
* API registration on A: POST /api/v1/networks/cheongju/organisations (group + pledge)
* bare INSERT on A: POST /bench/bare-insert, one INSERT + commit (anchor of the API)

and prints medians over the runs with the ratios beside their targets:
step 1 with / without classifier >= 0.5 and p95 <= 150 ms at 8 clients; API / bare >= 0.3.
Usage: .venv/bin/python bench/bench_registration.py [--runs 5] [--seconds 4] [--clients 8] [--db sqlite,postgresql]
Environment passed to gunicorn unchanged (compare e.g. CIVICNET_ENCODER_THREADS=2 GUNICORN_PRELOAD=0),
except the per-address rate limits, lifted (the limiter still runs): every client here is 127.0.0.1.
The machine is shared: the first line prints the load average; compare ratios, not req/s, and
repeat when the load is above the CPU count (a p95 at 8 clients on 2 busy cores measures the queue).
"""
from __future__ import annotations

import argparse
import itertools
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import SECRET, bench_database_url, ensure_pg_database, load_average  # noqa: E402
from civicnet.organisations.consent import CONSENT_VERSION  # noqa: E402

_counter = itertools.count()
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
ACTIVITIES = ["하천 정화 활동과 어린이 생태 교육", "독거 어르신 반찬 나눔과 안부 확인", "청년 취업 상담과 창업 지원",
              "태양광 협동조합으로 에너지 전환", "마을 작은도서관과 독서 모임", "로컬푸드 직매장 운영"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str) -> None:
    import sqlalchemy as sa

    from bench.common import migrate_empty_database
    from civicnet import create_app
    from civicnet.extensions import db
    from civicnet.networks.services import ensure_default_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        migrate_empty_database(url)
        ensure_default_data()
        db.session.execute(sa.text("CREATE TABLE bench_inserts (id INTEGER PRIMARY KEY "
                                   + ("GENERATED ALWAYS AS IDENTITY" if url.startswith("postgresql") else "")
                                   + ", name VARCHAR(200) NOT NULL, payload TEXT NOT NULL)"))
        db.session.commit()
        db.engine.dispose()


def start_gunicorn(url: str, port: int, *, classifier: bool) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": SECRET, "CIVICNET_ENV": "development",
                        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "2"),
                        "GUNICORN_BIND": f"127.0.0.1:{port}", "BENCH_SDG_SUGGESTIONS": "1" if classifier else "0",
                        # One client address sends thousands of registrations: lift the per-address limits
                        # (the limiter still runs and is counted), as a load balancer's many clients would.
                        "RATELIMIT_REGISTER": "1000000 per minute", "RATELIMIT_REGISTER_ACCOUNT": "1000000 per hour",
                        "RATELIMIT_CLASSIFY": "1000000 per minute"}
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile",
                             "/dev/null", "--log-level", "warning", "bench.wsgi_bench:app"], cwd=ROOT, env=env)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def unique() -> str:
    return f"{os.getpid()}-{next(_counter)}-{time.monotonic_ns()}"


def api_registration(client: httpx.Client, base: str) -> bool:
    n = unique()
    response = client.post(f"{base}/api/v1/networks/cheongju/organisations", json={
        "name": f"벤치 단체 {n}", "kind": "club", "email": f"bench{n}@example.org",
        "activities": ACTIVITIES[hash(n) % len(ACTIVITIES)], "goals": [6, 15],
        "consent": True, "consent_version": CONSENT_VERSION, "pledge": {"signer_name": "김민지"}})
    return response.status_code == 201


def bare_insert(client: httpx.Client, base: str) -> bool:
    n = unique()
    response = client.post(f"{base}/bench/bare-insert", json={"name": f"벤치 단체 {n}",
                                                              "activities": ACTIVITIES[hash(n) % len(ACTIVITIES)]})
    return response.status_code == 201


def web_step1(client: httpx.Client, base: str) -> bool:
    """POST the details form (step 1); the answer is the SDG page (pre-ticked when the classifier is on)."""
    if "csrf" not in client.headers:
        page = client.get(f"{base}/n/cheongju/register")
        client.headers["csrf"] = CSRF.search(page.text).group(1)
    n = unique()
    # A different text each time: nothing may be answered from a cache.
    response = client.post(f"{base}/n/cheongju/register", data={
        "csrf_token": client.headers["csrf"], "name": f"벤치 웹 단체 {n}", "kind": "ngo",
        "email": f"web{n}@example.org", "activities": f"{ACTIVITIES[hash(n) % len(ACTIVITIES)]} ({n})"})
    return response.status_code == 200 and 'name="goals"' in response.text


def drive(action, base: str, seconds: float, clients: int) -> tuple[float, list[float]]:
    """Requests per second over ``seconds`` with ``clients`` threads, and every latency."""
    stop = time.perf_counter() + seconds
    done, failed, latencies = [0] * clients, [0] * clients, [[] for _ in range(clients)]

    def worker(i: int) -> None:
        with httpx.Client(timeout=60, follow_redirects=False) as client:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                ok = action(client, base)
                latencies[i].append(time.perf_counter() - t0)
                if ok:
                    done[i] += 1
                else:
                    failed[i] += 1

    start = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if sum(failed):
        print(f"    warning: {sum(failed)} failed requests in {action.__name__}")
    return sum(done) / (time.perf_counter() - start), [x for lat in latencies for x in lat]


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 2 else (values[0] if values else 0.0)


def bench(label: str, url: str, args) -> None:
    prepare(url)
    port_on, port_off = free_port(), free_port()
    on = start_gunicorn(url, port_on, classifier=True)
    off = start_gunicorn(url, port_off, classifier=False)
    a, b = f"http://127.0.0.1:{port_on}", f"http://127.0.0.1:{port_off}"
    try:
        for action, base in ((web_step1, a), (web_step1, b), (api_registration, a), (bare_insert, a)):
            drive(action, base, 1, args.clients)  # warm-up: first requests, pools, caches
        rows = {k: [] for k in ("on", "off", "api", "bare", "p95", "p50", "ratio_step", "ratio_api")}
        for _ in range(args.runs):
            r_on, lat = drive(web_step1, a, args.seconds, args.clients)
            r_off, _ = drive(web_step1, b, args.seconds, args.clients)
            r_api, _ = drive(api_registration, a, args.seconds, args.clients)
            r_bare, _ = drive(bare_insert, a, args.seconds, args.clients)
            for key, value in (("on", r_on), ("off", r_off), ("api", r_api), ("bare", r_bare), ("p95", p95(lat)),
                               ("p50", statistics.median(lat)), ("ratio_step", r_on / r_off),
                               ("ratio_api", r_api / r_bare)):
                rows[key].append(value)
        med = {k: statistics.median(v) for k, v in rows.items()}
        print(f"{label}: web step 1 with classifier    {med['on']:7.1f} req/s  p50 {med['p50'] * 1000:5.0f} ms  "
              f"p95 {med['p95'] * 1000:5.0f} ms (target <= 150 ms at {args.clients} clients)")
        print(f"{label}: web step 1 without classifier {med['off']:7.1f} req/s")
        print(f"{label}:   ratio with/without {med['ratio_step']:.2f} (target >= 0.5)   "
              f"{'meets' if med['ratio_step'] >= 0.5 else 'MISSES'} ratio; "
              f"{'meets' if med['p95'] <= 0.150 else 'MISSES'} p95")
        print(f"{label}: API registration {med['api']:7.1f} req/s; bare one-INSERT endpoint {med['bare']:7.1f} req/s;"
              f" ratio {med['ratio_api']:.2f} (target >= 0.3) {'meets' if med['ratio_api'] >= 0.3 else 'MISSES'}")
    finally:
        for proc in (on, off):
            proc.terminate()
        for proc in (on, off):
            proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--db", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"gunicorn {os.environ.get('WEB_CONCURRENCY', '2')} sync workers; {args.clients} client threads; "
          f"median of {args.runs} paired runs of {args.seconds}s; {os.cpu_count()} CPUs (clients share them); "
          f"CIVICNET_ENCODER_THREADS={os.environ.get('CIVICNET_ENCODER_THREADS', '1 (default)')}, "
          f"GUNICORN_PRELOAD={os.environ.get('GUNICORN_PRELOAD', '1 (default)')}; load average {load_average()}")
    backends = [b.strip() for b in args.db.split(",") if b.strip()]
    if "sqlite" in backends:
        with tempfile.TemporaryDirectory() as tmp:
            bench("SQLite", bench_database_url(tmp, backend="sqlite"), args)
    if "postgresql" in backends:
        url = bench_database_url(backend="postgresql")
        if ensure_pg_database(url):
            bench("PostgreSQL", url, args)


if __name__ == "__main__":
    main()
