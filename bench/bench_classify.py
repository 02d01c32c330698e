"""Benchmark of SDG classification in one warm process (CIVICNET_ENCODER_THREADS BLAS threads,
default 1 as in a gunicorn worker).

Prints: classifications/s for short texts and for 1,000-character texts beside the encoder-only
rate (the ratio shows our own overhead; target >= 0.9 for short texts), the one-text path that
registration takes beside the encoder on one text, model load time, and peak RSS. Medians over
paired runs. Usage: python bench/bench_classify.py [--runs 5] [--batch 64]
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--short", type=int, default=1024)
    ap.add_argument("--long", type=int, default=128)
    args = ap.parse_args()

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

    c_short, e_short, r_short = paired(classify, enc.encode, short, args.batch, args.runs)
    c_long, e_long, r_long = paired(classify, enc.encode, longs, args.batch, args.runs)
    one_c, one_e, one_r = paired(classify, enc.encode, short[:200], 1, args.runs)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"encoder: {enc.name}; batch {args.batch}; medians of {args.runs} runs; {THREADS} BLAS thread(s); "
          f"load average {load_average()}")
    print(f"short texts : {c_short:8.0f} classifications/s   encoder only {e_short:8.0f}/s   "
          f"ratio {r_short:.2f} (target >= 0.9)   (rate target >= 800/s)")
    print(f"1,000 chars : {c_long:8.0f} classifications/s   encoder only {e_long:8.0f}/s   "
          f"ratio {r_long:.2f}")
    print(f"one text per call (registration form): {one_c:.0f} calls/s   encoder only {one_e:.0f}/s   "
          f"ratio {one_r:.2f}")
    print(f"model load  : {load_s:.2f} s (target <= 3 s; artefact + encoder weights, "
          f"after importing the app's code in {import_s:.2f} s)")
    print(f"peak RSS    : {peak_mb:.0f} MB (target <= 400 MB)")


if __name__ == "__main__":
    main()
