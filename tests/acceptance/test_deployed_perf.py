"""Issue 14 with the real web process (Procfile line, gunicorn.conf.py, 2 workers): the workers
share the models the master preloaded, and a large export arrives streamed, in chunks."""
from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

import httpx
import sqlalchemy as sa

from .deployment import csrf_token

ACTIVITIES = ["하천 정화 활동과 어린이 생태 교육", "독거 어르신 반찬 나눔", "청년 취업 상담", "마을 작은도서관 운영"]


def _memory(pid: int) -> dict[str, float]:
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[1].isdigit():
            fields[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {"rss": fields["Rss"], "private": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}


def test_workers_share_the_preloaded_models(deployment):
    deployment.release()
    web = deployment.web(workers=2)
    with httpx.Client(base_url=web.url, timeout=120) as client:
        page = client.get("/n/cheongju/register")
        token = csrf_token(page.text)
        for i in range(8):  # the classifier runs in whichever worker answers
            answer = client.post("/n/cheongju/register", data={
                "csrf_token": token, "name": f"공유 단체 {i}", "kind": "ngo", "email": f"share{i}@example.org",
                "activities": ACTIVITIES[i % len(ACTIVITIES)]})
            assert answer.status_code == 200 and 'name="goals"' in answer.text
    master = web.popen.pid
    workers = [int(p) for p in subprocess.run(["pgrep", "-P", str(master)], capture_output=True,
                                              text=True).stdout.split()]
    assert len(workers) == 2
    m = _memory(master)
    assert m["rss"] > 150  # the SDG model and encoder were loaded once, in the master
    for pid in workers:
        w = _memory(pid)
        # Each worker owns only what it changed since the fork, not a copy of the models.
        assert w["private"] < 0.5 * m["rss"], (w, m)


def test_a_large_export_is_streamed_in_chunks(deployment):
    deployment.release()
    app = deployment.app()
    with app.app_context():
        from civicnet.accounts.services import create_user
        from civicnet.extensions import db
        from civicnet.networks.services import get_network
        from civicnet.organisations.models import Organisation

        network = get_network("cheongju")
        db.session.execute(sa.insert(Organisation), [{
            "network_id": network.id, "name": f"단체 {i:05d}", "name_key": f"단체{i:05d}", "kind": "ngo",
            "representative": "", "contact_key": f"g{i}@example.org", "email": f"g{i}@example.org",
            "district": "", "activities": ACTIVITIES[i % 4], "language": "ko", "status": "approved",
            "public_listing": True} for i in range(2500)])
        create_user("perf@example.org", "담당자", "correct horse battery staple", network=network, role="admin")
        db.session.commit()
    web = deployment.web(workers=2)
    with httpx.Client(base_url=web.url, timeout=120) as client:
        page = client.get("/login")
        client.post("/login", data={"csrf_token": csrf_token(page.text), "email": "perf@example.org",
                                    "password": "correct horse battery staple"})
        with client.stream("GET", "/o/cheongju/organisations.csv") as response:
            assert response.status_code == 200
            assert response.headers.get("transfer-encoding") == "chunked"
            assert "content-length" not in response.headers
            chunks = [chunk for chunk in response.iter_raw()]
    body = b"".join(chunks)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert len(rows) == 2501 and rows[0][1] == "단체명"
