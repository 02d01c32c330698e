"""Exports past EXPORT_WORKER_THRESHOLD rows: built by the worker's task, offered when ready."""
from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from civicnet.downloads import services
from civicnet.downloads.models import ExportChunk, ExportFile, ExportState
from civicnet.extensions import db
from civicnet.organisations import exports
from civicnet.timeutil import utcnow
from tests.builders import login, make_network, make_organisation, make_user


@pytest.fixture
def groups(network):
    return [make_organisation(network, name=f"=실천 모임 {i}", kind="ngo" if i % 2 else "cooperative",
                              activities=f"활동 {i}: 하천 정화와 나눔") for i in range(7)]


@pytest.fixture
def organiser(client, network):
    user = make_user(network, "staff")
    login(client, user)
    return user


def export_id_of(response) -> int:
    assert response.status_code == 302, response.status_code
    return int(re.search(r"/exports/(\d+)$", response.location).group(1))


def build(export_id: int) -> list[tuple[int, int | None]]:
    """Run the worker's build as the task does; returns the progress each commit made visible."""
    seen = []

    def checkpoint():
        db.session.commit()
        with db.engine.connect() as other:  # what another process (the web) reads now
            row = other.execute(sa.select(ExportFile.rows_done, ExportFile.rows_total)
                                .where(ExportFile.id == export_id)).one()
        seen.append(tuple(row))

    services.build_export(export_id, checkpoint)
    return seen


def test_a_short_list_is_still_streamed_at_once(app, client, organiser, groups):
    app.config["EXPORT_WORKER_THRESHOLD"] = 100
    response = client.get("/o/cheongju/organisations.csv")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert db.session.scalar(sa.select(sa.func.count(ExportFile.id))) == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_long_list_is_built_by_the_worker_with_progress_and_the_same_content(app, client, organiser, groups,
                                                                               monkeypatch, fmt):
    app.config["EXPORT_WORKER_THRESHOLD"] = 100
    streamed = client.get(f"/o/cheongju/organisations.{fmt}?kind=ngo").data  # the same list, streamed
    app.config["EXPORT_WORKER_THRESHOLD"] = 2
    export_id = export_id_of(client.get(f"/o/cheongju/organisations.{fmt}?kind=ngo&lang=en"))
    assert export_id_of(client.get(f"/o/cheongju/organisations.{fmt}?kind=ngo")) == export_id  # a second click
    page = client.get(f"/o/cheongju/exports/{export_id}?lang=ko").get_data(as_text=True)
    assert "내보내기 파일" in page and "파일 만들기를 기다리는 중입니다" in page and '<progress' in page
    assert 'http-equiv="refresh"' in page and "export_progress.js" in page  # no-JS fallback and the script
    assert client.get(f"/o/cheongju/exports/{export_id}/status.json").json["state"] == "queued"
    assert client.get(f"/o/cheongju/exports/{export_id}/download").status_code == 404

    monkeypatch.setattr(exports, "BATCH", 2)  # progress every 2 rows
    monkeypatch.setattr(services, "CHUNK_BYTES", 200)  # and several chunks
    seen = build(export_id)
    assert seen == [(0, None), (0, 3), (2, 3), (3, 3), (3, 3)]  # claimed, counted, 2 slices, ready
    status = client.get(f"/o/cheongju/exports/{export_id}/status.json?lang=en").json
    assert status["state"] == "ready" and status["percent"] == 100 and "3 rows" in status["message"]
    page = client.get(f"/o/cheongju/exports/{export_id}?lang=ko").get_data(as_text=True)
    assert "파일 내려받기" in page and 'http-equiv="refresh"' not in page
    english = client.get(f"/o/cheongju/exports/{export_id}?lang=en").get_data(as_text=True)
    assert "Download the file" in english and "It will be deleted on" in english
    response = client.get(f"/o/cheongju/exports/{export_id}/download")
    assert response.status_code == 200 and "cheongju-organisations" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    assert db.session.scalar(sa.select(sa.func.count()).where(ExportChunk.export_id == export_id)) > 1
    if fmt == "csv":
        assert response.data == streamed
        assert "'=실천 모임 1" in response.data.decode("utf-8-sig")  # formula-safe, as streamed
    else:
        def cells(data):
            return [[c.value for c in row] for row in load_workbook(io.BytesIO(data)).active.iter_rows()]
        assert cells(response.data) == cells(streamed) and len(cells(response.data)) == 4


def test_only_organisers_of_the_network_see_the_file(app, client, organiser, network, groups):
    app.config["EXPORT_WORKER_THRESHOLD"] = 2
    export_id = export_id_of(client.get("/o/cheongju/organisations.csv"))
    build(export_id)
    urls = [f"/o/cheongju/exports/{export_id}", f"/o/cheongju/exports/{export_id}/status.json",
            f"/o/cheongju/exports/{export_id}/download"]
    assert [client.get(u).status_code for u in urls] == [200, 200, 200]

    colleague = app.test_client()
    login(colleague, make_user(network, "staff"))
    assert [colleague.get(u).status_code for u in urls] == [200, 200, 200]  # the same network's organisers

    other = make_network("daejeon")
    stranger = app.test_client()
    login(stranger, make_user(other, "admin"))
    assert [stranger.get(u).status_code for u in urls] == [404, 404, 404]
    # ... nor through their own network's address
    assert [stranger.get(u.replace("/o/cheongju/", "/o/daejeon/")).status_code for u in urls] == [404, 404, 404]

    anonymous = app.test_client()
    for url in urls:
        response = anonymous.get(url)
        assert response.status_code in (302, 401) and b"=\xec\x8b\xa4\xec\xb2\x9c" not in response.data


def test_files_expire_and_a_silent_build_is_failed(app, client, organiser, groups):
    app.config["EXPORT_WORKER_THRESHOLD"] = 2
    ready = export_id_of(client.get("/o/cheongju/organisations.csv"))
    build(ready)
    stalled = export_id_of(client.get("/o/cheongju/organisations.xlsx"))
    db.session.execute(sa.update(ExportFile).where(ExportFile.id == stalled).values(
        state=ExportState.BUILDING, progress_at=utcnow() - timedelta(hours=1)))
    db.session.commit()

    assert services.purge_expired() == {"deleted": 0, "interrupted": 1}
    db.session.commit()
    assert db.session.get(ExportFile, stalled).state == ExportState.FAILED
    assert "다시 해 주세요" in client.get(f"/o/cheongju/exports/{stalled}").get_data(as_text=True)

    later = utcnow() + timedelta(hours=app.config["EXPORT_RETENTION_HOURS"], minutes=1)
    assert services.purge_expired(later) == {"deleted": 2, "interrupted": 0}
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(ExportFile.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ExportChunk)) == 0
    assert client.get(f"/o/cheongju/exports/{ready}/download").status_code == 404


def test_a_file_is_built_once_even_when_two_workers_get_it(app, client, organiser, groups):
    app.config["EXPORT_WORKER_THRESHOLD"] = 2
    export_id = export_id_of(client.get("/o/cheongju/organisations.csv"))
    assert services.build_export(export_id, db.session.commit) is not None
    assert services.build_export(export_id, db.session.commit) is None  # already claimed and built
    assert db.session.get(ExportFile, export_id).state == ExportState.READY


def test_the_worker_tasks_build_and_purge(app, client, organiser, groups):
    from civicnet import queue
    from civicnet.downloads import tasks

    app.config["EXPORT_WORKER_THRESHOLD"] = 2
    export_id = export_id_of(client.get("/o/cheongju/organisations.csv"))
    assert tasks.build(export_id) == {"export": export_id, "built": True}
    assert tasks.build(export_id) == {"export": export_id, "built": False}
    assert tasks.purge() == {"deleted": 0, "interrupted": 0}
    assert queue.DECLARED["downloads.build"].schedule is None
    assert queue.DECLARED["downloads.purge"].schedule is not None  # periodic
