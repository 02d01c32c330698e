"""The report's joint actions grow with the network (one per pledge text): past
EXPORT_WORKER_THRESHOLD of them, its actions table and its workbook are built by the worker."""
from __future__ import annotations

import io

from openpyxl import load_workbook

from civicnet.directory.services import summarise_joint_actions
from tests.builders import login
from tests.downloads.prepared import streamed_and_prepared


def test_the_actions_table_past_the_threshold_is_built_by_the_worker(app, client, network, scenario, organiser):
    login(client, organiser)
    assert summarise_joint_actions(network, 2024, limit=0).total > 0
    streamed, prepared, export = streamed_and_prepared(app, client, f"/o/{network.slug}/reports/2024.csv?table=actions")
    assert prepared == streamed and export.kind == "report-actions"
    # The small tables never go to the worker.
    app.config["EXPORT_WORKER_THRESHOLD"] = 0
    assert client.get(f"/o/{network.slug}/reports/2024.csv?table=sdgs").status_code == 200


def test_the_workbook_past_the_threshold_is_built_by_the_worker_in_the_asked_language(app, client, network,
                                                                                       scenario, organiser):
    login(client, organiser)
    for lang, first_sheet in (("en", "SDGs"), ("ko", None)):
        streamed, prepared, export = streamed_and_prepared(
            app, client, f"/o/{network.slug}/reports/2024.xlsx?lang={lang}")
        want, got = load_workbook(io.BytesIO(streamed)), load_workbook(io.BytesIO(prepared))
        assert got.sheetnames == want.sheetnames and export.params["report_lang"] == lang
        if first_sheet:
            assert got.sheetnames[0] == first_sheet
        for name in want.sheetnames:
            assert [[c.value for c in r] for r in got[name].iter_rows()] == \
                [[c.value for c in r] for r in want[name].iter_rows()]
        page = client.get(f"/o/{network.slug}/exports/{export.id}").get_data(as_text=True)
        assert f"/o/{network.slug}/reports/?year=2024" in page
