"""The bot process (``python -m bots``) against the fake Bot API: memory with the SDG classifier
loaded, and how long a registration answer takes next to a bare command.

Usage: python bench/bench_bot.py [--conversations 20] [--rounds 3]
Uses a fresh SQLite file (or BENCH_DATABASE_URL, which it empties). Each conversation is a whole
registration (11 updates, the classifier runs on the activities answer). The anchor is /help in the
same process and run: the claim of the update in the database plus one sendMessage, so the ratio
shows what the flow and its database round trips add. Figures are medians over the rounds.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench.common import migrate_empty_database  # noqa: E402
from civicnet import create_app  # noqa: E402
from civicnet.extensions import db  # noqa: E402
from civicnet.networks.services import load_default_network  # noqa: E402
from tests.bots.fake_telegram import FakeTelegram  # noqa: E402

ACTIVITIES = ["무심천에서 하천 정화 활동과 어린이 생태 교육을 합니다.",
              "마을 공동체 텃밭을 가꾸고 수확한 채소를 이웃과 나눕니다.",
              "폐자원을 모아 업사이클 제품을 만들고 수익으로 취약계층을 돕습니다.",
              "We run a repair café and a zero-waste market in our village every month."]


def rss_mib(pid: int) -> dict[str, float]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            key, value = line.split(":")
            out[key] = int(value.split()[0]) / 1024
    return out


def timed(fake: FakeTelegram, chat: int, action) -> float:
    started = time.perf_counter()
    action()
    fake.next_message(chat, timeout=60)
    return time.perf_counter() - started


def register(fake: FakeTelegram, chat: int, n: int, answers: list[float], classify: list[float]) -> None:
    def press(data: str) -> float:
        return timed(fake, chat, lambda: fake.press(chat, data))

    def send(text: str) -> float:
        return timed(fake, chat, lambda: fake.send_text(chat, text))

    answers.append(send("/start"))
    answers.append(press("lang:ko"))
    answers.append(press("kind:organisation"))
    answers.append(send(f"벤치 단체 {n}"))
    answers.append(send(f"010-2{n % 1000:03d}-{n % 10000:04d}"))
    fake.next_message(chat, timeout=30)  # "Thank you." came first; this is the question
    answers.append(press("ok:ngo"))
    classify.append(send(ACTIVITIES[n % len(ACTIVITIES)]))
    picker = fake.messages_to(chat)[-1]
    if not [b for b in picker.buttons() if b["text"].startswith("✅")]:
        answers.append(timed(fake, chat, lambda: fake.press(chat, "sdg:12", picker)))
        picker = fake.messages_to(chat)[-1]
    answers.append(timed(fake, chat, lambda: fake.press(chat, "sdg:done", picker)))
    answers.append(press("cl:none"))
    answers.append(press("consent:yes"))
    answers.append(press("confirm:yes"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
        for round_no in range(args.rounds):
            app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40})
            with app.app_context():
                migrate_empty_database(url) if round_no == 0 or url.startswith("postgresql") else None
                load_default_network()
                db.session.commit()
                db.engine.dispose()
            fake = FakeTelegram().start()
            env = dict(os.environ, DATABASE_URL=url, TELEGRAM_BOT_TOKEN=fake.token,
                       TELEGRAM_API_BASE_URL=fake.base_url, SECRET_KEY="m" * 40, BOT_MODE="polling",
                       PYTHONPATH=str(ROOT), CIVICNET_INSTANCE_PATH=tmp)
            proc = subprocess.Popen([sys.executable, "-m", "bots"], cwd=str(ROOT), env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                fake.wait_until(lambda: any(m == "getUpdates" for m, _p in fake.requests), timeout=120)
                idle = rss_mib(proc.pid)
                base = 900_000 + round_no * 10_000
                helps = [timed(fake, base, lambda: fake.send_text(base, "/help")) for _ in range(20)]
                answers: list[float] = []
                classify: list[float] = []
                started = time.perf_counter()
                for i in range(args.conversations):
                    register(fake, base + 1 + i, round_no * 1000 + i, answers, classify)
                elapsed = time.perf_counter() - started
                busy = rss_mib(proc.pid)
            finally:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                fake.stop()
            updates = len(answers) + len(classify)
            rows.append({"idle": idle["VmRSS"], "busy": busy["VmRSS"], "peak": busy["VmHWM"],
                         "help": statistics.median(helps), "answer": statistics.median(answers),
                         "first_classify": classify[0], "classify": statistics.median(classify[1:] or classify),
                         "rate": updates / elapsed})
            r = rows[-1]
            print(f"round {round_no + 1}: idle RSS {r['idle']:.1f} MiB; after {args.conversations} registrations "
                  f"({updates} updates, {r['rate']:.1f} updates/s) RSS {r['busy']:.1f} MiB, peak {r['peak']:.1f} MiB;"
                  f" first classification {r['first_classify'] * 1000:.0f} ms (loads the model)", flush=True)

    def med(key: str) -> float:
        return statistics.median(r[key] for r in rows)

    print(f"bot process (median of {len(rows)} runs, {url.split(':')[0]}): idle RSS {med('idle'):.1f} MiB; "
          f"with the classifier loaded, after {args.conversations} registrations {med('busy'):.1f} MiB "
          f"(peak {med('peak'):.1f} MiB)")
    print(f"round trip through the fake Bot API: /help {med('help') * 1000:.1f} ms (anchor); registration "
          f"answer {med('answer') * 1000:.1f} ms = {med('answer') / med('help'):.2f}x the anchor; activities "
          f"answer with classification {med('classify') * 1000:.1f} ms; {med('rate'):.1f} updates/s")


if __name__ == "__main__":
    main()
