"""The paths rewritten for 20,000 groups give the same answers as the straightforward ones.

Networks of a few thousand groups are bulk-inserted (more rows than one export batch, more ids
than one ``active_pledges`` chunk); every figure is checked against a count made here in Python.
"""
from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from civicnet.extensions import db
from civicnet.organisations.models import Organisation, OrganisationGoal
from civicnet.pledges.models import Pledge
from tests.builders import login, make_user

N = 2300  # > 2 export batches of 1,000 and > 4 active_pledges chunks of 500


def _bulk(network, n: int = N, seed: int = 3) -> dict:
    rng = random.Random(seed)
    start = datetime(2023, 1, 1)
    rows = [{"network_id": network.id, "name": f"단체 {i:05d}", "name_key": f"단체{i:05d}", "kind": "ngo",
             "representative": "홍길동", "email": f"g{i}@example.org", "phone": None, "contact_key": f"g{i}@example.org",
             "district": "서원구", "activities": "=SUM(A1)" if i == 7 else f"활동 {i}", "language": "ko",
             "status": "approved", "public_listing": i % 3 != 0,
             "cluster_id": network.clusters[i % len(network.clusters)].id if i % 5 else None,
             "created_at": start + timedelta(hours=rng.randint(0, 24 * 700)), "updated_at": start}
            for i in range(n)]
    db.session.execute(sa.insert(Organisation), rows)
    ids = db.session.scalars(sa.select(Organisation.id).where(Organisation.network_id == network.id)
                             .order_by(Organisation.id)).all()
    goals = {i: sorted(rng.sample(range(1, 18), rng.randint(0, 3))) for i in ids}
    db.session.execute(sa.insert(OrganisationGoal), [
        {"organisation_id": i, "goal_number": g, "selected": g != 17, "source": "chosen", "rank": r}
        for i in ids for r, g in enumerate(goals[i])])
    pledged = {}
    pledges = []
    for i in ids:
        if rng.random() < 0.6:
            pledged[i] = f"서명자 {i}"
            pledges.append({"organisation_id": i, "network_id": network.id, "edition": network.current_edition,
                            "pledge_version": "1", "signer_name": pledged[i], "signed_at": start,
                            "joint_action": rng.choice(["", "하천 줍기", "장터"])})
        elif rng.random() < 0.3:  # an older edition, or a withdrawn one: never the active pledge
            pledges.append({"organisation_id": i, "network_id": network.id,
                            "edition": network.current_edition - 1, "pledge_version": "1", "signer_name": "옛 서명",
                            "signed_at": start, "joint_action": ""})
    db.session.execute(sa.insert(Pledge), pledges)
    db.session.commit()
    return {"ids": ids, "goals": goals, "pledged": pledged}


@pytest.fixture
def big(network):
    return _bulk(network)


def test_csv_export_streams_every_group_with_its_goals_and_pledge(client, network, big):
    login(client, make_user(network))
    response = client.get("/o/cheongju/organisations.csv")
    assert response.status_code == 200 and response.is_streamed
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "번호" and len(rows) == N + 1
    by_id = {int(r[0]): r for r in rows[1:]}
    assert set(by_id) == set(big["ids"])
    for org_id in big["ids"]:
        row = by_id[org_id]
        expected_goals = [g for g in big["goals"][org_id] if g != 17]
        assert row[10] == ", ".join(str(g) for g in expected_goals), org_id
        assert row[13] == ("서명" if org_id in big["pledged"] else ""), org_id
        assert row[14] == big["pledged"].get(org_id, ""), org_id
    assert by_id[big["ids"][7]][9] == "'=SUM(A1)"  # formula neutralised in a streamed chunk too
    created = [db.session.get(Organisation, int(r[0])).created_at for r in rows[1:50]]
    assert created == sorted(created, reverse=True)  # the list's order: newest first


def test_csv_export_keeps_filters(client, network, big):
    login(client, make_user(network))
    rows = list(csv.reader(io.StringIO(client.get("/o/cheongju/organisations.csv?pledged=1").data
                                       .decode("utf-8-sig"))))
    assert {int(r[0]) for r in rows[1:]} == set(big["pledged"])
    cluster = network.clusters[1]
    rows = list(csv.reader(io.StringIO(client.get(f"/o/cheongju/organisations.csv?cluster={cluster.key}&pledged=0")
                                       .data.decode("utf-8-sig"))))
    expected = set(db.session.scalars(sa.select(Organisation.id).where(Organisation.cluster_id == cluster.id)))
    assert {int(r[0]) for r in rows[1:]} == expected - set(big["pledged"])
    assert {r[11] for r in rows[1:]} == {cluster.name_ko}


def test_xlsx_export_is_written_in_write_only_mode_and_complete(client, network, big):
    login(client, make_user(network))
    response = client.get("/o/cheongju/organisations.xlsx")
    assert response.status_code == 200 and response.is_streamed
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.max_row == N + 1 and sheet["B1"].value == "단체명" and sheet["B1"].font.bold
    assert sheet.freeze_panes == "A2"
    ids = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert ids == set(big["ids"])


def test_cli_export_writes_the_same_rows(app, network, big, tmp_path):
    out = tmp_path / "groups.csv"
    result = app.test_cli_runner().invoke(args=["org", "export", "--network", "cheongju", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"{N} groups written" in result.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    assert len(rows) == N + 1


def test_active_pledges_for_thousands_of_groups(network, big):
    from civicnet.pledges.services import active_pledges

    orgs = db.session.scalars(sa.select(Organisation).where(Organisation.network_id == network.id)).all()
    found = active_pledges(orgs)
    assert {k: p.signer_name for k, p in found.items()} == big["pledged"]
    assert all(p.edition == network.current_edition and p.withdrawn_at is None for p in found.values())


@pytest.mark.parametrize("zone", ["Asia/Seoul", "Europe/Berlin", "America/St_Johns"])
def test_months_bucketed_in_sql_match_python(app, network, zone):
    """Local months counted by the database equal those computed row by row, around month ends
    and daylight-saving changes (zones with DST and a half-hour offset)."""
    from civicnet.dashboard.stats import monthly_counts

    app.config["BABEL_DEFAULT_TIMEZONE"] = zone
    tz, utc = ZoneInfo(zone), ZoneInfo("UTC")
    moments = []
    for month in range(1, 13):
        edge = datetime(2024, month, 1, tzinfo=tz).astimezone(utc).replace(tzinfo=None)
        moments += [edge - timedelta(seconds=1), edge, edge + timedelta(minutes=30)]
    moments += [datetime(2024, 3, 31, 1, 30), datetime(2024, 10, 27, 0, 59), datetime(2023, 12, 31, 23, 59)]
    db.session.execute(sa.insert(Organisation), [
        {"network_id": network.id, "name": f"g{i}", "name_key": f"g{i}", "kind": "ngo", "representative": "",
         "contact_key": f"g{i}", "district": "", "activities": "", "language": "ko", "status": "approved",
         "public_listing": False, "created_at": m, "updated_at": m} for i, m in enumerate(moments)])
    db.session.commit()
    expected = Counter(m.replace(tzinfo=utc).astimezone(tz).strftime("%Y-%m") for m in moments)
    got = monthly_counts(Organisation.created_at, sa.select(Organisation.created_at)
                         .where(Organisation.network_id == network.id))
    assert got == expected


def test_directory_and_report_summarise_joint_actions(client, network, big):
    from civicnet.directory.services import joint_actions, summarise_joint_actions

    full = joint_actions(network, network.current_edition, public=True)
    summary = summarise_joint_actions(network, network.current_edition, limit=1, names=3)
    assert summary.total == len(full) == 2 and len(summary) == 1 and summary.more == 1
    first = next(a for a in full if a.title == summary.items[0].title)
    item = summary.items[0]
    assert item.groups == first.groups[:3] and item.more_groups == len(first.groups) - 3
    # Only listed groups are named: ids with i % 3 == 0 are unlisted.
    listed = set(db.session.scalars(sa.select(Organisation.name).where(Organisation.public_listing.is_(True))))
    assert set(first.groups) <= listed
    html = client.get("/n/cheongju/?lang=en").get_data(as_text=True)
    assert "and " in html and " more" in html
    assert html.count("class=\"card\"") == 30  # still one page of groups
