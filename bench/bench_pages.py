"""Organiser pages, exports and the public directory at 200 / 2,000 / 20,000 groups.

One database (SQLite file by default, ``--db postgresql`` for $BENCH_PG_URL or
postgresql+psycopg://postgres@127.0.0.1:5432/bench_perf) holds three synthetic networks; each
page is fetched in-process through the Flask test client (whole body read, streamed or not) and
timed: median of ``--runs`` runs after a warm-up. Prints

* the growth table: ms at each size, the ratios 2,000/200 and 20,000/2,000 (10 = linear) and a
  verdict: list/detail pages must stay flat (ratio < 2), nothing may grow faster than linearly;
* the targets at 20,000: directory <= 100 ms, dashboard <= 100 ms, report PDF <= 1 s,
  CSV export <= 1.5 s, XLSX export <= 3 s, each beside a same-run anchor (GET /healthz through
  the same client, and the time to read the same rows with a bare SELECT);
* peak Python memory (body streamed and dropped) of each export at 2,000 and 20,000 (flat = streamed);
* the dashboard's first view after a change at each size: every view above reads counts kept under
  the network's data version (civicnet/data_versions.py); an organiser's edit replaces the version,
  and the next view recounts the network (linear), which this line shows.

Timings are medians; the growth verdicts use this process's least CPU time of the runs on SQLite
(it includes the queries) and whenever the machine is overloaded (load above the CPU count):
other processes only add time, so the least-disturbed run is the page's own cost. The targets
use the median CPU time then. Growth near the linear bound (ratio
10-12 for a tenfold network) is what a network bigger than SQLite's page cache costs (2 MB by
default: at 20,000 groups the rows are read from the OS page cache), not an algorithm.

Usage: .venv/bin/python bench/bench_pages.py [--sizes 200,2000,20000] [--runs 5] [--db sqlite|postgresql]
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
                          organiser, overloaded, peak_python_memory, populate, timed, timed_least, verdict)

# (label, url template, kind): kind "flat" must not grow with the network, "linear" may grow at most linearly.
PAGES = [
    ("organiser list", "/o/{slug}/organisations", "flat"),
    # A search for text anywhere in a name or activities reads every group: linear, not flat.
    ("organiser list, search", "/o/{slug}/organisations?q=%ED%95%98%EC%B2%9C", "linear"),
    ("organiser detail", "/o/{slug}/organisations/{org_id}", "flat"),
    ("directory /n/<slug>/", "/n/{slug}/", "flat"),
    ("directory, search", "/n/{slug}/?q=%ED%95%98%EC%B2%9C", "linear"),
    ("dashboard", "/o/{slug}/dashboard", "linear"),
    ("meetings", "/o/{slug}/meetings/", "linear"),
    ("notices", "/o/{slug}/notices/", "linear"),
    ("report overview", "/o/{slug}/reports/", "linear"),
    ("report PDF", "/o/{slug}/reports/2024.pdf", "linear"),
    ("report CSV (sdgs)", "/o/{slug}/reports/2024.csv", "linear"),
    ("report XLSX", "/o/{slug}/reports/2024.xlsx", "linear"),
    ("groups CSV export", "/o/{slug}/organisations.csv", "linear"),
    ("groups XLSX export", "/o/{slug}/organisations.xlsx", "linear"),
]
TARGETS = {"directory /n/<slug>/": 0.100, "directory, search": 0.100, "dashboard": 0.100, "report PDF": 1.0,
           "groups CSV export": 1.5, "groups XLSX export": 3.0}


def fetch(client, url: str) -> int:
    response = client.get(url)
    body = response.get_data()
    if response.status_code != 200:
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return len(body)


def drain(client, url: str) -> int:
    """Read the body chunk by chunk and drop it, as a WSGI server does (memory of the app only)."""
    response = client.get(url, buffered=False)
    size = 0
    try:
        for chunk in response.iter_encoded():
            size += len(chunk)
    finally:
        response.close()
    return size


def bare_select(app, network_id: int) -> None:
    """Anchor: read the network's groups as plain rows (what any export must at least do)."""
    import sqlalchemy as sa

    from civicnet.extensions import db
    from civicnet.organisations.models import Organisation

    with app.app_context():
        for _row in db.session.execute(sa.select(*Organisation.__table__.c)
                                       .where(Organisation.network_id == network_id)):
            pass
        db.session.remove()


def change_a_group(app, network_id: int) -> None:
    """An organiser's edit of one group (committed): the network's data version changes, so the
    next dashboard view recounts (civicnet/data_versions.py)."""
    import sqlalchemy as sa

    from civicnet.extensions import db
    from civicnet.organisations.models import Organisation

    with app.app_context():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.network_id == network_id).limit(1))
        org.size = (org.size or 0) + 1
        db.session.commit()
        db.session.remove()


def recount_time(app, client, url: str, network_id: int, runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds of the first view after a change (the counts are not kept)."""
    import statistics
    import time

    wall, used = [], []
    for _ in range(runs):
        change_a_group(app, network_id)
        w, c = time.perf_counter(), time.process_time()
        fetch(client, url)
        wall.append(time.perf_counter() - w)
        used.append(time.process_time() - c)
    return statistics.median(wall), statistics.median(used)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="200,2000,20000")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--only", default="", help="comma-separated labels to measure")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    pages = [p for p in PAGES if not only or p[0] in only]
    with tempfile.TemporaryDirectory() as tmp:
        url = bench_database_url(tmp, backend=args.db)
        if not ensure_pg_database(url):
            return
        app = make_app(url, EXPORT_WORKER_THRESHOLD=10**9)  # the streamed path (the worker's: bench_prepared_export.py)
        networks = {}
        with app.app_context():
            from civicnet.organisations.models import Organisation
            from civicnet.extensions import db
            import sqlalchemy as sa

            made = [populate(n) for n in sizes]
            user_id = organiser(*made).id
            for n, network in zip(sizes, made):
                org_id = db.session.scalar(sa.select(sa.func.min(Organisation.id))
                                           .where(Organisation.network_id == network.id))
                networks[n] = (network.slug, network.id, user_id, org_id)
            db.session.remove()
        client = app.test_client()
        print(f"database: {url.split('://')[0]}; sizes {sizes}; median of {args.runs} runs; "
              f"{os.cpu_count()} CPUs, load average {load_average()}")
        results: dict[str, dict[int, float]] = {}
        cpu: dict[str, dict[int, float]] = {}
        cpu_least: dict[str, dict[int, float]] = {}
        sizes_kb: dict[str, int] = {}
        anchors = {}
        with app.app_context():
            from civicnet.accounts.models import User
            from civicnet.extensions import db

            login(client, db.session.get(User, networks[sizes[0]][2]))
        for n in sizes:
            slug, network_id, _user_id, org_id = networks[n]
            anchors[n] = (timed(lambda: fetch(client, "/healthz"), args.runs),
                          timed(lambda: bare_select(app, network_id), args.runs))
            for label, template, _kind in pages:
                page_url = template.format(slug=slug, org_id=org_id)
                runs = args.runs if n < 20000 or "export" not in label else max(3, args.runs // 2)
                wall, used, least = timed_least(lambda: fetch(client, page_url), runs)
                results.setdefault(label, {})[n] = wall
                cpu.setdefault(label, {})[n] = used
                cpu_least.setdefault(label, {})[n] = least
                if n == sizes[-1]:
                    sizes_kb[label] = fetch(client, page_url) // 1024
        busy = overloaded()
        # Growth is judged on CPU time on SQLite (in-process: it includes the queries) and always
        # when the machine is overloaded; wall time otherwise. Both are printed.
        basis = cpu_least if busy or url.startswith("sqlite") else results
        basis_name = "least CPU" if basis is cpu_least else "wall"
        print(f"\ngrowth table (median wall ms, least CPU ms of the runs; ratios and verdict on {basis_name} time; "
              "10 = linear)")
        print(f"{'page':<24}" + "".join(f"{n:>10,}" for n in sizes) + "   " + "".join(f"{'min cpu ' + format(n, ','):>11}" for n in sizes)
              + "   ratios          verdict     body")
        for label, _template, kind in pages:
            row = basis[label]
            ratios = [row[b] / row[a] for a, b in zip(sizes, sizes[1:])]
            worst = max(ratios) if ratios else 1.0
            if kind == "flat":
                ok = worst < 2.0
                word = "flat" if ok else "NOT FLAT"
            else:
                ok = worst <= 12.0
                word = "<= linear" if ok else "SUPERLINEAR"
            print(f"{label:<24}" + "".join(f"{results[label][n] * 1000:>8.1f}ms" for n in sizes)
                  + "   " + "".join(f"{cpu_least[label][n] * 1000:>9.1f}ms" for n in sizes)
                  + "   " + " / ".join(f"{r:5.2f}" for r in ratios) + f"   {word:<11} {sizes_kb.get(label, 0)} KB")
        big = sizes[-1]
        health, select = anchors[big]
        if "dashboard" in results:
            slug, network_id = networks[big][0], networks[big][1]
            print(f"\ndashboard at {big:,}: kept counts (every view until something changes) "
                  f"wall {results['dashboard'][big] * 1000:.1f} ms, CPU {cpu['dashboard'][big] * 1000:.1f} ms")
            for n in sizes:
                w, c = recount_time(app, client, f"/o/{networks[n][0]}/dashboard", networks[n][1], args.runs)
                print(f"  first view after a change at {n:,}: wall {w * 1000:.1f} ms, CPU {c * 1000:.1f} ms (recount)")
        print(f"\nanchors at {big:,}: GET /healthz {health * 1000:.2f} ms; bare SELECT of the network's groups "
              f"{select * 1000:.1f} ms (wall)")
        if busy:
            print(f"load average {load_average()} on {os.cpu_count()} CPUs: the machine is overloaded, targets are "
                  "judged on CPU time of this process (on SQLite that includes the queries)")
        for label, target in TARGETS.items():
            if label in results:
                t, c = results[label][big], cpu[label][big]
                judged = c if busy and url.startswith("sqlite") else t
                print(f"{label:<24} wall {t * 1000:8.1f} ms, CPU {c * 1000:8.1f} ms at {big:,}   target <= "
                      f"{target * 1000:.0f} ms   ratio to target {judged / target:.2f}   "
                      f"x{t / select:.1f} the bare SELECT   {verdict(judged <= target)}")
        for label in ("groups CSV export", "groups XLSX export", "report PDF"):
            if label not in results:
                continue
            mem = {}
            for n in sizes[-2:]:
                slug = networks[n][0]
                page_url = dict((p[0], p[1]) for p in PAGES)[label].format(slug=slug, org_id=0)
                mem[n] = peak_python_memory(lambda: drain(client, page_url))
            a, b = sizes[-2:] if len(sizes) > 1 else (big, big)
            print(f"{label:<24} peak Python memory (body streamed and dropped) {mem[a]:.1f} MB at {a:,}, {mem[b]:.1f} MB at {b:,} "
                  f"(ratio {mem[b] / mem[a]:.2f}; flat < 2)")
        with app.app_context():
            from civicnet.extensions import db

            db.engine.dispose()


if __name__ == "__main__":
    main()
