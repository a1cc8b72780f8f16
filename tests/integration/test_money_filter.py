"""The ``yen`` template filter."""

from django.template import Context, Template


def test_yen_filter_formats_positive_negative_and_missing() -> None:
    t = Template("{% load money %}{{ a|yen }} {{ b|yen }} {{ c|yen }} {{ d|yen }}")
    assert t.render(Context({"a": 1234567, "b": -8250, "c": None, "d": "330000"})) == (
        "¥1,234,567 -¥8,250 — ¥330,000"
    )
