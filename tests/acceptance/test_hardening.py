"""Issue 13 (1), from outside: gunicorn with 2 workers, started with the Procfile's release and web
commands; anonymous clients abuse ``POST /api/v1/classify`` while another polls ``/healthz``.

The site must keep answering ``/healthz`` in under a second: classification is bounded (text,
batch, total size, time budget), at most one runs at a time across the workers (the rest get
503 at once), and each client is rate-limited (429)."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    for port in range(18400, 18500):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(url: str, body: dict | None = None, timeout: float = 30.0) -> tuple[int, float, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, time.monotonic() - started, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, time.monotonic() - started, exc.read()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if shutil.which("gunicorn", path=str(BIN)) is None:
        pytest.skip("gunicorn is not installed")
    tmp = tmp_path_factory.mktemp("hardening-site")
    port = _free_port()
    env = os.environ | {
        "FLASK_APP": "wsgi.py", "CIVICNET_ENV": "development", "SECRET_KEY": "acceptance-" + "x" * 32,
        "DATABASE_URL": f"sqlite:///{tmp / 'site.sqlite'}", "PORT": str(port), "WEB_CONCURRENCY": "2",
        "REDIS_URL": "", "RATELIMIT_STORAGE_URI": "memory://", "GUNICORN_ACCESSLOG": str(tmp / "access.log"),
        "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
    }
    env.pop("TEST_DATABASE_URL", None)
    for command in (["flask", "db", "upgrade"], ["flask", "network", "load-defaults"]):
        subprocess.run([str(BIN / command[0]), *command[1:]], cwd=ROOT, env=env, check=True, capture_output=True,
                       timeout=300)
    log = open(tmp / "gunicorn.log", "wb")
    process = subprocess.Popen([str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if _request(base + "/healthz", timeout=2)[0] == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("gunicorn did not start: " + (tmp / "gunicorn.log").read_text(errors="replace")[-2000:])
        # Warm both workers' classifier so that loading the model is not what is measured.
        for _ in range(4):
            _request(base + "/api/v1/classify", {"texts": ["하천 정화"]}, timeout=120)
        yield {"base": base, "log": tmp / "gunicorn.log"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_classify_abuse_does_not_stall_the_site(site):
    base = site["base"]
    text = ("우리 단체는 하천 정화 활동과 기후 교육을 하고 어르신 돌봄과 먹거리 나눔을 합니다. " * 40)[:1250]
    heaviest_allowed = {"texts": [text] * 8}                      # 10,000 characters: the most one may send
    oversized = {"texts": [text * 5] * 60}                         # what stalled the site before
    classify: list[int] = []
    health: list[tuple[int, float]] = []
    stop = time.monotonic() + 20

    def abuse(body):
        while time.monotonic() < stop:
            status, _, _ = _request(base + "/api/v1/classify", body, timeout=90)
            classify.append(status)

    def poll():
        while time.monotonic() < stop + 2:
            status, seconds, _ = _request(base + "/healthz", timeout=30)
            health.append((status, seconds))
            time.sleep(0.2)

    threads = [threading.Thread(target=abuse, args=(heaviest_allowed,)) for _ in range(3)]
    threads += [threading.Thread(target=abuse, args=(oversized,)), threading.Thread(target=poll)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)

    worst = max(seconds for _, seconds in health)
    print(f"\nhealthz: {len(health)} polls, worst {worst:.3f} s; classify statuses: "
          f"{ {s: classify.count(s) for s in sorted(set(classify))} }")
    assert all(status == 200 for status, _ in health)
    assert worst < 1.0
    assert set(classify) <= {200, 413, 422, 429, 503}
    assert 200 in classify and ({503, 429} & set(classify))  # work was done, and refused when too much
    assert "WORKER TIMEOUT" not in site["log"].read_text(errors="replace")


def test_the_oversized_batch_is_refused_at_once(site):
    text = "하천 정화 " * 1000
    status, seconds, body = _request(site["base"] + "/api/v1/classify?lang=en", {"texts": [text] * 60})
    assert status in {413, 422} and seconds < 2.0
    assert json.loads(body)["message"]
