"""Broadcast throughput to the fake Bot API for 10,000 recipients, and the bot process's memory.

Usage: python bench/bench_broadcast.py [--recipients 10000] [--skip-bot]
Uses a fresh SQLite file (or BENCH_DATABASE_URL, which it empties) and the production sender with
the production limits (NOTICES_RATE_PER_WINDOW / NOTICES_RATE_WINDOW_SECONDS). Arrival times are
taken at the fake server, where Telegram would count them. Targets: >= 28 messages/s sustained,
never more than 30 in any one-second window.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import sqlalchemy as sa  # noqa: E402

from bench.common import migrate_empty_database  # noqa: E402
from civicnet import create_app  # noqa: E402
from civicnet.extensions import db  # noqa: E402
from civicnet.networks.services import load_default_network  # noqa: E402
from civicnet.notices.delivery import drain_with_config  # noqa: E402
from civicnet.notices.models import TelegramChat  # noqa: E402
from civicnet.notices.services import create_notice  # noqa: E402
from civicnet.organisations.models import Organisation  # noqa: E402
from civicnet.timeutil import utcnow  # noqa: E402
from tests.bots.fake_telegram import FakeTelegram  # noqa: E402


def max_in_any_window(times: list[float], window: float = 1.0) -> int:
    times, best, j = sorted(times), 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - window:
            j += 1
        best = max(best, i - j + 1)
    return best


def min_rate_over(times: list[float], span: float = 10.0) -> float:
    """The lowest average rate over any ``span``-second stretch (a 'sustained' rate)."""
    times = sorted(times)
    if times[-1] - times[0] < span:
        return (len(times) - 1) / max(1e-9, times[-1] - times[0])
    worst, j = float("inf"), 0
    for i, t in enumerate(times):
        while times[j] < t - span:
            j += 1
        if t - times[0] >= span:
            worst = min(worst, (i - j) / span)
    return worst


def setup_database(url: str, recipients: int):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "b" * 40})
    with app.app_context():
        migrate_empty_database(url)
        network = load_default_network()
        db.session.commit()
        now = utcnow()
        db.session.execute(sa.insert(Organisation), [
            {"network_id": network.id, "name": f"bench {i}", "name_key": f"bench{i}", "kind": "ngo",
             "representative": "", "email": f"b{i}@example.org", "contact_key": f"b{i}@example.org",
             "district": "", "activities": "-", "language": "ko", "status": "registered", "public_listing": False,
             "created_at": now, "updated_at": now} for i in range(recipients)])
        ids = db.session.scalars(sa.select(Organisation.id).order_by(Organisation.id)).all()
        db.session.execute(sa.insert(TelegramChat), [
            {"chat_id": 900_000_000 + i, "network_id": network.id, "organisation_id": org_id, "language": "ko",
             "subscribed": True, "consent_version": "1", "consented_at": now, "created_at": now, "updated_at": now}
            for i, org_id in enumerate(ids)])
        notice_id = create_notice(network, "벤치마크 공지 / benchmark notice", None, "network").id
        db.session.commit()
    return app, notice_id


def rss_kb(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            key, value = line.split(":")
            out[key] = int(value.split()[0])
    return out


def bench_bot_memory(url: str, fake: FakeTelegram, chats: int = 50) -> None:
    env = dict(os.environ, DATABASE_URL=url, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE_URL=fake.base_url,
               SECRET_KEY="m" * 40, BOT_MODE="polling", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "bots"], cwd=str(ROOT), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        fake.wait_until(lambda: any(m == "getUpdates" for m, _p in fake.requests), timeout=60)
        idle = rss_kb(proc.pid)
        started = time.monotonic()
        for i in range(chats):
            chat = 800_000 + i
            fake.send_text(chat, "/start")
            fake.next_message(chat, timeout=30)
            fake.press(chat, "lang:ko")
            fake.next_message(chat, timeout=30)
            fake.press(chat, "kind:organisation")
            fake.next_message(chat, timeout=30)
            fake.send_text(chat, f"벤치 단체 {i}")
            fake.next_message(chat, timeout=30)
            fake.send_text(chat, "/help")
            fake.next_message(chat, timeout=30)
        elapsed = time.monotonic() - started
        busy = rss_kb(proc.pid)
        print(f"bot process: idle RSS {idle['VmRSS'] / 1024:.1f} MiB; after {chats} conversations "
              f"({chats * 5} updates in {elapsed:.1f} s, {chats * 5 / elapsed:.1f} updates/s) "
              f"RSS {busy['VmRSS'] / 1024:.1f} MiB, peak {busy['VmHWM'] / 1024:.1f} MiB")
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--skip-bot", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite"
        app, notice_id = setup_database(url, args.recipients)
        fake = FakeTelegram().start()
        try:
            if not args.skip_bot:
                bench_bot_memory(url, fake)
        finally:
            fake.stop()
        # The broadcast goes to a fake server in its own process, as Telegram would be: arrival
        # times are then not distorted by this process's own event loop and threads.
        dump = Path(tmp) / "arrivals.json"
        server = subprocess.Popen([sys.executable, str(ROOT / "tests" / "bots" / "fake_telegram.py"), str(dump)],
                                  cwd=str(ROOT), env=dict(os.environ, PYTHONPATH=str(ROOT)),
                                  stdout=subprocess.PIPE, text=True)
        port = int(server.stdout.readline())
        app.config.update(TELEGRAM_API_BASE_URL=f"http://127.0.0.1:{port}/bot", TELEGRAM_BOT_TOKEN=fake.token)
        started = time.monotonic()
        try:
            with app.app_context():
                report = asyncio.run(drain_with_config(db.engine, app.config, notice_id))
        finally:
            server.terminate()
            server.wait(30)
        elapsed = time.monotonic() - started
        arrivals = [at for _chat, at in json.loads(dump.read_text())]
        if os.environ.get("BENCH_DUMP"):
            Path(os.environ["BENCH_DUMP"]).write_text(json.dumps({"sent": report.request_times, "arrived": arrivals}))
    wall_offset = time.time() - time.monotonic()  # arrivals are wall-clock kernel timestamps
    sent = sorted(t + wall_offset for t in report.request_times)
    delays = sorted(a - b for a, b in zip(sorted(arrivals), sent))
    print(f"sender side: most requests started in any 1-s window {max_in_any_window(sent)}; "
          f"request-to-arrival delay median {delays[len(delays) // 2] * 1000:.1f} ms, "
          f"max {delays[-1] * 1000:.1f} ms (the limiter tolerates ~50 ms of jitter); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    span = max(arrivals) - min(arrivals)
    peak = max_in_any_window(arrivals, 1.0)
    sustained = min_rate_over(arrivals, 10.0)
    print(f"broadcast: {len(arrivals)} messages to {args.recipients} recipients in {elapsed:.1f} s "
          f"({url.split(':')[0]}); "
          f"sustained (mean over the run) {(len(arrivals) - 1) / span:.2f} msg/s; "
          f"lowest 10-s average {sustained:.2f} msg/s; "
          f"most in any 1-s window {peak} (limit 30); sender report sent={report.sent} failed={report.failed}")
    ok = peak <= 30 and (len(arrivals) - 1) / span >= 28 and report.sent == args.recipients
    print("targets met" if ok else "TARGETS MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
