"""Chart sizes and labels: 1 bar or 100 bars keep sensible sizes; months read as people read them."""
from __future__ import annotations

import re

import pytest

from civicnet.dashboard import charts


def _size(svg: str) -> tuple[float, float]:
    width = float(re.search(r'<svg[^>]* width="([\d.]+)"', svg).group(1))
    height = float(re.search(r'<svg[^>]* height="([\d.]+)"', svg).group(1))
    return width, height


def _months(n: int) -> list[str]:
    return [f"{2018 + i // 12}-{i % 12 + 1:02d}" for i in range(n)]


def _timeline(n: int, lang: str = "ko") -> str:
    return str(charts.timeline(_months(n), [i % 5 for i in range(n)], [i % 3 for i in range(n)], lang,
                               title="t", desc="d", registrations_label="등록", pledges_label="협약"))


@pytest.mark.parametrize("n", [1, 2, 12, 100])
def test_timeline_has_a_fixed_pixel_size_whatever_the_number_of_months(n):
    svg = _timeline(n)
    width, height = _size(svg)
    assert 300 <= width <= 700 and height == 250
    assert 'width="100%"' not in svg                        # never stretched to the page
    bars = [float(w) for y, w in re.findall(r'<rect x="[\d.]+" y="([\d.]+)" width="([\d.]+)" height', svg)
            if y != "6"]                                                  # not the legend's squares
    assert len(bars) == 2 * n and max(bars) <= 32 and min(bars) > 0


def test_one_month_is_labelled_in_korean_and_english():
    assert ">2018년 1월</text>" in _timeline(1)
    assert ">Jan 2018</text>" in _timeline(1, "en")
    assert charts.month_label("2026-11", "ko") == "2026년 11월"
    assert charts.month_label("2026-11", "en") == "Nov 2026"


def test_month_labels_never_overlap():
    for n in (6, 30, 100):
        svg = _timeline(n)
        xs = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="\d+" text-anchor="middle"', svg)]
        assert xs and all(b - a >= charts.MONTH_LABEL_W - 0.01 for a, b in zip(xs, xs[1:])), (n, xs)
        assert len(xs) >= min(n, charts.TIMELINE_PLOT // charts.MONTH_LABEL_W - 1)


def test_one_cluster_bar_is_not_stretched_over_the_page():
    from civicnet.dashboard.stats import ClusterRow

    svg = str(charts.cluster_bars([ClusterRow(None, 3, 3)], "ko", title="t", desc="d", none_label="분야 미정",
                                  groups_label="단체", pledges_label="협약"))
    width, height = _size(svg)
    assert width == 700 and height == 68 and 'width="100%"' not in svg
