"""The dashboards' metric arithmetic, from numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urikake.domain import portfolio_metrics as pm


def test_ratio_rounds_half_up_to_four_places_and_has_no_rate_for_nothing() -> None:
    assert pm.ratio(1, 3) == Decimal("0.3333")
    assert pm.ratio(2, 3) == Decimal("0.6667")
    assert pm.ratio(1, 8) == Decimal("0.1250")
    assert pm.ratio(0, 5) == Decimal("0.0000")
    assert pm.ratio(0, 0) is None
    with pytest.raises(ValueError, match="not negative"):
        pm.ratio(-1, 3)


def test_funnel_counts_every_later_status_in_the_earlier_stages() -> None:
    counts = {
        "submitted": 2,
        "declined": 3,
        "offered": 4,
        "accepted": 1,
        "contracted": 2,
        "funded": 5,
        "settled": 6,
        "defaulted": 1,
        "cancelled": 7,
        "expired": 2,
        "draft": 100,  # never submitted: not in the funnel
    }
    assert pm.funnel(counts) == [
        ("申込み", 33),
        ("条件提示", 19),
        ("条件承諾", 15),
        ("契約締結", 14),
        ("資金化（送金）", 12),
    ]


def test_approval_is_offers_over_offers_plus_declines() -> None:
    counts = {"offered": 3, "funded": 2, "declined": 5, "cancelled": 9, "referred": 4}
    assert pm.approval(counts) == (5, 10, Decimal("0.5000"))
    assert pm.approval({"submitted": 3}) == (0, 0, None)


def test_percentile_is_nearest_rank_over_a_histogram() -> None:
    # values 1,2,2,3,3,3,4,4,4,4 (n=10)
    histogram = {3: 3, 1: 1, 4: 4, 2: 2}
    assert pm.percentile(histogram, 50) == 3  # rank 5
    assert pm.percentile(histogram, 90) == 4  # rank 9
    assert pm.percentile(histogram, 10) == 1  # rank 1
    assert pm.percentile(histogram, 100) == 4
    assert pm.percentile({7: 1}, 90) == 7
    assert pm.percentile({}, 50) is None
    with pytest.raises(ValueError, match="percentage"):
        pm.percentile(histogram, 0)


def test_percentile_rank_is_the_ceiling_without_floats() -> None:
    # n=3: p50 rank ceil(1.5)=2, p90 rank ceil(2.7)=3
    assert pm.percentile({10: 1, 20: 1, 30: 1}, 50) == 20
    assert pm.percentile({10: 1, 20: 1, 30: 1}, 90) == 30


def test_concentration_top_share_and_hhi() -> None:
    c = pm.concentration([500, 300, 200], top_n=1)
    assert (c.total, c.top_total, c.top_share) == (1000, 500, Decimal("0.5000"))
    # 50² + 30² + 20² = 2500 + 900 + 400
    assert c.hhi == Decimal("3800.00")
    assert pm.concentration([7]).hhi == Decimal("10000.00")
    # four equal debtors: 4 × 25² = 2500
    assert pm.concentration([1, 1, 1, 1], top_n=5).hhi == Decimal("2500.00")
    assert pm.concentration([1, 1, 1, 1], top_n=5).top_share == Decimal("1.0000")
    # thirds: 3 × 33.33…² = 3333.33…
    assert pm.concentration([1, 1, 1]).hhi == Decimal("3333.33")
    empty = pm.concentration([])
    assert (empty.top_share, empty.hhi) == (None, None)
    with pytest.raises(ValueError, match="not negative"):
        pm.concentration([5, -1])


def test_default_period_is_the_last_twelve_whole_months() -> None:
    assert pm.default_period(date(2026, 12, 6)) == (date(2026, 1, 1), date(2026, 12, 6))
    assert pm.default_period(date(2026, 3, 31)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert len(pm.months(*pm.default_period(date(2026, 3, 31)))) == 12


def test_months_span_the_period() -> None:
    assert pm.months(date(2025, 11, 15), date(2026, 2, 1)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    with pytest.raises(ValueError, match="ends before"):
        pm.months(date(2026, 2, 1), date(2026, 1, 1))
