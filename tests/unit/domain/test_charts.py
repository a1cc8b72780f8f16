"""The SVG charts: accessible, escaped, scaled, and well-formed XML."""

from __future__ import annotations

from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest

from urikake.domain.charts import Series, bar_chart, line_chart, stacked_bar_chart

NS = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bar_chart_is_accessible_and_shows_every_value_as_text() -> None:
    svg = bar_chart("c1", "件数", "説明文", ["申込み", "条件提示"], [10, 5], fmt=lambda v: f"{v}件")
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.get("viewBox") == "0 0 480 80"
    assert root.get("width") == "100%"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{NS}title").text == "件数"
    assert root.find(f"{NS}desc").text == "説明文"
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert texts == ["申込み", "10件", "条件提示", "5件"]
    widths = [int(r.get("width")) for r in root.iter(f"{NS}rect")]
    assert widths == [225, 112]  # the largest value fills the plot, the others in proportion


def test_labels_are_escaped() -> None:
    svg = bar_chart("x", "<t>", "&d", ['<script>"'], [1])
    root = _parse(svg)  # well-formed despite the markup in the label
    assert root.find(f"{NS}title").text == "<t>"
    assert "<script>" not in svg


def test_all_zero_and_empty_charts() -> None:
    root = _parse(bar_chart("z", "t", "d", ["a", "b"], [0, 0]))
    assert [int(r.get("width")) for r in root.iter(f"{NS}rect")] == [0, 0]
    empty = _parse(bar_chart("e", "t", "d", [], []))
    assert [t.text for t in empty.iter(f"{NS}text")] == ["データがありません"]


def test_values_must_be_int_or_decimal_and_match_labels() -> None:
    with pytest.raises(TypeError):
        bar_chart("f", "t", "d", ["a"], [1.5])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="length"):
        bar_chart("f", "t", "d", ["a", "b"], [1])
    with pytest.raises(ValueError, match="not negative"):
        bar_chart("f", "t", "d", ["a"], [-1])


def test_stacked_bars_add_up_and_name_their_series() -> None:
    svg = stacked_bar_chart(
        "s",
        "残高",
        "d",
        ["期日未到来", "30日以内"],
        [Series("3社間", (300, 0)), Series("2社間", (100, 200))],
    )
    root = _parse(svg)
    legend = [
        t.text
        for g in root.iter(f"{NS}g")
        if g.get("class") == "legend"
        for t in g.iter(f"{NS}text")
    ]
    assert legend == ["3社間", "2社間"]
    bars = [g for g in root.iter(f"{NS}g") if g.get("class") == "bar"]
    row1 = [int(r.get("width")) for r in bars[0].iter(f"{NS}rect")]
    row2 = [int(r.get("width")) for r in bars[1].iter(f"{NS}rect")]
    assert row1 == [168, 56]
    assert row2 == [112]  # 400 fills 225 px; a 0 segment is not drawn
    assert [t.text for t in bars[0].iter(f"{NS}text")][-1] == "400"
    tips = [t.text for t in bars[1].iter(f"{NS}title")]
    assert tips == ["2社間: 200"]


def test_line_chart_plots_each_series_with_value_labels() -> None:
    svg = line_chart(
        "l",
        "承認率",
        "d",
        ["1月", "2月", "3月"],
        [Series("承認率", (Decimal("0.5"), Decimal("1"), Decimal("0")))],
        fmt=lambda v: f"{v * 100:.0f}%",
    )
    root = _parse(svg)
    line = next(root.iter(f"{NS}polyline"))
    ys = [int(p.split(",")[1]) for p in line.get("points").split()]
    assert ys[1] < ys[0] < ys[2]  # 100 % highest, 0 % on the axis
    assert ys[2] == 260  # the base line
    texts = [t.text for t in root.iter(f"{NS}text")]
    assert {"1月", "2月", "3月", "50%", "100%", "0%"} <= set(texts)


def test_line_chart_leaves_a_gap_for_a_month_without_a_value() -> None:
    root = _parse(
        line_chart(
            "g",
            "t",
            "d",
            ["1月", "2月", "3月", "4月"],
            [Series("率", (Decimal("0.2"), None, Decimal("0.4"), Decimal("0.1")))],
            fmt=lambda v: f"{v}",
        )
    )
    lines = [p.get("points").split() for p in root.iter(f"{NS}polyline")]
    assert [len(points) for points in lines] == [2]  # 1月 alone draws no line; 3月–4月 does
    assert len(list(root.iter(f"{NS}circle"))) == 3
    with pytest.raises(ValueError, match="length"):
        line_chart("g", "t", "d", ["1月"], [Series("率", (None, None))])
