"""`flask sdg rescore` at network scale: time and peak memory, streamed in batches vs one batch.

A fresh SQLite file (or BENCH_DATABASE_URL, whose schema is reset: give it a database of its own)
gets the default network and N groups (default 20,000) whose activities are drawn from the
project's own Korean descriptions plus short synthetic lines (real lengths: a line to a page).
Then the real command runs in its own process, as an operator would start it:

- anchor: `flask sdg classify` of the same N texts from a JSON Lines file (classification alone,
  no database reads or writes, every text encoded) - the honest floor for a rescore that encodes;
- cold: `flask sdg rescore --apply` with no stored vectors (the first rescore after a change of
  encoder: every text is encoded, in batches, and its vector stored, tagged with the encoder);
- warm: `flask sdg rescore --apply` again with the vectors stored (the rescore after a retrained
  head: unchanged texts are not encoded again);
- with ``--one-batch``: `--batch N` (every group in the session at once), for the memory comparison.

Each process's wall time and peak RSS (ru_maxrss of the child) are printed with the ratio to the
anchor and the targets (<= 10 min, <= 400 MB). The encoder is the configured one
(``CIVICNET_ENCODER``, default auto = e5 where the CPU runs it), 2 threads unless
``CIVICNET_ENCODER_THREADS`` says otherwise (a batch job, not a web worker: e5 then embeds two
slices at once on one model, see bench/bench_e5_threads.py).

``--compare PATH`` runs every command also from another work tree of the project (say the commit
before a change: ``git worktree add /tmp/before HEAD~1``) on the same database and texts,
alternating with this tree's run, so that a shared machine's load falls on both alike.
Run: .venv/bin/python bench/bench_rescore.py [--n 20000] [--runs 3] [--compare PATH]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_partners import synthetic_texts  # noqa: E402


def texts_for(n: int) -> list[str]:
    from civicnet.matching import corpus

    real = [e.text for e in corpus.korean_examples()]
    rng = random.Random(n)
    synth = synthetic_texts(n, seed=n)
    return [rng.choice(real) if i % 2 else synth[i] for i in range(n)]


def populate(url: str, n: int) -> None:
    import sqlalchemy as sa

    import civicnet
    from bench.common import migrate_empty_database
    from civicnet.extensions import db
    from civicnet.goals.services import load_goals
    from civicnet.networks.services import load_default_network
    from civicnet.organisations.models import Organisation
    from civicnet.timeutil import utcnow

    app = civicnet.create_app({"TESTING": True, "SECRET_KEY": "bench" * 10, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        migrate_empty_database(url)
        load_goals()
        network = load_default_network()
        db.session.commit()
        now = utcnow()
        rows = [{"network_id": network.id, "name": f"단체 {i}", "name_key": f"단체{i}", "kind": "ngo",
                 "representative": "", "email": None, "phone": None, "contact_key": f"bench-{i}", "district": "",
                 "activities": text, "language": "ko", "status": "registered", "public_listing": False,
                 "created_at": now, "updated_at": now} for i, text in enumerate(texts_for(n))]
        for start in range(0, n, 2000):
            db.session.execute(sa.insert(Organisation), rows[start:start + 2000])
        db.session.commit()


def reset_suggestions(url: str, vectors: bool = False) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as conn:
        if vectors:
            conn.execute(sa.text("DELETE FROM partner_embeddings"))
            conn.execute(sa.text("DELETE FROM partner_index_versions"))
        conn.execute(sa.text("DELETE FROM matching_suggestions"))
        conn.execute(sa.text("DELETE FROM organisation_goals"))
        conn.execute(sa.text("DELETE FROM organisation_changes"))
        conn.execute(sa.text("UPDATE organisations SET cluster_id = NULL, cluster_source = NULL"))
    engine.dispose()


def run(args: list[str], url: str, stdin_path: Path | None = None, root: Path = ROOT) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one `flask ...` process run from the work tree ``root``."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench" * 10, "FLASK_APP": "wsgi:app",
           "CIVICNET_ENCODER_THREADS": os.environ.get("CIVICNET_ENCODER_THREADS", "2")}
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); "
            "dt = time.perf_counter() - t; "
            "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024); "
            "sys.exit(p.returncode and print(p.stderr.decode()[-2000:], file=sys.stderr) or p.returncode)")
    cmd = [sys.executable, "-c", code, str(root / ".venv/bin/flask"), *args]
    with (open(stdin_path, "rb") if stdin_path else open(os.devnull, "rb")) as fh:
        out = subprocess.run(cmd, cwd=root, env=env, stdin=fh, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stderr}")
    seconds, rss = out.stdout.split()
    return float(seconds), float(rss)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=1, help="runs of each command (median printed)")
    parser.add_argument("--one-batch", action="store_true", help="also rescore all N groups in one batch")
    parser.add_argument("--compare", type=Path, default=None,
                        help="another work tree of the project, run alternately on the same database")
    opts = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-rescore-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite'}"
    started = time.perf_counter()
    populate(url, opts.n)
    threads = os.environ.get("CIVICNET_ENCODER_THREADS", "2")
    loads = [os.getloadavg()[0]]
    print(f"{opts.n} groups inserted in {time.perf_counter() - started:.1f} s ({url.split(':')[0]}); "
          f"encoder {os.environ.get('CIVICNET_ENCODER', 'auto')}, CIVICNET_ENCODER_THREADS={threads}, "
          f"load average {loads[0]:.1f}")
    jsonl = tmp / "texts.jsonl"
    jsonl.write_text("".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                             for i, t in enumerate(texts_for(opts.n))), encoding="utf-8")
    trees = [("", ROOT)] + ([(f"[{opts.compare}] ", opts.compare.resolve())] if opts.compare else [])

    def medians_of(args, stdin=None, cold=False):
        samples: dict[str, list] = {label: [] for label, _ in trees}
        for r in range(opts.runs):
            for label, root in (trees if r % 2 == 0 else trees[::-1]):  # alternate who goes first
                if args[1] == "rescore":
                    reset_suggestions(url, vectors=cold)
                samples[label].append(run(args, url, stdin, root))
                loads.append(os.getloadavg()[0])
        return {label: sorted(xs)[len(xs) // 2] for label, xs in samples.items()}

    rescore = ["sdg", "rescore", "--network", "cheongju", "--apply"]
    commands = [("anchor: flask sdg classify (no database)",
                 medians_of(["sdg", "classify", "--input", str(jsonl), "--output", os.devnull, "--batch", "500"])),
                ("rescore, no stored vectors (encoder changed)", medians_of(rescore, cold=True)),
                ("rescore, vectors stored (head retrained)", medians_of(rescore))]
    if opts.one_batch:
        commands.append((f"rescore --batch {opts.n} (one batch), vectors stored",
                         medians_of(rescore + ["--batch", str(opts.n)])))
    print(f"median of {opts.runs} run(s) each; load average during the runs {min(loads):.1f}-{max(loads):.1f}")
    print(f"{'command':<52} {'time':>9} {'peak RSS':>9} {'time / anchor':>14} {'per 20,000':>11}")
    for label, _ in trees:
        anchor = commands[0][1][label]
        for name, by_tree in commands:
            sec, rss = by_tree[label]
            print(f"{(label + name)[:52]:<52} {sec:>8.1f}s {rss:>7.0f}MB {sec / anchor[0]:>13.2f}x "
                  f"{sec * 20000 / opts.n:>10.0f}s")
    for label, _ in trees:
        for name, by_tree in commands[1:3]:
            sec, rss = by_tree[label]
            at = sec * 20000 / opts.n
            print(f"target: rescore of 20,000 <= 600 s, peak <= 400 MB -> {label}{name}: {at:.0f} s "
                  f"({at / 600:.2f} of the bar{'' if opts.n >= 20000 else f', scaled from {opts.n}'}), {rss:.0f} MB "
                  f"({'met' if at <= 600 and rss <= 400 else 'NOT met'})")


if __name__ == "__main__":
    main()
