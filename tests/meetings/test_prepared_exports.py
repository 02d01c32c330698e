"""A meeting's breakout list and sign-in sheet past EXPORT_WORKER_THRESHOLD rows are built by the
worker (downloads), with the same rows as the streamed file."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from civicnet.extensions import db
from civicnet.meetings import exports, services
from tests.builders import make_organisation
from tests.downloads.prepared import streamed_and_prepared

from .conftest import make_meeting, meeting_url


@pytest.fixture
def seated(client, network, organiser):
    meeting = make_meeting(network, capacity=100, per_org=3, tables=2, seats=6)
    orgs = [make_organisation(network, name=f"=모임 {chr(0xAC00 + i * 300)}", goals=[13]) for i in range(5)]
    for i, org in enumerate(orgs):
        services.register(meeting, org, attendees=1 + i % 3)
    db.session.commit()
    assert client.post(meeting_url(meeting, "/breakouts/assign")).status_code == 302
    return meeting


def sheet_values(data: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(data)).active
    return [[c.value if c.value != "" else None for c in row] for row in sheet.iter_rows()], sheet


@pytest.mark.parametrize("path, kind, people", [("/export/tables", "meeting-tables", False),
                                                ("/export/signin", "meeting-signin", True)])
def test_a_large_meeting_export_is_built_by_the_worker_with_the_same_rows(app, client, seated, path, kind, people):
    assert exports.row_count(seated, people=people) == (9 if people else 5)
    streamed, prepared, export = streamed_and_prepared(app, client, meeting_url(seated, f"{path}.csv"))
    assert prepared == streamed and export.kind == kind and export.rows_total == export.rows_done
    assert "'=모임" in prepared.decode("utf-8-sig")  # formula-safe as the streamed file
    streamed, prepared, export = streamed_and_prepared(app, client, meeting_url(seated, f"{path}.xlsx"))
    (want, _), (got, sheet) = sheet_values(streamed), sheet_values(prepared)
    assert got == want and len(got) == export.rows_total + 1
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    # The progress page leads back to the meeting, not to the groups list.
    page = client.get(f"/o/{seated.network.slug}/exports/{export.id}").get_data(as_text=True)
    assert f'href="{meeting_url(seated)}"' in page


def test_one_clusters_breakout_list_is_prepared_for_that_cluster_only(app, client, seated):
    cluster_id = next(t.cluster_id for t, members in exports.breakouts.seating(seated)[0] if members)
    streamed, prepared, export = streamed_and_prepared(
        app, client, meeting_url(seated, f"/export/tables.csv?cluster={cluster_id}"))
    assert prepared == streamed and export.params == {"meeting": str(seated.id), "cluster": str(cluster_id)}


def test_another_networks_meeting_cannot_be_prepared(app, client, seated):
    from civicnet.downloads import builders
    from civicnet.errors import NotFound
    from tests.builders import make_network

    with pytest.raises(NotFound):
        builders.meeting_signin(make_network(), {"meeting": str(seated.id)}, "csv", lambda *_: None)
