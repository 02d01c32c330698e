"""gunicorn worker memory after a day's pages: RSS, and what each worker really owns (PSS/USS).

Starts the real app with the repository's gunicorn.conf.py (2 workers) on an SQLite file holding
the default network plus a network of ``--groups`` groups, twice: with ``GUNICORN_PRELOAD=1`` (the
default: models loaded once in the master, shared copy-on-write) and ``GUNICORN_PRELOAD=0`` (each
worker loads its own: the anchor, as before). Each time it plays "a day's pages" — registrations
through the form (the SDG classifier runs on each), public directory pages, an organiser's list,
detail, dashboard, report PDF and CSV/XLSX exports — then reads /proc for the master and every
worker: RSS, PSS (shared pages split between the processes sharing them) and USS (private pages).

Prints per-worker RSS/PSS/USS and the total PSS of master + workers, preload vs not, with the ratio.
Usage: .venv/bin/python bench/bench_worker_memory.py [--groups 2000] [--day 300]
"""
from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.bench_registration import ACTIVITIES, CSRF, free_port  # noqa: E402
from bench.common import SECRET, load_average, make_app, populate  # noqa: E402

PASSWORD = "bench correct horse battery"


def prepare(url: str, groups: int) -> tuple[str, int]:
    from civicnet.accounts.services import create_user
    from civicnet.extensions import db
    from civicnet.organisations.models import Organisation
    import sqlalchemy as sa

    app = make_app(url)
    with app.app_context():
        network = populate(groups)
        create_user("bench-memory@example.org", "벤치", PASSWORD, network=network, role="admin")
        db.session.commit()
        org_id = db.session.scalar(sa.select(sa.func.min(Organisation.id)).where(Organisation.network_id == network.id))
        slug = network.slug
        db.engine.dispose()
    return slug, org_id


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS of one process in MB (smaps_rollup)."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0].endswith(":") and parts[1].isdigit():
            fields[parts[0][:-1]] = int(parts[1]) / 1024
    return {"rss": fields.get("Rss", 0), "pss": fields.get("Pss", 0),
            "uss": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def a_day(base: str, slug: str, org_id: int, pages: int) -> int:
    """``pages`` requests in a day's proportions; returns how many failed."""
    rng = random.Random(1)
    failed = 0
    public, organiser = httpx.Client(timeout=120), httpx.Client(timeout=120)
    page = organiser.get(f"{base}/login")
    organiser.post(f"{base}/login", data={"csrf_token": CSRF.search(page.text).group(1),
                                           "email": "bench-memory@example.org", "password": PASSWORD})
    token = CSRF.search(public.get(f"{base}/n/cheongju/register").text).group(1)
    day = (["register"] * 40 + ["directory"] * 25 + ["list"] * 15 + ["detail"] * 8 + ["dashboard"] * 6
           + ["pdf"] * 2 + ["csv"] * 2 + ["xlsx"] * 2)
    for i in range(pages):
        what = rng.choice(day)
        if what == "register":
            r = public.post(f"{base}/n/cheongju/register", data={
                "csrf_token": token, "name": f"하루 단체 {i}", "kind": "ngo", "email": f"day{i}@example.org",
                "activities": f"{rng.choice(ACTIVITIES)} {i}"})
        elif what == "directory":
            r = public.get(f"{base}/n/{slug}/", params={"page": rng.randint(1, 20)})
        elif what == "list":
            r = organiser.get(f"{base}/o/{slug}/organisations", params={"page": rng.randint(1, 20)})
        elif what == "detail":
            r = organiser.get(f"{base}/o/{slug}/organisations/{org_id + rng.randint(0, 100)}")
        elif what == "dashboard":
            r = organiser.get(f"{base}/o/{slug}/dashboard")
        elif what == "pdf":
            r = organiser.get(f"{base}/o/{slug}/reports/2024.pdf")
        else:
            r = organiser.get(f"{base}/o/{slug}/organisations.{what}")
        failed += r.status_code != 200
    return failed


def run(url: str, slug: str, org_id: int, preload: bool, pages: int) -> dict:
    port = free_port()
    env = os.environ | {"DATABASE_URL": url, "SECRET_KEY": SECRET, "CIVICNET_ENV": "development",
                        "WEB_CONCURRENCY": "2", "GUNICORN_BIND": f"127.0.0.1:{port}",
                        "GUNICORN_PRELOAD": "1" if preload else "0", "GUNICORN_TIMEOUT": "300"}
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "--access-logfile",
                             "/dev/null", "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 180
        while time.time() < deadline:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        failed = a_day(base, slug, org_id, pages)
        workers = children(proc.pid)
        return {"master": memory(proc.pid), "workers": [memory(p) for p in workers], "failed": failed}
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", type=int, default=2000)
    ap.add_argument("--day", type=int, default=300, help="requests in the day")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        slug, org_id = prepare(url, args.groups)
        print(f"gunicorn 2 sync workers, SQLite, {args.groups:,} groups, a day of {args.day} pages; "
              f"load average {load_average()}")
        results = {}
        for preload in (False, True):
            r = results[preload] = run(url, slug, org_id, preload, args.day)
            name = "preload (models shared)" if preload else "no preload (anchor)   "
            for i, w in enumerate(r["workers"]):
                print(f"{name} worker {i + 1}: RSS {w['rss']:6.0f} MB   PSS {w['pss']:6.0f} MB   "
                      f"private {w['uss']:6.0f} MB")
            m = r["master"]
            total = m["pss"] + sum(w["pss"] for w in r["workers"])
            r["total"] = total
            print(f"{name} master  : RSS {m['rss']:6.0f} MB   PSS {m['pss']:6.0f} MB;   "
                  f"total PSS master + workers {total:6.0f} MB" + (f"   ({r['failed']} failed requests)"
                                                                   if r["failed"] else ""))
        ratio = results[True]["total"] / results[False]["total"]
        private = max(w["uss"] for w in results[True]["workers"])
        print(f"total memory with preload / without: {ratio:.2f} (target: models shared, < 1); "
              f"largest private part of a worker with preload: {private:.0f} MB")


if __name__ == "__main__":
    main()
