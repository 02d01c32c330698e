"""Issue 13 (1), from outside: gunicorn with 2 workers, started with the Procfile's release and web
commands; anonymous clients abuse ``POST /api/v1/classify`` while another polls ``/healthz``.

The site must keep answering ``/healthz`` in under a second: classification is bounded (text,
batch, total size, time budget), at most one runs at a time across the workers (the rest get
503 at once), and each client is rate-limited (429)."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request

import pytest


def _request(url: str, body: dict | None = None, timeout: float = 30.0) -> tuple[int, float, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"} if data else {})
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, time.monotonic() - started, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, time.monotonic() - started, exc.read()
    except urllib.error.URLError as exc:
        # A body over MAX_CONTENT_LENGTH is answered 413 and the connection closed while the client
        # is still sending it: the client sees a broken pipe instead of the 413.
        if isinstance(exc.reason, (BrokenPipeError, ConnectionResetError)):
            return 413, time.monotonic() - started, b""
        raise


@pytest.fixture
def site(deployment):
    """The lead's harness: release steps run, then the Procfile's web line with 2 gunicorn workers."""
    web = deployment.web(workers=2, env={"RATELIMIT_STORAGE_URI": "memory://", "OMP_NUM_THREADS": "1",
                                         "OPENBLAS_NUM_THREADS": "1"})
    # Warm both workers' classifier so that loading the model is not what is measured.
    for _ in range(4):
        _request(web.url + "/api/v1/classify", {"texts": ["하천 정화"]}, timeout=120)
    return web


def test_classify_abuse_does_not_stall_the_site(site):
    base = site.url
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
    assert "WORKER TIMEOUT" not in site.log

    # The batch that used to tie a worker up for half a minute is refused at once.
    status, seconds, body = _request(base + "/api/v1/classify?lang=en", {"texts": ["하천 정화 " * 1000] * 60})
    assert status in {413, 422, 429} and seconds < 2.0 and json.loads(body)["message"]
