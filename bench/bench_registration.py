"""Registration throughput through gunicorn (2 workers) next to a trivial endpoint.

For SQLite (a temporary file) and PostgreSQL (schema ``bench`` on $BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/test; skipped if unreachable) this starts gunicorn
with 2 sync workers serving the real app, then for several runs drives it from client threads:

* trivial: GET /healthz (a Flask view returning a constant)
* api:     POST /api/v1/networks/cheongju/organisations (one registration + pledge per request)
* web:     the 3-step registration form (details → SDGs → pledge), counted per final POST

and prints requests per second (median of the runs) and the ratio registration / trivial.
Usage: .venv/bin/python bench/bench_registration.py [--runs 5] [--seconds 4] [--clients 8]
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
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
SECRET = "bench-secret-key-" + "x" * 32
_counter = itertools.count()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str) -> None:
    from flask_migrate import upgrade

    from civicnet import create_app
    from civicnet.extensions import db
    from civicnet.networks.services import ensure_default_data

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        upgrade(revision="heads")
        ensure_default_data()
        db.session.commit()
        db.engine.dispose()


def start_gunicorn(url: str, port: int) -> subprocess.Popen:
    env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": SECRET, "CIVICNET_ENV": "development",
                        "WEB_CONCURRENCY": "2", "GUNICORN_BIND": f"127.0.0.1:{port}",
                        "GUNICORN_ACCESSLOG": "", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile",
                             "/dev/null", "--log-level", "warning", "bench.wsgi_bench:app"],
                            cwd=ROOT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("gunicorn did not start")


def unique() -> str:
    return f"{os.getpid()}-{next(_counter)}-{time.monotonic_ns()}"


def trivial(client: httpx.Client, base: str) -> bool:
    return client.get(f"{base}/healthz").status_code == 200


def api_registration(client: httpx.Client, base: str) -> bool:
    n = unique()
    response = client.post(f"{base}/api/v1/networks/cheongju/organisations", json={
        "name": f"벤치 단체 {n}", "kind": "club", "email": f"bench{n}@example.org",
        "activities": "하천 정화 활동과 어린이 생태 교육, 마을 텃밭 가꾸기", "goals": [6, 15],
        "consent": True, "consent_version": "2024-1", "pledge": {"signer_name": "김민지"}})
    return response.status_code == 201


STATE = re.compile(r'name="state"[^>]*value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def web_registration(client: httpx.Client, base: str) -> bool:
    if "csrf" not in client.headers:
        page = client.get(f"{base}/n/cheongju/register")
        client.headers["csrf"] = CSRF.search(page.text).group(1)
    token = client.headers["csrf"]
    n = unique()
    step1 = client.post(f"{base}/n/cheongju/register", data={
        "csrf_token": token, "name": f"벤치 웹 단체 {n}", "kind": "ngo", "email": f"web{n}@example.org",
        "activities": "하천 정화 활동과 어린이 생태 교육"})
    step2 = client.post(f"{base}/n/cheongju/register/goals", data={
        "csrf_token": token, "state": STATE.search(step1.text).group(1), "goals": ["6", "15"]})
    step3 = client.post(f"{base}/n/cheongju/register/pledge", data={
        "csrf_token": token, "state": STATE.search(step2.text).group(1), "signer_name": "김민지", "consent": "y"})
    return step3.status_code == 302


def drive(action, base: str, seconds: float, clients: int) -> float:
    stop = time.perf_counter() + seconds
    done, failed = [0] * clients, [0] * clients

    def worker(i: int) -> None:
        with httpx.Client(timeout=30, follow_redirects=False) as client:
            while time.perf_counter() < stop:
                if action(client, base):
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
    return sum(done) / (time.perf_counter() - start)


def bench(label: str, url: str, args) -> None:
    prepare(url)
    port = free_port()
    proc = start_gunicorn(url, port)
    base = f"http://127.0.0.1:{port}"
    try:
        drive(api_registration, base, 1, args.clients)  # warm-up
        drive(web_registration, base, 1, args.clients)
        rates = {name: [] for name in ("trivial", "api", "web")}
        for _ in range(args.runs):
            rates["trivial"].append(drive(trivial, base, args.seconds, args.clients))
            rates["api"].append(drive(api_registration, base, args.seconds, args.clients))
            rates["web"].append(drive(web_registration, base, args.seconds, args.clients))
        med = {k: statistics.median(v) for k, v in rates.items()}
        print(f"{label}: trivial GET /healthz {med['trivial']:8.1f} req/s")
        print(f"{label}: API registration POST {med['api']:8.1f} req/s   ratio {med['api'] / med['trivial']:.3f}")
        print(f"{label}: web registration (3 POSTs, counted once) {med['web']:8.1f} /s   "
              f"ratio {med['web'] / med['trivial']:.3f}   ({3 * med['web']:.1f} form POSTs/s)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def pg_bench_url() -> str | None:
    try:
        engine = sa.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS bench CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA bench"))
        engine.dispose()
    except Exception as exc:  # no server: report and skip
        print(f"PostgreSQL: skipped ({exc.__class__.__name__})")
        return None
    return PG_URL + ("&" if "?" in PG_URL else "?") + "options=-csearch_path%3Dbench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    print(f"gunicorn 2 sync workers; {args.clients} client threads; median of {args.runs} runs of {args.seconds}s;"
          f" {os.cpu_count()} CPUs (clients share them)")
    with tempfile.TemporaryDirectory() as tmp:
        bench("SQLite", f"sqlite:///{tmp}/bench.sqlite", args)
    url = pg_bench_url()
    if url:
        try:
            bench("PostgreSQL", url, args)
        finally:
            engine = sa.create_engine(PG_URL)
            with engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA IF EXISTS bench CASCADE"))
            engine.dispose()


if __name__ == "__main__":
    main()
