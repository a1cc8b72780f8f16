"""Unit and property tests for urikake.domain.money."""

from __future__ import annotations

import decimal
import math
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.errors import DomainError
from urikake.domain.money import (
    STANDARD_TAX_RATE,
    Rounding,
    allocate,
    apply_rate,
    consumption_tax,
    days_between,
    discount_fee_apr,
    fee_truncated,
    format_rate_percent,
    format_yen,
    interest_act365,
    rate,
    round_yen,
    split_tax_inclusive,
    year_fraction_act365,
    yen,
)

FAST = settings(max_examples=150, deadline=None)

amounts = st.integers(min_value=-(10**15), max_value=10**15)
positive_amounts = st.integers(min_value=1, max_value=10**13)
rates = st.decimals(
    min_value=Decimal(0), max_value=Decimal(2), places=6, allow_nan=False, allow_infinity=False
)
roundings = st.sampled_from(list(Rounding))


def _code(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


# --------------------------------------------------------------------------------------
# yen()
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, 0),
        (1000, 1000),
        (-500, -500),
        (Decimal(1000), 1000),
        (Decimal("1000.00"), 1000),
        (Decimal("1E+3"), 1000),
        (Decimal("-0"), 0),
        ("1000", 1000),
        ("-1000", -1000),
        ("+1000", 1000),
        ("1,000", 1000),
        ("1,234,567", 1234567),
        ("１０００", 1000),
        ("１，０００", 1000),
        ("1000円", 1000),
        ("1,000円", 1000),
        ("¥1,234", 1234),
        ("￥1,234", 1234),
        ("-¥1,000", -1000),
        ("¥-1,000", -1000),
        ("－１，０００円", -1000),
        ("−1000", -1000),
        ("△1,000", -1000),
        ("▲500", -500),
        ("  1000 ", 1000),
        ("1,000\u3000円", 1000),
        ("1000.00", 1000),
        ("0", 0),
        ("0001", 1),
    ],
)
def test_yen_accepts(raw: Any, expected: int) -> None:
    result = yen(raw)
    assert result == expected
    assert type(result) is int


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (1.0, "money.float_not_allowed"),
        (1000.5, "money.float_not_allowed"),
        (True, "money.bool_not_allowed"),
        (False, "money.bool_not_allowed"),
        (Decimal("1000.5"), "money.fractional_yen"),
        (Decimal("0.01"), "money.fractional_yen"),
        (Decimal("NaN"), "money.not_finite"),
        (Decimal("Infinity"), "money.not_finite"),
        ("1000.5", "money.fractional_yen"),
        ("1000.50円", "money.fractional_yen"),
        ("", "money.empty"),
        ("   ", "money.empty"),
        ("abc", "money.invalid_format"),
        ("1,5", "money.invalid_format"),
        ("10,00", "money.invalid_format"),
        ("1,0000", "money.invalid_format"),
        (",100", "money.invalid_format"),
        ("1e3", "money.invalid_format"),
        ("--1", "money.invalid_format"),
        ("1000円円", "money.invalid_format"),
        ("円", "money.invalid_format"),
        ("NaN", "money.invalid_format"),
        ("1.", "money.invalid_format"),
        (None, "money.invalid_type"),
        ([1000], "money.invalid_type"),
        (Fraction(1, 2), "money.invalid_type"),
    ],
)
def test_yen_rejects(raw: Any, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        yen(raw)
    assert exc.value.code == code
    assert exc.value.message  # a Japanese explanation, never empty


def test_yen_error_carries_field_and_japanese_message() -> None:
    with pytest.raises(DomainError) as exc:
        yen(1.5, field="face_amount")  # type: ignore[arg-type]
    assert exc.value.field == "face_amount"
    assert "float" in exc.value.message
    assert "金額" in exc.value.message
    assert exc.value.as_dict()["code"] == "money.float_not_allowed"


def test_yen_rejects_float_before_anything_else() -> None:
    # A whole-number float is still refused: the type is the bug, not the value.
    with pytest.raises(DomainError, match="浮動小数点数"):
        yen(1000.0)  # type: ignore[arg-type]


@FAST
@given(amounts)
def test_yen_str_round_trip(n: int) -> None:
    assert yen(str(n)) == n
    assert yen(f"{n:,}") == n
    assert yen(Decimal(n)) == n


@FAST
@given(amounts)
def test_yen_parses_format_yen(n: int) -> None:
    assert yen(format_yen(n)) == n


# --------------------------------------------------------------------------------------
# rate()
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0.05", Decimal("0.05")),
        ("5%", Decimal("0.05")),
        ("５％", Decimal("0.05")),
        ("0.5 %", Decimal("0.005")),
        ("12.345%", Decimal("0.12345")),
        ("100%", Decimal(1)),
        (".5", Decimal("0.5")),
        ("-0.01", Decimal("-0.01")),
        (Decimal("0.1"), Decimal("0.1")),
        (0, Decimal(0)),
        (1, Decimal(1)),
    ],
)
def test_rate_accepts(raw: Any, expected: Decimal) -> None:
    result = rate(raw)
    assert isinstance(result, Decimal)
    assert result == expected


def test_rate_percent_is_an_exact_shift() -> None:
    assert rate("5%").as_tuple() == Decimal("0.05").as_tuple()
    assert rate("33.3333333333333333333333333333333%") == Decimal(
        "0.333333333333333333333333333333333"
    )


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (0.05, "money.float_not_allowed"),
        (True, "money.bool_not_allowed"),
        (Decimal("NaN"), "money.not_finite"),
        (Decimal("sNaN"), "money.not_finite"),
        (Decimal("-Infinity"), "money.not_finite"),
        ("NaN", "money.invalid_rate"),
        ("inf", "money.invalid_rate"),
        ("Infinity", "money.invalid_rate"),
        ("1e-2", "money.invalid_rate"),
        ("5%%", "money.invalid_rate"),
        ("%", "money.invalid_rate"),
        ("five", "money.invalid_rate"),
        ("", "money.empty"),
        (None, "money.invalid_type"),
    ],
)
def test_rate_rejects(raw: Any, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        rate(raw)
    assert exc.value.code == code


# --------------------------------------------------------------------------------------
# Rounding
# --------------------------------------------------------------------------------------


def test_rounding_maps_to_decimal_constants() -> None:
    assert Rounding.TRUNCATE.decimal_mode == decimal.ROUND_DOWN
    assert Rounding.FLOOR.decimal_mode == decimal.ROUND_FLOOR
    assert Rounding.CEILING.decimal_mode == decimal.ROUND_CEILING
    assert Rounding.HALF_UP.decimal_mode == decimal.ROUND_HALF_UP
    assert Rounding.HALF_EVEN.decimal_mode == decimal.ROUND_HALF_EVEN
    assert Rounding.TRUNCATE.label_ja == "切捨て"
    assert Rounding.CEILING.label_ja == "切上げ"
    assert Rounding.HALF_UP.label_ja == "四捨五入"
    assert all(r.label_ja for r in Rounding)


@pytest.mark.parametrize(
    ("amount", "rounding", "expected"),
    [
        ("2.5", Rounding.TRUNCATE, 2),
        ("2.5", Rounding.FLOOR, 2),
        ("2.5", Rounding.CEILING, 3),
        ("2.5", Rounding.HALF_UP, 3),
        ("2.5", Rounding.HALF_EVEN, 2),
        ("3.5", Rounding.HALF_EVEN, 4),
        ("2.4999", Rounding.HALF_UP, 2),
        ("-2.5", Rounding.TRUNCATE, -2),
        ("-2.5", Rounding.FLOOR, -3),
        ("-2.5", Rounding.CEILING, -2),
        ("-2.5", Rounding.HALF_UP, -3),
        ("-2.5", Rounding.HALF_EVEN, -2),
        ("-2.1", Rounding.TRUNCATE, -2),
        ("7", Rounding.CEILING, 7),
        ("0.0000000000000000000000000000001", Rounding.CEILING, 1),
        ("123456789012345678901234567890.5", Rounding.HALF_UP, 123456789012345678901234567891),
    ],
)
def test_round_yen(amount: str, rounding: Rounding, expected: int) -> None:
    assert round_yen(Decimal(amount), rounding=rounding) == expected


def test_round_yen_requires_named_rounding() -> None:
    with pytest.raises(TypeError):
        round_yen(Decimal("1.5"))  # type: ignore[call-arg]
    with pytest.raises(DomainError) as exc:
        round_yen(Decimal("1.5"), rounding="HALF_UP")  # type: ignore[arg-type]
    assert exc.value.code == "money.invalid_rounding"
    with pytest.raises(DomainError) as exc:
        round_yen(1.5, rounding=Rounding.HALF_UP)  # type: ignore[arg-type]
    assert exc.value.code == "money.float_not_allowed"


@FAST
@given(
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**20), max_value=10**20),
    roundings,
)
def test_round_yen_matches_decimal_module(amount: Decimal, rounding: Rounding) -> None:
    expected = int(amount.to_integral_value(rounding=rounding.decimal_mode))
    assert round_yen(amount, rounding=rounding) == expected


# --------------------------------------------------------------------------------------
# apply_rate / fees / tax
# --------------------------------------------------------------------------------------


def test_apply_rate_examples() -> None:
    assert apply_rate(1_000_000, Decimal("0.05"), rounding=Rounding.TRUNCATE) == 50_000
    assert apply_rate(333, Decimal("0.1"), rounding=Rounding.TRUNCATE) == 33
    assert apply_rate(333, Decimal("0.1"), rounding=Rounding.CEILING) == 34
    assert apply_rate(335, Decimal("0.1"), rounding=Rounding.HALF_UP) == 34
    assert apply_rate(335, Decimal("0.1"), rounding=Rounding.HALF_EVEN) == 34
    assert apply_rate(325, Decimal("0.1"), rounding=Rounding.HALF_EVEN) == 32
    assert apply_rate(-333, Decimal("0.1"), rounding=Rounding.TRUNCATE) == -33
    assert apply_rate(-333, Decimal("0.1"), rounding=Rounding.FLOOR) == -34
    assert apply_rate(1000, Decimal(0), rounding=Rounding.TRUNCATE) == 0


def test_apply_rate_is_exact_for_huge_amounts() -> None:
    # 10^30 × 0.1234567890123456789 has more digits than the default decimal context.
    amount = 10**30 + 7
    r = Decimal("0.1234567890123456789")
    expected = math.floor(Fraction(amount) * Fraction(r))
    assert apply_rate(amount, r, rounding=Rounding.TRUNCATE) == expected


def test_apply_rate_rounding_is_keyword_only_and_required() -> None:
    with pytest.raises(TypeError):
        apply_rate(1000, Decimal("0.1"))  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        apply_rate(1000, Decimal("0.1"), Rounding.TRUNCATE)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("amount", "r", "code"),
    [
        (1000.0, Decimal("0.1"), "money.float_not_allowed"),
        (1000, 0.1, "money.float_not_allowed"),
        (True, Decimal("0.1"), "money.bool_not_allowed"),
        (1000, True, "money.bool_not_allowed"),
        ("1000", Decimal("0.1"), "money.invalid_type"),
        (1000, "0.1", "money.invalid_type"),
        (1000, Decimal("NaN"), "money.not_finite"),
        (Decimal(1000), Decimal("0.1"), "money.invalid_type"),
    ],
)
def test_apply_rate_rejects(amount: Any, r: Any, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        apply_rate(amount, r, rounding=Rounding.TRUNCATE)
    assert exc.value.code == code


@FAST
@given(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    roundings,
)
def test_apply_rate_never_accepts_float(amount: int, r: float, rounding: Rounding) -> None:
    with pytest.raises(DomainError) as exc:
        apply_rate(amount, r, rounding=rounding)  # type: ignore[arg-type]
    assert exc.value.code == "money.float_not_allowed"
    with pytest.raises(DomainError) as exc:
        apply_rate(float(amount), Decimal("0.1"), rounding=rounding)  # type: ignore[arg-type]
    assert exc.value.code == "money.float_not_allowed"


@FAST
@given(positive_amounts, rates)
def test_truncate_le_exact_le_ceiling(amount: int, r: Decimal) -> None:
    exact = Fraction(amount) * Fraction(r)
    low = apply_rate(amount, r, rounding=Rounding.TRUNCATE)
    high = apply_rate(amount, r, rounding=Rounding.CEILING)
    assert low <= exact <= high
    assert high - low <= 1
    for mode in (Rounding.FLOOR, Rounding.HALF_UP, Rounding.HALF_EVEN):
        assert low <= apply_rate(amount, r, rounding=mode) <= high


def test_fee_truncated_is_the_default_fee_rule() -> None:
    assert fee_truncated(1_000_000, Decimal("0.05")) == 50_000
    assert fee_truncated(123_457, Decimal("0.035")) == 4320  # 4320.995 → 切捨て
    assert fee_truncated(999, Decimal("0.001")) == 0


def test_consumption_tax() -> None:
    assert Decimal("0.10") == STANDARD_TAX_RATE
    assert consumption_tax(1000, rounding=Rounding.TRUNCATE) == 100
    assert consumption_tax(1234, rounding=Rounding.TRUNCATE) == 123
    assert consumption_tax(1235, rounding=Rounding.HALF_UP) == 124
    assert consumption_tax(1231, rounding=Rounding.CEILING) == 124
    # Reduced rate (軽減税率) for food.
    assert consumption_tax(1234, Decimal("0.08"), rounding=Rounding.TRUNCATE) == 98
    with pytest.raises(TypeError):
        consumption_tax(1000)  # type: ignore[call-arg]
    with pytest.raises(DomainError) as exc:
        consumption_tax(1000, Decimal("-0.1"), rounding=Rounding.TRUNCATE)
    assert exc.value.code == "money.negative_tax_rate"


def test_split_tax_inclusive_examples() -> None:
    assert split_tax_inclusive(1100, rounding=Rounding.TRUNCATE) == (1000, 100)
    # 1099 × 10/110 = 99.909…
    assert split_tax_inclusive(1099, rounding=Rounding.TRUNCATE) == (1000, 99)
    assert split_tax_inclusive(1099, rounding=Rounding.HALF_UP) == (999, 100)
    # 1080 × 8/108 = 80 exactly.
    assert split_tax_inclusive(1080, Decimal("0.08"), rounding=Rounding.TRUNCATE) == (1000, 80)
    assert split_tax_inclusive(0, rounding=Rounding.CEILING) == (0, 0)
    assert split_tax_inclusive(1100, Decimal(0), rounding=Rounding.CEILING) == (1100, 0)
    with pytest.raises(DomainError):
        split_tax_inclusive(1100.0, rounding=Rounding.TRUNCATE)  # type: ignore[arg-type]


@FAST
@given(amounts, st.sampled_from([Decimal("0.10"), Decimal("0.08"), Decimal("0.05")]), roundings)
def test_split_tax_inclusive_sums_back(amount: int, tax_rate: Decimal, rounding: Rounding) -> None:
    net, tax = split_tax_inclusive(amount, tax_rate, rounding=rounding)
    assert net + tax == amount
    exact_tax = Fraction(amount) * Fraction(tax_rate) / (1 + Fraction(tax_rate))
    assert abs(tax - exact_tax) < 1


# --------------------------------------------------------------------------------------
# allocate
# --------------------------------------------------------------------------------------


def test_allocate_examples() -> None:
    assert allocate(100, [1, 1, 1]) == [34, 33, 33]
    assert allocate(101, [1, 1, 1]) == [34, 34, 33]
    assert allocate(-100, [1, 1, 1]) == [-34, -33, -33]
    assert allocate(10, [Decimal("0.5"), Decimal("0.3"), Decimal("0.2")]) == [5, 3, 2]
    assert allocate(1, [1, 1]) == [1, 0]  # tie → earlier index first
    assert allocate(2, [1, 1, 1, 1]) == [1, 1, 0, 0]
    assert allocate(0, [3, 7]) == [0, 0]
    assert allocate(7, [0, 1, 0]) == [0, 7, 0]
    assert allocate(5, [0, 1, 1]) == [0, 3, 2]
    # Largest remainder: 100 × (2, 3, 5)/10 ... exact; 10 × (1, 1, 1, 3)/6 = 1.67, 1.67, 1.67, 5
    assert allocate(10, [1, 1, 1, 3]) == [2, 2, 1, 5]
    assert allocate(1_000_000, (1,)) == [1_000_000]


@pytest.mark.parametrize(
    ("total", "weights", "code"),
    [
        (100, [], "money.empty_weights"),
        (100, [0, 0], "money.zero_weights"),
        (100, [1, -1], "money.negative_weight"),
        (100, [1, 0.5], "money.float_not_allowed"),
        (100, [1, True], "money.bool_not_allowed"),
        (100, [Decimal("NaN")], "money.not_finite"),
        (100, [1, "2"], "money.invalid_type"),
        (100, "12", "money.invalid_type"),
        (100.0, [1, 2], "money.float_not_allowed"),
    ],
)
def test_allocate_rejects(total: Any, weights: Any, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        allocate(total, weights)
    assert exc.value.code == code


weights_lists = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10**6),
        st.decimals(min_value=0, max_value=1000, places=4, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=12,
).filter(lambda ws: sum(ws) > 0)


@FAST
@given(amounts, weights_lists)
def test_allocate_sums_and_is_close_to_exact(total: int, weights: list[int | Decimal]) -> None:
    shares = allocate(total, weights)
    assert len(shares) == len(weights)
    assert sum(shares) == total
    weight_sum = sum(Fraction(w) for w in weights)
    for share, weight in zip(shares, weights, strict=True):
        exact = total * Fraction(weight) / weight_sum
        assert abs(share - exact) < 1
        if weight == 0:
            assert share == 0


@FAST
@given(amounts, weights_lists)
def test_allocate_negative_total_is_mirror(total: int, weights: list[int | Decimal]) -> None:
    assert allocate(-total, weights) == [-s for s in allocate(total, weights)]


# --------------------------------------------------------------------------------------
# Day count, interest
# --------------------------------------------------------------------------------------


def test_days_between() -> None:
    assert days_between(date(2026, 1, 1), date(2026, 1, 31)) == 30
    assert days_between(date(2024, 2, 1), date(2024, 3, 1)) == 29  # leap year
    assert days_between(date(2026, 1, 31), date(2026, 1, 1)) == -30
    assert days_between(date(2026, 1, 1), date(2026, 1, 1)) == 0


def test_days_between_rejects_datetime() -> None:
    with pytest.raises(DomainError) as exc:
        days_between(datetime(2026, 1, 1, 12), date(2026, 1, 2))
    assert exc.value.code == "date.datetime_not_allowed"
    with pytest.raises(DomainError) as exc:
        days_between("2026-01-01", date(2026, 1, 2))  # type: ignore[arg-type]
    assert exc.value.code == "date.invalid_type"


def test_year_fraction_act365() -> None:
    assert year_fraction_act365(date(2026, 1, 1), date(2027, 1, 1)) == 1
    # A leap year is 366/365, not 1: actual/365 *fixed*.
    assert year_fraction_act365(date(2024, 1, 1), date(2025, 1, 1)) == Decimal(366) / 365
    assert year_fraction_act365(date(2026, 1, 1), date(2026, 3, 15)) == Decimal("0.2")
    assert year_fraction_act365(date(2026, 1, 1), date(2026, 1, 31)) == Decimal(30) / 365
    assert year_fraction_act365(date(2026, 1, 31), date(2026, 1, 1)) == Decimal(-30) / 365


def test_interest_act365() -> None:
    start, end = date(2026, 1, 1), date(2026, 1, 31)
    # 1,000,000 × 0.15 × 30/365 = 12328.767…
    assert interest_act365(1_000_000, Decimal("0.15"), start, end, rounding=Rounding.TRUNCATE) == (
        12328
    )
    assert interest_act365(1_000_000, Decimal("0.15"), start, end, rounding=Rounding.HALF_UP) == (
        12329
    )
    # 365 days at 3.65% on 1,000 is exactly 36.5: the rounding mode decides.
    year = (date(2026, 1, 1), date(2027, 1, 1))
    assert interest_act365(1000, Decimal("0.0365"), *year, rounding=Rounding.HALF_UP) == 37
    assert interest_act365(1000, Decimal("0.0365"), *year, rounding=Rounding.HALF_EVEN) == 36
    assert interest_act365(1000, Decimal("0.0365"), *year, rounding=Rounding.TRUNCATE) == 36
    assert interest_act365(1000, Decimal("0.1"), start, start, rounding=Rounding.CEILING) == 0
    with pytest.raises(DomainError) as exc:
        interest_act365(1000, Decimal("0.1"), end, start, rounding=Rounding.TRUNCATE)
    assert exc.value.code == "money.period_reversed"
    with pytest.raises(DomainError) as exc:
        interest_act365(1000, 0.1, start, end, rounding=Rounding.TRUNCATE)  # type: ignore[arg-type]
    assert exc.value.code == "money.float_not_allowed"


# --------------------------------------------------------------------------------------
# Discount fee APR
# --------------------------------------------------------------------------------------


def test_discount_fee_apr_example() -> None:
    # A 5% fee on a ¥1,000,000 30-day receivable: 50,000 / 950,000 × 365 / 30 ≈ 64.0%.
    apr = discount_fee_apr(1_000_000, 50_000, 30)
    assert isinstance(apr, Decimal)
    assert apr.quantize(Decimal("0.0001")) == Decimal("0.6404")
    assert Decimal("0.6403") < apr < Decimal("0.6404")
    assert format_rate_percent(apr) == "64.0%"
    assert format_rate_percent(apr, 2) == "64.04%"
    exact = Fraction(50_000, 950_000) * Fraction(365, 30)
    assert abs(Fraction(apr) - exact) < Fraction(1, 10**26)


def test_discount_fee_apr_exact_cases() -> None:
    assert discount_fee_apr(1000, 0, 30) == 0
    # fee 100 on 1100 over 365 days: 100/1000 = 10%
    assert discount_fee_apr(1100, 100, 365) == Decimal("0.1")


@pytest.mark.parametrize(
    ("face", "fee", "days", "code"),
    [
        (1000, 10, 0, "money.nonpositive_days"),
        (1000, 10, -1, "money.nonpositive_days"),
        (1000, -1, 30, "money.negative_fee"),
        (1000, 1000, 30, "money.fee_not_below_face"),
        (1000, 1001, 30, "money.fee_not_below_face"),
        (0, 0, 30, "money.fee_not_below_face"),
        (1000.0, 10, 30, "money.float_not_allowed"),
        (1000, 10.0, 30, "money.float_not_allowed"),
        (1000, 10, 30.0, "money.invalid_type"),
        (1000, 10, True, "money.invalid_type"),
    ],
)
def test_discount_fee_apr_rejects(face: Any, fee: Any, days: Any, code: str) -> None:
    with pytest.raises(DomainError) as exc:
        discount_fee_apr(face, fee, days)
    assert exc.value.code == code


@st.composite
def apr_inputs(draw: st.DrawFn) -> tuple[int, int, int]:
    face = draw(st.integers(min_value=2, max_value=10**12))
    fee = draw(st.integers(min_value=0, max_value=face - 2))
    days = draw(st.integers(min_value=1, max_value=3650))
    return face, fee, days


@FAST
@given(apr_inputs())
def test_discount_fee_apr_monotonic(inputs: tuple[int, int, int]) -> None:
    face, fee, days = inputs
    apr = discount_fee_apr(face, fee, days)
    assert apr >= 0
    assert discount_fee_apr(face, fee + 1, days) > apr  # more fee → higher rate
    assert discount_fee_apr(face, fee, days + 1) < apr or fee == 0  # longer → lower rate
    if fee == 0:
        assert apr == 0


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("r", "places", "expected"),
    [
        (Decimal("0.6403508771929824561403508772"), 1, "64.0%"),
        (Decimal("0.05"), 1, "5.0%"),
        (Decimal("0.05"), 0, "5%"),
        (Decimal("0.12345"), 2, "12.35%"),  # HALF_UP, not HALF_EVEN
        (Decimal("0.12355"), 2, "12.36%"),
        (Decimal("0.00045"), 1, "0.0%"),  # 0.045% at one place
        (Decimal("0.0005"), 1, "0.1%"),  # exactly half: HALF_UP
        (Decimal(1), 1, "100.0%"),
        (Decimal("12.3456"), 0, "1235%"),
        (Decimal("-0.0551"), 1, "-5.5%"),
        (Decimal("-0.0001"), 1, "0.0%"),
        (Decimal("0.0004999999999999999999999999999999999"), 1, "0.0%"),
        (Decimal("1E+30"), 0, "100000000000000000000000000000000%"),
    ],
)
def test_format_rate_percent(r: Decimal, places: int, expected: str) -> None:
    assert format_rate_percent(r, places) == expected


def test_format_rate_percent_rejects() -> None:
    with pytest.raises(DomainError) as exc:
        format_rate_percent(0.5)  # type: ignore[arg-type]
    assert exc.value.code == "money.float_not_allowed"
    with pytest.raises(DomainError) as exc:
        format_rate_percent(Decimal("0.5"), -1)
    assert exc.value.code == "money.invalid_places"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "¥0"),
        (1, "¥1"),
        (999, "¥999"),
        (1000, "¥1,000"),
        (1_234_567, "¥1,234,567"),
        (-1000, "-¥1,000"),
        (-1, "-¥1"),
    ],
)
def test_format_yen(amount: int, expected: str) -> None:
    assert format_yen(amount) == expected


def test_format_yen_rejects_float_and_bool() -> None:
    with pytest.raises(DomainError):
        format_yen(1000.0)  # type: ignore[arg-type]
    with pytest.raises(DomainError):
        format_yen(True)
