"""Exports built by the worker (civicnet/downloads) against the same export streamed by a web worker.

One database (SQLite file by default, ``--db postgresql`` for $BENCH_PG_URL or the bench_perf
database) holds networks of 2,000 and 20,000 groups. For each size and format (CSV, XLSX) it
times, median of ``--runs`` runs after a warm-up, in this process:

* anchor: the streamed export (``GET /o/<slug>/organisations.<fmt>`` with the threshold out of
  reach), whole body read: what a sync web worker is held for today;
* the worker's build (``services.build_export``, committing its progress as the task does);
* the download of the built file (``GET .../exports/<id>/download``): what a web worker is held for
  once the file is ready;

and the peak Python memory of a build at each size (flat = the rows never sit whole in memory).
Targets: a build within 1.5x the streamed export (the progress commits and chunk writes cost
little), the download under 10 % of the streamed export, build memory at 20,000 under 3x that
at 2,000.

Usage: .venv/bin/python bench/bench_prepared_export.py [--sizes 2000,20000] [--runs 3] [--db sqlite|postgresql]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import (bench_database_url, ensure_pg_database, load_average, login, make_app,  # noqa: E402
                          organiser, peak_python_memory, populate, timed, verdict)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="2000,20000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        url = bench_database_url(tmp, backend=args.db)
        if not ensure_pg_database(url):
            return
        # The queue off: builds run here, where they are timed (the worker runs the same function).
        app = make_app(url, TASK_QUEUE_ENABLED=False, EXPORT_WORKER_THRESHOLD=10**9)
        with app.app_context():
            from civicnet.accounts.models import User
            from civicnet.downloads import services
            from civicnet.extensions import db

            made = [populate(n) for n in sizes]
            user = organiser(*made)
            if url.startswith("postgresql"):  # fresh statistics after the bulk insert, as autovacuum would
                db.session.commit()
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.exec_driver_sql("ANALYZE")
            slugs = {n: network.slug for n, network in zip(sizes, made)}
            client = app.test_client()
            login(client, db.session.get(User, user.id))
            print(f"database: {url.split('://')[0]}; median of {args.runs} runs; {os.cpu_count()} CPUs, "
                  f"load average {load_average()}")

            last = {"export": 0}

            def streamed(slug: str, fmt: str) -> int:
                app.config["EXPORT_WORKER_THRESHOLD"] = 10**9
                response = client.get(f"/o/{slug}/organisations.{fmt}")
                assert response.status_code == 200, response.status_code
                return len(response.get_data())

            def prepared(slug: str, fmt: str) -> int:
                app.config["EXPORT_WORKER_THRESHOLD"] = 0
                response = client.get(f"/o/{slug}/organisations.{fmt}")
                assert response.status_code == 302, response.status_code
                export_id = int(response.location.rsplit("/", 1)[1])
                db.session.commit()
                services.build_export(export_id, db.session.commit)
                last["export"] = export_id
                return export_id

            def downloaded(slug: str) -> int:
                response = client.get(f"/o/{slug}/exports/{last['export']}/download")
                assert response.status_code == 200, response.status_code
                return len(response.get_data())

            memory: dict[tuple[int, str], float] = {}
            failures = []
            print(f"{'size':>7} {'fmt':>4} {'streamed s':>11} {'built s':>8} {'ratio':>6} {'download s':>11} "
                  f"{'ratio':>6} {'file KB':>8}")
            for n in sizes:
                slug = slugs[n]
                for fmt in ("csv", "xlsx"):
                    anchor = timed(lambda: streamed(slug, fmt), args.runs)
                    built = timed(lambda: prepared(slug, fmt), args.runs)
                    fetch = timed(lambda: downloaded(slug), args.runs)
                    size_kb = downloaded(slug) // 1024
                    assert size_kb * 1024 <= streamed(slug, fmt) <= (size_kb + 1) * 1024 + 64 * 1024
                    memory[(n, fmt)] = peak_python_memory(lambda: prepared(slug, fmt))
                    print(f"{n:>7} {fmt:>4} {anchor:>11.3f} {built:>8.3f} {built / anchor:>6.2f} {fetch:>11.3f} "
                          f"{fetch / anchor:>6.2f} {size_kb:>8}")
                    if n == sizes[-1]:
                        if built / anchor > 1.5:
                            failures.append(f"{fmt} build {built / anchor:.2f}x the streamed export")
                        if fetch / anchor > 0.10:
                            failures.append(f"{fmt} download {fetch / anchor:.2f}x the streamed export")
            small, large = sizes[0], sizes[-1]
            for fmt in ("csv", "xlsx"):
                growth = memory[(large, fmt)] / max(memory[(small, fmt)], 0.01)
                print(f"peak Python memory of a {fmt} build: {memory[(small, fmt)]:.1f} MB at {small:,}, "
                      f"{memory[(large, fmt)]:.1f} MB at {large:,} (x{growth:.1f} for x{large / small:.0f} rows)")
                if growth > 3:
                    failures.append(f"{fmt} build memory grows x{growth:.1f}")
            print(verdict(not failures) + ("" if not failures else ": " + "; ".join(failures)))
            db.session.remove()


if __name__ == "__main__":
    main()
