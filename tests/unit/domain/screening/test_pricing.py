"""Pricing arithmetic, dates and properties."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.bank_calendar import is_bank_business_day
from urikake.domain.errors import DomainError
from urikake.domain.money import discount_fee_apr
from urikake.domain.screening import PricingPolicy, Product, ProductBand, fee_rate_for, price

from .builders import invoice


def test_three_party_grade_a_exact_amounts() -> None:
    # Friday 2026-11-20 10:00 → same-day payout; due 2026-12-25 (Fri) → 35 days.
    inv = invoice(amount=1_234_567, due=date(2026, 12, 25))
    o = price(inv, product=Product.THREE_PARTY, grade="A", now=datetime(2026, 11, 20, 10, 0))
    assert o.payout_date == date(2026, 11, 20)
    assert o.days == 35
    # 2% + one started 30-day block beyond the first (0.5%) = 2.5%.
    assert o.fee_rate == Decimal("0.025")
    assert o.fee == 30_864  # 1,234,567 × 0.025 = 30,864.175 → 円未満切捨て
    # 掛目 95% for 3社間: 1,234,567 × 0.95 = 1,172,838.65 → 円未満切捨て; 留保金 = the rest.
    assert o.advance_amount == 1_172_838
    assert o.holdback == 1_234_567 - 1_172_838
    assert o.net_payout == 1_172_838 - 30_864
    expected_apr = Fraction(30_864, 1_172_838 - 30_864) * Fraction(365, 35)
    assert abs(Fraction(o.apr) - expected_apr) < Fraction(1, 10**20)
    assert abs(float(o.apr) - 0.28186) < 1e-5  # 30,864 ÷ 1,141,974 × 365 ÷ 35 ≈ 28.2%
    labels = [line.label for line in o.breakdown]
    assert labels[:4] == ["請求書額面", "買取金額（掛目）", "買取手数料", "お振込金額"]
    assert "円未満切捨て" in o.breakdown[2].note


def test_due_date_on_holiday_moves_following() -> None:
    # 2027-01-01..03 closed (year end), 2027-01-04 Monday is open.
    inv = invoice(due=date(2027, 1, 1))
    o = price(inv, product=Product.THREE_PARTY, grade="A", now=datetime(2026, 11, 20, 10, 0))
    assert o.settlement_date == date(2027, 1, 4)
    assert o.days == (date(2027, 1, 4) - date(2026, 11, 20)).days


def test_after_cutoff_and_on_weekend_pays_next_business_day() -> None:
    inv = invoice()
    after = price(inv, product=Product.THREE_PARTY, grade="A", now=datetime(2026, 11, 20, 15, 0))
    assert after.payout_date == date(2026, 11, 24)  # Mon 23rd is 勤労感謝の日
    sat = price(inv, product=Product.THREE_PARTY, grade="A", now=datetime(2026, 11, 21, 9, 0))
    assert sat.payout_date == date(2026, 11, 24)
    assert sat.expires_on == date(2026, 11, 26)  # 3 bank business days after Saturday


def test_two_party_and_grades_within_band_and_admin_and_advance() -> None:
    policy = PricingPolicy(
        bands={
            Product.TWO_PARTY: ProductBand(Decimal("0.05"), Decimal("0.20"), Decimal("0.9")),
            Product.THREE_PARTY: ProductBand(Decimal("0.02"), Decimal("0.10"), Decimal("1")),
        },
        admin_fee_yen=3_300,
    )
    inv = invoice(amount=1_000_001, due=date(2026, 12, 18))  # 28 days: no term premium
    o = price(
        inv, product=Product.TWO_PARTY, grade="C", now=datetime(2026, 11, 20, 10), policy=policy
    )
    assert o.fee_rate == Decimal("0.1025").quantize(Decimal("0.001"), rounding="ROUND_CEILING")
    assert o.fee_rate == Decimal("0.103")  # 5% + 15% × 0.35 = 10.25% → up to 10.3%
    assert o.advance_amount == 900_000  # 1,000,001 × 0.9 = 900,000.9 → 切捨て
    assert o.fee == 103_000  # 1,000,001 × 0.103 = 103,000.103 → 切捨て
    assert o.net_payout == 900_000 - 103_000 - 3_300
    assert o.holdback == 100_001
    assert any(line.label == "留保金" for line in o.breakdown)
    rates = [fee_rate_for(policy, Product.TWO_PARTY, g, 28) for g in "ABCDE"]
    assert rates == sorted(rates)
    assert rates[0] == Decimal("0.05")
    assert rates[-1] == Decimal("0.20")


def test_due_too_soon_raises() -> None:
    inv = invoice(due=date(2026, 11, 24))
    with pytest.raises(DomainError) as err:
        price(inv, product=Product.THREE_PARTY, grade="A", now=datetime(2026, 11, 20, 10))
    assert err.value.code == "pricing.due_too_soon"


@settings(max_examples=200, deadline=None)
@given(
    amount=st.integers(min_value=10_000, max_value=500_000_000),
    days=st.integers(min_value=8, max_value=200),
    grade=st.sampled_from("ABCDE"),
    product=st.sampled_from(list(Product)),
    hour=st.integers(min_value=0, max_value=23),
    admin=st.integers(min_value=0, max_value=5_000),
)
def test_properties(
    amount: int, days: int, grade: str, product: Product, hour: int, admin: int
) -> None:
    from datetime import timedelta

    now = datetime(2026, 11, 20, hour)
    inv = invoice(amount=amount, due=date(2026, 11, 20) + timedelta(days=days + 5))
    o = price(inv, product=product, grade=grade, now=now, policy=PricingPolicy(admin_fee_yen=admin))
    assert 0 <= o.fee <= o.face_amount
    assert o.net_payout == o.advance_amount - o.fee - o.admin_fee
    assert o.advance_amount + o.holdback == o.face_amount
    assert is_bank_business_day(o.payout_date)
    assert is_bank_business_day(o.settlement_date)
    band = PricingPolicy().bands[product]
    assert band.min_rate <= o.fee_rate <= band.max_rate
    assert o.fee == (amount * Fraction(o.fee_rate)).__trunc__()


@settings(max_examples=200, deadline=None)
@given(
    face=st.integers(min_value=10_000, max_value=10**9),
    f1=st.integers(min_value=0, max_value=10**9),
    f2=st.integers(min_value=0, max_value=10**9),
    days=st.integers(min_value=1, max_value=365),
)
def test_apr_monotonic_in_fee(face: int, f1: int, f2: int, days: int) -> None:
    lo, hi = sorted((f1 % face, f2 % face))
    assert discount_fee_apr(face, lo, days) <= discount_fee_apr(face, hi, days)
