"""Charts drawn on the server as inline SVG (no JavaScript, no CDN).

Every chart carries ``role="img"``, a <title> and a <desc>; the templates put the same numbers
in a table next to it for screen readers and for copying.

Sizes: a chart is drawn at its natural width in CSS pixels (``width``/``height`` attributes) and
only shrinks to fit a narrow screen (``max-width: 100%``), so one bar does not stretch over the
page; the timeline keeps its plot at most ``TIMELINE_PLOT`` wide however many months there are.
"""
from __future__ import annotations

import math
import zlib
from datetime import date
from functools import lru_cache

from babel.dates import format_skeleton
from markupsafe import Markup, escape

from .stats import ClusterRow, GoalRow

FONT = "font-family=\"'Noto Sans KR','Apple SD Gothic Neo','Malgun Gothic',sans-serif\""
NEUTRAL = "#19486A"
SECOND = "#8AA1B1"
TIMELINE_PLOT = 640      # widest plot area of the timeline, in px
MONTH_LABEL_W = 64       # room one month label needs ("2026년 11월" at 11 px)


@lru_cache(maxsize=2048)
def month_label(month: str, lang: str) -> str:
    """A "YYYY-MM" month as people read it: "2026년 11월", "Nov 2026" (Babel, CLDR skeleton yMMM)."""
    try:
        year, number = (int(part) for part in month.split("-"))
        return format_skeleton("yMMM", date(year, number, 1), locale=lang)
    except ValueError:
        return month


def _esc(value: object) -> str:
    return str(escape(value))


def _svg(width: int, height: int, title: str, desc: str, body: list[str], css_class: str) -> Markup:
    ident = f"{css_class}-{zlib.crc32((title + desc).encode()):08x}"
    head = (
        f'<svg class="chart {css_class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{ident}-t {ident}-d" {FONT} font-size="13">'
        f'<title id="{ident}-t">{_esc(title)}</title><desc id="{ident}-d">{_esc(desc)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scale(max_value: int, span: float) -> float:
    return span / max(max_value, 1)


def _key(x: int, label: str, fill: str, extra: str = "") -> str:
    """One legend entry at the top of a chart: a colour square and its label."""
    return (f'<rect x="{x}" y="6" width="12" height="12" fill="{fill}"{extra}/>'
            f'<text x="{x + 16}" y="16">{_esc(label)}</text>')


def goal_bars(goals: list[GoalRow], lang: str, *, title: str, desc: str, groups_label: str,
              pledges_label: str, gap_label: str) -> Markup:
    """Horizontal bars per SDG: groups (solid, SDG colour) over pledges (pale, same colour)."""
    label_w, bar_w, row_h, top = 250, 380, 30, 28
    width, height = label_w + bar_w + 90, top + row_h * len(goals) + 10
    top_value = max([g.groups for g in goals] + [g.pledges for g in goals] + [1])
    k = _scale(top_value, bar_w)
    body = [_key(label_w, groups_label, NEUTRAL),
            _key(label_w + 140, pledges_label, NEUTRAL, ' fill-opacity="0.4"')]
    for i, g in enumerate(goals):
        y = top + i * row_h
        name = f"{g.number}. {g.short(lang)}"
        weight = ' font-weight="700"' if g.gap else ""
        body.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end"{weight}><title>{_esc(name)}</title>'
                    f'{_esc(_shorten(name, 32))}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 2}" width="{g.groups * k:.1f}" height="13" fill="{g.colour}">'
                     f'<title>{_esc(name)}: {g.groups}</title></rect>')
        body.append(f'<rect x="{label_w}" y="{y + 16}" width="{g.pledges * k:.1f}" height="8" fill="{g.colour}" '
                     f'fill-opacity="0.45"/>')
        tag = f" · {gap_label}" if g.gap else ""
        body.append(f'<text x="{label_w + max(g.groups, g.pledges) * k + 6:.1f}" y="{y + 15}"{weight}>'
                     f'{g.groups} / {g.pledges}{_esc(tag)}</text>')
    return _svg(width, height, title, desc, body, "goal-bars")


def cluster_bars(clusters: list[ClusterRow], lang: str, *, title: str, desc: str, none_label: str,
                 groups_label: str, pledges_label: str) -> Markup:
    label_w, bar_w, row_h, top = 300, 330, 30, 28
    width, height = label_w + bar_w + 70, top + row_h * max(len(clusters), 1) + 10
    k = _scale(max([c.groups for c in clusters] + [c.pledges for c in clusters] + [1]), bar_w)
    body = [_key(label_w, groups_label, NEUTRAL), _key(label_w + 140, pledges_label, SECOND)]
    for i, c in enumerate(clusters):
        y = top + i * row_h
        name = c.name(lang) or none_label
        short = _shorten(name, 36)
        body.append(f'<text x="{label_w - 8}" y="{y + 15}" text-anchor="end"><title>{_esc(name)}</title>{_esc(short)}</text>')
        body.append(f'<rect x="{label_w}" y="{y + 2}" width="{c.groups * k:.1f}" height="13" fill="{NEUTRAL}"/>')
        body.append(f'<rect x="{label_w}" y="{y + 16}" width="{c.pledges * k:.1f}" height="8" fill="{SECOND}"/>')
        body.append(f'<text x="{label_w + max(c.groups, c.pledges) * k + 6:.1f}" y="{y + 15}">{c.groups} / {c.pledges}</text>')
    return _svg(width, height, title, desc, body, "cluster-bars")


def timeline(months: list[str], registrations: list[int], pledges: list[int], lang: str, *, title: str,
             desc: str, registrations_label: str, pledges_label: str) -> Markup:
    """Grouped vertical bars per month: registrations and pledges signed.

    A month gets at most 72 px and the plot at most ``TIMELINE_PLOT`` px, so 1 month and 100 months
    both keep a sensible size; labels are thinned so that they never overlap.
    """
    left, top, plot_h, bottom = 40, 30, 180, 40
    count = max(len(months), 1)
    slot = min(72.0, TIMELINE_PLOT / count)
    width = int(max(left + slot * count + 20, 300))     # room for the legend
    height = top + plot_h + bottom
    top_value = max(registrations + pledges + [1])
    k = _scale(top_value, plot_h)
    body = [
        _key(left, registrations_label, NEUTRAL),
        _key(left + 150, pledges_label, SECOND),
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#5b6773"/>',
        f'<text x="{left - 6}" y="{top + 8}" text-anchor="end" font-size="11">{top_value}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
    ]
    gap = min(8.0, slot / 4)
    bar = (slot - gap) / 2
    label_every = max(1, math.ceil(MONTH_LABEL_W / slot))
    labelled = set(range(0, len(months), label_every))
    if months and (len(months) - 1 - max(labelled)) * slot >= MONTH_LABEL_W:
        labelled.add(len(months) - 1)                    # the latest month, when there is room
    for i, month in enumerate(months):
        x = left + i * slot + gap / 2
        label = month_label(month, lang)
        for j, (value, colour) in enumerate(((registrations[i], NEUTRAL), (pledges[i], SECOND))):
            h = value * k
            body.append(f'<rect x="{x + j * bar:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                        f'fill="{colour}"><title>{_esc(label)}: {value}</title></rect>')
        if i in labelled:
            body.append(f'<text x="{x + bar:.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11">'
                        f'{_esc(label)}</text>')
    return _svg(width, height, title, desc, body, "timeline")
