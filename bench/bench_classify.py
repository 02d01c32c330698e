"""Benchmark of SDG classification in one warm process (CIVICNET_ENCODER_THREADS BLAS threads,
default 1 as in a gunicorn worker).

Prints: classifications/s for short texts and for 1,000-character texts beside the encoder-only
rate (the ratio shows our own overhead; target >= 0.9 for short texts), the one-text path that
registration takes beside the encoder on one text, the one-text latency (p50/p95) over the
project's own descriptions (real lengths: a line to 1,465 characters; target p95 <= 150 ms),
model load time, and peak RSS. Medians over paired runs.

``--compare use``: the same bench first in a child process with ``CIVICNET_ENCODER=use`` (the
anchor, measured in the same run), then with the configured encoder (default ``auto``: e5 where
the CPU runs it), and a table of both with the ratios. ``--e5-tokens 0,64,96,128`` adds one column
per e5 cut (``CIVICNET_E5_MAX_TOKENS``; 0 = the whole text) with its quality on the written Korean
test texts and the real-text test split beside its latency.
``--serving N``: N other processes classify one short text after another meanwhile, as web workers
serving registrations do (each with one BLAS thread), so the latency is taken on a busy machine.
``--latency-only``: skip the batch rates (the one-text figures are what the web waits for).
Usage: python bench/bench_classify.py [--runs 5] [--batch 64] [--compare use] [--e5-tokens 0,96]
       [--serving 1] [--latency-only]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

THREADS = os.environ.setdefault("CIVICNET_ENCODER_THREADS", "1")
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, THREADS)
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SHORT = [
    "하천 정화 활동과 생태 교육", "독거 어르신 반찬 나눔", "청년 취업 상담", "태양광 협동조합",
    "마을 작은도서관 운영", "로컬푸드 직매장", "장애인 인권 교육", "제로웨이스트 가게",
    "Free meals for homeless people", "Tree planting with school children", "여성 창업 지원",
    "주민자치회 마을 회의", "어린이 교통안전 교육", "업사이클링 공방", "기후위기 캠페인", "다문화 가정 한국어 교실",
]
LONG_BASE = ("저희 단체는 2010년부터 청주에서 활동해 온 시민 모임으로, 무심천과 미호강의 수질을 매달 조사하고 "
             "하천 쓰레기를 줍는 정화 활동을 합니다. 여름방학에는 초등학생을 위한 생태교실을 열고, 지역 학교와 "
             "함께 기후위기 교육을 진행합니다. 또한 독거 어르신 가정에 반찬을 배달하고 안부를 확인하며, "
             "마을 축제와 벼룩시장을 열어 이웃이 서로 알고 지내는 동네를 만들고 있습니다. ")


def long_texts(n: int) -> list[str]:
    out = []
    for i in range(n):
        text = f"({i}) " + LONG_BASE * 3
        out.append(text[:1000])
    return out


def once(fn, texts, batch) -> float:
    t0 = time.perf_counter()
    for i in range(0, len(texts), batch):
        fn(texts[i:i + batch])
    return len(texts) / (time.perf_counter() - t0)


def paired(classify, encode, texts, batch, runs) -> tuple[float, float, float]:
    """Median rates of classify and encoder-only, measured back to back in each run (the
    machine is shared, so pairing keeps the ratio fair), and the median of the ratios."""
    c, e = [], []
    for _ in range(runs):
        e.append(once(encode, texts, batch))
        c.append(once(classify, texts, batch))
    return statistics.median(c), statistics.median(e), statistics.median(x / y for x, y in zip(c, e))


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def latencies(classify, texts) -> tuple[float, float, float, float]:
    """p50 and p95 (ms) of one text per call, over ``texts`` in order: wall time, then CPU time of
    the calling thread (with one encoder thread, an estimate of the wall time on an idle core)."""
    wall, cpu = [], []
    for text in texts:
        t0, c0 = time.perf_counter(), time.thread_time()
        classify([text])
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)

    def p(samples, q):
        samples = sorted(samples)
        return samples[min(len(samples) - 1, int(q * len(samples)))]

    return p(wall, 0.5), p(wall, 0.95), p(cpu, 0.5), p(cpu, 0.95)


def serve_forever() -> None:
    """A stand-in for a web worker serving registrations: one short text after another."""
    from civicnet.matching import services

    i = 0
    while True:
        services.classify_texts([f"{SHORT[i % len(SHORT)]} {i}"])
        i += 1


def quality() -> dict:
    """Quality of the configured encoder's artefact, as shipped (Cheongju seeds): the written
    Korean-language test texts and the real-text test split (when built locally)."""
    from civicnet.matching import corpus, evaluation
    from civicnet.matching.model import get_model
    from civicnet.matching.scoring import score_texts
    from civicnet.matching.services import default_profile

    model, profile = get_model(), default_profile()
    seeds = evaluation.seed_examples(model, profile.slug)
    out = {}
    for name, examples in (("written_ko", [e for e in corpus.korean_examples("test") if e.lang == "ko"]),
                           ("real", corpus.real_examples("test"))):
        if examples:
            fig = evaluation.korean_figures(examples, score_texts(model, [e.text for e in examples], profile, seeds))
            out[name] = {"n": len(examples), "top1": fig["top1_right"], "top3": fig["main_in_top3"],
                         "cluster": fig["cluster_acceptable"], "set_f1": fig["set"]["f1"]}
    return out


def compare(args) -> None:
    """Run the bench for the anchor encoder and the configured one (or one per e5 cut), each in
    its own process, one after the other."""
    columns = [("anchor", {"CIVICNET_ENCODER": args.compare})]
    if args.e5_tokens:
        columns += [(f"e5/{n}", {"CIVICNET_ENCODER": "e5", "CIVICNET_E5_MAX_TOKENS": n})
                    for n in args.e5_tokens.split(",")]
    else:
        columns.append(("configured", {"CIVICNET_ENCODER": os.environ.get("CIVICNET_ENCODER", "auto")}))
    rows = {}
    for label, extra in columns:
        env = {**os.environ, **extra}
        cmd = [sys.executable, __file__, "--json", "--runs", str(args.runs), "--batch", str(args.batch),
               "--short", str(args.short), "--long", str(args.long), "--latency", str(args.latency),
               "--serving", str(args.serving)] + (["--latency-only"] if args.latency_only else []) \
            + (["--quality"] if args.e5_tokens else [])
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
        rows[label] = json.loads(out.stdout.strip().splitlines()[-1])
    a = rows["anchor"]
    others = [rows[label] for label, _ in columns[1:]]
    print(f"load average {load_average()}; {THREADS} BLAS thread(s); medians of {args.runs} runs; "
          f"{args.serving} serving process(es) meanwhile")
    print(f"{'measure':<44} {a['encoder']:>10} " + " ".join(f"{c['encoder']:>10} {'ratio':>6}" for c in others)
          + "  target")
    keys = (
            ("short_rate", "short texts, batches (classifications/s)", ""),
            ("long_rate", "1,000 chars, batches (classifications/s)", ""),
            ("one_rate", "one short text per call (calls/s)", ""),
            ("p50_ms", "one real-length text: p50 (ms)", ""),
            ("p95_ms", "one real-length text: p95 (ms)", "<= 150 ms"),
            ("cpu_p50_ms", "the same, CPU time of the thread: p50 (ms)", ""),
            ("cpu_p95_ms", "the same, CPU time of the thread: p95 (ms)", "(idle-core estimate)"),
            ("load_s", "model load (s)", "<= 3 s"),
            ("peak_mb", "peak RSS (MB)", "<= 500 MB"))
    for key, label, target in keys:
        if key not in a:
            continue
        print(f"{label:<44} {a[key]:>10.1f} "
              + " ".join(f"{c[key]:>10.1f} {c[key] / max(a[key], 1e-9):>6.2f}" for c in others) + f"  {target}")
    for name, label in (("written_ko", "written Korean test texts"), ("real", "real-text test split")):
        if name in a.get("quality", {}):
            for key, what in (("top1", "top SDG right"), ("top3", "main SDG in top 3"),
                              ("cluster", "top cluster acceptable"), ("set_f1", "pre-ticked set F1")):
                print(f"{label + ': ' + what:<44} {a['quality'][name][key]:>10.3f} "
                      + " ".join(f"{c['quality'][name][key]:>10.3f} {'':>6}" for c in others))
    for c in others:
        met = c["p95_ms"] <= 150 and c["peak_mb"] <= 500
        print(f"{c['encoder']}: p95 {c['p95_ms']:.0f} ms ({c['p95_ms'] / 150:.2f} of the 150 ms bar; "
              f"{c['p95_ms'] / max(a['p95_ms'], 1e-9):.2f}x the anchor), peak {c['peak_mb']:.0f} MB "
              f"({c['peak_mb'] / 500:.2f} of 500 MB): {'met' if met else 'NOT met'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--short", type=int, default=1024)
    ap.add_argument("--long", type=int, default=128)
    ap.add_argument("--latency", type=int, default=300, help="real-length texts timed one per call")
    ap.add_argument("--compare", default=None, help="anchor encoder measured first in its own process")
    ap.add_argument("--e5-tokens", default="", help="with --compare: e5 cuts to measure, e.g. 0,64,96")
    ap.add_argument("--serving", type=int, default=0, help="processes classifying short texts meanwhile")
    ap.add_argument("--latency-only", action="store_true", help="skip the batch rates")
    ap.add_argument("--quality", action="store_true", help="also score the written and real test texts")
    ap.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--json", action="store_true", help="print one JSON line (used by --compare)")
    args = ap.parse_args()
    if args.serve:
        serve_forever()
        return
    if args.compare:
        compare(args)
        return

    t0 = time.perf_counter()
    from civicnet.matching import services
    from civicnet.matching.model import get_model

    t1 = time.perf_counter()
    model = get_model()
    load_s = time.perf_counter() - t1
    import_s = t1 - t0
    from civicnet.matching.encoders import get_encoder

    enc = get_encoder(model.encoder_name)
    short = [f"{SHORT[i % len(SHORT)]} {i}" for i in range(args.short)]
    longs = long_texts(args.long)
    services.classify_texts(short[:64])  # warm caches (cluster vectors, seed head)

    def classify(batch):
        return services.classify_texts(batch)

    rates = {}
    if not args.latency_only:
        c_short, e_short, r_short = paired(classify, enc.encode, short, args.batch, args.runs)
        c_long, e_long, r_long = paired(classify, enc.encode, longs, args.batch, args.runs)
        one_c, one_e, one_r = paired(classify, enc.encode, short[:200], 1, args.runs)
        rates = {"short_rate": c_short, "long_rate": c_long, "one_rate": one_c}
    from civicnet.matching import corpus

    real = [e.text for e in corpus.korean_examples("test")]
    real = [real[i] for i in range(0, len(real), max(1, len(real) // args.latency))][: args.latency]
    servers = [subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.DEVNULL)
               for _ in range(args.serving)]
    try:
        if servers:
            time.sleep(8)  # let them load their model and start serving
        runs = [latencies(classify, real) for _ in range(args.runs if args.latency_only else 1)]
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait()
    p50, p95, cpu_p50, cpu_p95 = (statistics.median(r[i] for r in runs) for i in range(4))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if args.json:
        print(json.dumps({"encoder": enc.name, **rates, "p50_ms": p50, "p95_ms": p95, "cpu_p50_ms": cpu_p50,
                          "cpu_p95_ms": cpu_p95, "load_s": load_s, "peak_mb": peak_mb,
                          **({"quality": quality()} if args.quality else {})}))
        return
    if args.latency_only:
        print(f"encoder: {enc.name}; {THREADS} BLAS thread(s); {args.serving} serving process(es); "
              f"medians of {args.runs} runs; load average {load_average()}")
        print(f"one real-length text per call: p50 {p50:.0f} ms, p95 {p95:.0f} ms (target p95 <= 150 ms); "
              f"CPU time of the thread p50 {cpu_p50:.0f} ms, p95 {cpu_p95:.0f} ms")
        return

    print(f"encoder: {enc.name}; batch {args.batch}; medians of {args.runs} runs; {THREADS} BLAS thread(s); "
          f"load average {load_average()}")
    print(f"short texts : {c_short:8.0f} classifications/s   encoder only {e_short:8.0f}/s   "
          f"ratio {r_short:.2f} (target >= 0.9)   (rate target >= 800/s)")
    print(f"1,000 chars : {c_long:8.0f} classifications/s   encoder only {e_long:8.0f}/s   "
          f"ratio {r_long:.2f}")
    print(f"one text per call (registration form): {one_c:.0f} calls/s   encoder only {one_e:.0f}/s   "
          f"ratio {one_r:.2f}")
    print(f"one real-length text per call: p50 {p50:.0f} ms, p95 {p95:.0f} ms (target p95 <= 150 ms); "
          f"CPU time of the thread p50 {cpu_p50:.0f} ms, p95 {cpu_p95:.0f} ms")
    print(f"model load  : {load_s:.2f} s (target <= 3 s; artefact + encoder weights, "
          f"after importing the app's code in {import_s:.2f} s)")
    print(f"peak RSS    : {peak_mb:.0f} MB (target <= 400 MB)")


if __name__ == "__main__":
    main()
