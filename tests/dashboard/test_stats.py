"""Every number behind the dashboard charts, checked against an independent count."""
import re

import pytest

from civicnet.dashboard.stats import Filters, network_stats
from tests.builders import login, make_user
from tests.dashboard.scenario import expected


def _cluster_id(network, key):
    return next(c.id for c in network.clusters if c.key == key)


FILTERS = [
    {}, {"year": 2024}, {"year": 2023}, {"year": 2022}, {"kind": "ngo"}, {"kind": "individual", "year": 2024},
    {"cluster": "nature"}, {"cluster": "nature", "year": 2024, "kind": "school"}, {"year": 2031},
]


@pytest.mark.parametrize("spec", FILTERS, ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "all")
def test_stats_match_independent_count(app, network, scenario, spec):
    _check_stats(network, spec)


# A zone with daylight saving buckets months by edges computed in Python (a CASE in the recount),
# not by the database's date functions: the same figures either way.
@pytest.mark.parametrize("spec", [{}, {"year": 2024}, {"cluster": "nature", "year": 2023}],
                         ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "all")
def test_stats_match_independent_count_in_a_zone_with_daylight_saving(app, network, scenario, spec, monkeypatch):
    monkeypatch.setitem(app.config, "BABEL_DEFAULT_TIMEZONE", "America/St_Johns")
    _check_stats(network, spec, zone="America/St_Johns")


def _check_stats(network, spec, zone="Asia/Seoul"):
    cluster_id = _cluster_id(network, spec["cluster"]) if "cluster" in spec else None
    stats = network_stats(network, Filters(year=spec.get("year"), kind=spec.get("kind"), cluster_id=cluster_id))
    want = expected(network, year=spec.get("year"), kind=spec.get("kind"), cluster_id=cluster_id, zone=zone)

    assert stats.groups == want["groups"]
    assert stats.pledges == want["pledges"]
    assert {g.number: g.groups for g in stats.goals} == want["goal_groups"]
    assert {g.number: g.pledges for g in stats.goals} == want["goal_pledges"]
    assert [g.number for g in stats.gaps] == want["gaps"]
    assert {(c.cluster.key if c.cluster else ""): (c.groups, c.pledges) for c in stats.clusters} == want["clusters"]
    assert dict(zip(stats.months, stats.registrations_by_month)) == {
        m: want["registrations"].get(m, 0) for m in stats.months}
    assert sum(stats.registrations_by_month) == want["groups"]
    assert dict(zip(stats.months, stats.pledges_by_month)) == {m: want["signed"].get(m, 0) for m in stats.months}
    assert sum(stats.pledges_by_month) == want["pledges"]
    assert stats.kinds == dict(want["kinds"])


def test_scenario_is_not_trivial(app, network, scenario):
    """Guards the fixture: the filters above must see different numbers."""
    all_years = expected(network)
    y2024 = expected(network, year=2024)
    assert all_years["groups"] == 6 and y2024["groups"] == 5  # farm counts in 2024 via its pledge
    assert y2024["pledges"] == 5  # withdrawn pledge and the withdrawn group's pledge are out
    assert expected(network, year=2023)["groups"] == 3  # coop, farm (pledge), citizen (Seoul 2023-12-31)


def _tile_numbers(html: str) -> dict[int, tuple[int, int]]:
    tiles = re.findall(r'data-goal="(\d+)">.*?<strong data-groups>(\d+)</strong>.*?<span data-pledges>(\d+)</span>',
                       html, re.S)
    return {int(n): (int(g), int(p)) for n, g, p in tiles}


def _table_numbers(html: str) -> dict[int, tuple[int, int]]:
    rows = re.findall(r'<tr data-goal="(\d+)"><th scope="row">[^<]*</th><td>(\d+)</td><td>(\d+)</td>', html)
    return {int(n): (int(g), int(p)) for n, g, p in rows}


@pytest.mark.parametrize("lang,heading", [("ko", "현황판"), ("en", "Dashboard")])
def test_dashboard_page_shows_the_counted_numbers(client, network, scenario, organiser, lang, heading):
    login(client, organiser)
    html = client.get(f"/o/{network.slug}/dashboard?lang={lang}&year=2024").get_data(as_text=True)
    want = expected(network, year=2024)
    assert heading in html
    assert f'<html lang="{lang}">' in html
    pairs = {n: (want["goal_groups"][n], want["goal_pledges"][n]) for n in range(1, 18)}
    assert _tile_numbers(html) == pairs
    assert _table_numbers(html) == pairs
    assert f'<strong id="total-groups">{want["groups"]}</strong>' in html
    assert f'<strong id="total-pledges">{want["pledges"]}</strong>' in html
    # Three server-side SVG charts, each labelled, in the official SDG colours.
    assert html.count('<svg class="chart') == 3
    assert html.count('role="img"') == 3
    assert "#26BDE2" in html and "#E5243B" in html
    # Gap tiles are marked for everyone, not only by colour.
    assert html.count('class="cov-tile gap"') == len(want["gaps"])
    # Nothing loaded from elsewhere.
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "<script" not in html


def test_dashboard_filters_by_kind_and_cluster(client, network, scenario, organiser):
    login(client, organiser)
    html = client.get(f"/o/{network.slug}/dashboard?year=all&kind=school&cluster=nature&lang=en").get_data(as_text=True)
    want = expected(network, kind="school", cluster_id=_cluster_id(network, "nature"))
    assert want["groups"] == 1
    assert '<strong id="total-groups">1</strong>' in html
    assert _table_numbers(html)[4] == (want["goal_groups"][4], want["goal_pledges"][4])


def test_bad_filter_values_are_ignored(client, network, scenario, organiser):
    login(client, organiser)
    response = client.get(f"/o/{network.slug}/dashboard?year=abc&kind=robots&cluster=%27;drop")
    assert response.status_code == 200
    want = expected(network, year=network.current_edition)
    assert f'<strong id="total-groups">{want["groups"]}</strong>' in response.get_data(as_text=True)


def test_organisers_of_another_network_get_404(client, network, scenario):
    outsider = make_user(scenario["other_network"], "admin")
    login(client, outsider)
    assert client.get(f"/o/{network.slug}/dashboard").status_code == 404
    assert client.get("/o/no-such-network/dashboard").status_code == 404
    assert client.get(f"/o/{scenario['other_network'].slug}/dashboard").status_code == 200


def test_anonymous_visitors_are_sent_to_login(client, network):
    response = client.get(f"/o/{network.slug}/dashboard")
    assert response.status_code in (302, 401)


def test_empty_network_renders(client, network, organiser):
    login(client, organiser)
    html = client.get(f"/o/{network.slug}/dashboard?lang=en").get_data(as_text=True)
    assert "No registrations or pledges yet." in html
    assert _tile_numbers(html) == {n: (0, 0) for n in range(1, 18)}


def test_user_text_is_escaped_inside_the_svg_charts(client):
    from tests.builders import make_network, make_organisation

    network = make_network("escape", clusters=[
        {"key": "x", "name_ko": "<script>alert(1)</script>", "name_en": "<b>bold</b>", "sdgs": [1]}])
    make_organisation(network, goals=[1], cluster_key="x")
    login(client, make_user(network, "admin"))
    html = client.get("/o/escape/dashboard?year=all&lang=ko").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
