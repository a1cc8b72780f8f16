"""Small server-rendered SVG charts: horizontal bars, stacked bars and lines.

Pure functions returning an SVG string (no JavaScript, no external files). Every chart is
accessible: ``role="img"``, ``aria-labelledby`` pointing at its ``<title>`` and ``<desc>``,
and each value is also written as text beside its mark, so the numbers can be read without
seeing the shapes. The SVG has a ``viewBox`` and ``width="100%"``: it scales to a phone.

Coordinates are computed with integers (values are yen ``int`` or rates ``Decimal``); the
numbers shown come from the caller's ``fmt`` so a rate is shown as a rate, yen as yen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

__all__ = ["PALETTE", "Series", "bar_chart", "line_chart", "stacked_bar_chart"]

Number = int | Decimal
Formatter = Callable[[Number], str]

#: Colour-blind-safe palette (Okabe–Ito), dark enough against white for the text beside it.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")

WIDTH = 480  # narrow, so that text stays legible when a phone scales the chart down
LABEL_W = 150  # left column for row labels
VALUE_W = 105  # right column for the value text
ROW_H = 30
TOP = 10
FONT = 'font-family="sans-serif" font-size="15"'


@dataclass(frozen=True, slots=True)
class Series:
    """One named series of values (one per label)."""

    name: str
    values: tuple[Number | None, ...]  # None only in a line chart (a gap)


def _yen(value: Number) -> str:
    return f"{value:,}"


def _check(labels: Sequence[str], values: Sequence[Number | None], *, gaps: bool = False) -> None:
    if len(labels) != len(values):
        raise ValueError("labels and values differ in length")
    for v in values:
        if v is None and gaps:
            continue
        if isinstance(v, bool) or not isinstance(v, int | Decimal):
            raise TypeError("chart values are int or Decimal")
        if v < 0:
            raise ValueError("chart values are not negative")


def _complete(labels: Sequence[str], s: Series) -> tuple[Number, ...]:
    """The series' values, checked, with no gap (bars need every value)."""
    _check(labels, s.values)
    return tuple(v for v in s.values if v is not None)


def _scale(value: Number, top: Number, span: int) -> int:
    """``value`` on a ``span``-pixel axis whose end is ``top`` (integer pixels)."""
    if top <= 0:
        return 0
    return int(Decimal(value) * span / Decimal(top))


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    cid = escape(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" class="chart" id="{cid}" '
        f'aria-labelledby="{cid}-title {cid}-desc" aria-label="{escape(title)}">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(desc)}</desc>',
    ]


def _empty(chart_id: str, title: str, desc: str) -> str:
    parts = _open(chart_id, title, desc, 40)
    parts.append(f'<text x="0" y="25" {FONT}>データがありません</text></svg>')
    return "".join(parts)


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[Number],
    *,
    fmt: Formatter = _yen,
) -> str:
    """One horizontal bar per label, its value written after the bar."""
    _check(labels, values)
    if not labels:
        return _empty(chart_id, title, desc)
    top = max(values)
    span = WIDTH - LABEL_W - VALUE_W
    height = TOP * 2 + ROW_H * len(labels)
    parts = _open(chart_id, title, desc, height)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + i * ROW_H
        w = _scale(value, top, span)
        parts.append(
            f'<g class="bar"><text x="{LABEL_W - 8}" y="{y + 20}" text-anchor="end" {FONT}>'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_W}" y="{y + 5}" width="{w}" height="{ROW_H - 10}" '
            f'fill="{PALETTE[0]}"/>'
            f'<text x="{LABEL_W + w + 6}" y="{y + 20}" {FONT}>{escape(fmt(value))}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _legend(series: Sequence[Series], y: int) -> list[str]:
    parts = []
    x = 0
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<g class="legend"><rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>'
            f'<text x="{x + 20}" y="{y + 12}" {FONT}>{escape(s.name)}</text></g>'
        )
        x += 20 + 15 * len(s.name) + 24
    return parts


def stacked_bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Formatter = _yen,
) -> str:
    """One horizontal bar per label made of one segment per series; the row's total is
    written after the bar and the legend names the series."""
    values = [_complete(labels, s) for s in series]
    totals = [sum((v[i] for v in values), start=0) for i in range(len(labels))]
    if not labels or not series:
        return _empty(chart_id, title, desc)
    top = max(totals)
    span = WIDTH - LABEL_W - VALUE_W
    legend_h = 30
    height = TOP * 2 + legend_h + ROW_H * len(labels)
    parts = _open(chart_id, title, desc, height)
    parts += _legend(series, TOP)
    for i, label in enumerate(labels):
        y = TOP + legend_h + i * ROW_H
        parts.append(
            f'<g class="bar"><text x="{LABEL_W - 8}" y="{y + 20}" text-anchor="end" {FONT}>'
            f"{escape(label)}</text>"
        )
        x = LABEL_W
        for k, (s, v) in enumerate(zip(series, values, strict=True)):
            w = _scale(v[i], top, span)
            if w > 0:
                parts.append(
                    f'<rect x="{x}" y="{y + 5}" width="{w}" height="{ROW_H - 10}" '
                    f'fill="{PALETTE[k % len(PALETTE)]}"><title>{escape(s.name)}: '
                    f"{escape(fmt(v[i]))}</title></rect>"
                )
            x += w
        parts.append(f'<text x="{x + 6}" y="{y + 20}" {FONT}>{escape(fmt(totals[i]))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    fmt: Formatter = _yen,
) -> str:
    """One line per series over the labels (e.g. months), each point's value written above
    it; a ``None`` value (nothing to measure that month) leaves a gap."""
    for s in series:
        _check(labels, s.values, gaps=True)
    if not labels or not series:
        return _empty(chart_id, title, desc)
    top: Number = max(max((v for v in s.values if v is not None), default=0) for s in series)
    left, right, legend_h, axis_h = 20, 20, 30, 30
    plot_h = 220
    height = TOP + legend_h + plot_h + axis_h + TOP
    base_y = TOP + legend_h + plot_h
    step = (WIDTH - left - right) // max(len(labels), 1)
    parts = _open(chart_id, title, desc, height)
    parts += _legend(series, TOP)
    parts.append(
        f'<line x1="{left}" y1="{base_y}" x2="{WIDTH - right}" y2="{base_y}" stroke="#555"/>'
    )
    for i, label in enumerate(labels):
        x = left + step * i + step // 2
        parts.append(
            f'<text x="{x}" y="{base_y + 20}" text-anchor="middle" font-family="sans-serif" '
            f'font-size="13">{escape(label)}</text>'
        )
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        runs: list[list[str]] = [[]]
        marks = []
        for i, maybe in enumerate(s.values):
            if maybe is None:  # no value this month: a gap in the line, no point
                runs.append([])
                continue
            value: Number = maybe
            x = left + step * i + step // 2
            y = base_y - _scale(value, top, plot_h - 20)
            runs[-1].append(f"{x},{y}")
            marks.append(
                f'<circle cx="{x}" cy="{y}" r="4" fill="{colour}"/>'
                f'<text x="{x}" y="{y - 8}" text-anchor="middle" font-family="sans-serif" '
                f'font-size="11" fill="{colour}">{escape(fmt(value))}</text>'
            )
        lines = "".join(
            f'<polyline points="{" ".join(run)}" fill="none" stroke="{colour}" stroke-width="2"/>'
            for run in runs
            if len(run) > 1
        )
        parts.append(f'<g class="series">{lines}{"".join(marks)}</g>')
    parts.append("</svg>")
    return "".join(parts)
