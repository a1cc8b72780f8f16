"""Unit and property tests for urikake.domain.bank_calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import jpholiday
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.bank_calendar import (
    JAPAN_BANK_CALENDAR,
    MAX_SEARCH_DAYS,
    BankCalendar,
    BusinessDayConvention,
    add_bank_business_days,
    adjust_to_business_day,
    bank_business_days_between,
    is_bank_business_day,
    next_bank_business_day,
    previous_bank_business_day,
    refund_value_date,
)
from urikake.domain.errors import DomainError

FOLLOWING = BusinessDayConvention.FOLLOWING
PRECEDING = BusinessDayConvention.PRECEDING
MODIFIED_FOLLOWING = BusinessDayConvention.MODIFIED_FOLLOWING

FAST = settings(max_examples=150, deadline=None)

dates = st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 12, 31))


def d(iso: str) -> date:
    return date.fromisoformat(iso)


# --------------------------------------------------------------------------------------
# is_business_day: concrete closures
# --------------------------------------------------------------------------------------


def test_year_end_closure_2026_2027() -> None:
    assert d("2026-12-30").weekday() == 2  # Wednesday: last open day of 2026
    assert is_bank_business_day(d("2026-12-30"))
    assert d("2026-12-31").weekday() == 3  # a Thursday, yet closed (銀行法施行令 第5条)
    assert not jpholiday.is_holiday(d("2026-12-31"))
    assert not is_bank_business_day(d("2026-12-31"))
    for day in ("2027-01-01", "2027-01-02", "2027-01-03"):
        assert not is_bank_business_day(d(day))
    assert not jpholiday.is_holiday(d("2027-01-02"))  # closed by the ordinance, not a 祝日
    assert d("2027-01-04").weekday() == 0  # Monday
    assert is_bank_business_day(d("2027-01-04"))


@pytest.mark.parametrize("year", range(2000, 2041))
def test_year_end_closure_every_year(year: int) -> None:
    for day in (date(year, 12, 31), date(year + 1, 1, 1), date(year + 1, 1, 2)):
        assert not is_bank_business_day(day)
    assert not is_bank_business_day(date(year + 1, 1, 3))


def test_weekends_closed() -> None:
    assert d("2026-03-07").weekday() == 5
    assert not is_bank_business_day(d("2026-03-07"))
    assert not is_bank_business_day(d("2026-03-08"))
    assert is_bank_business_day(d("2026-03-06"))
    assert is_bank_business_day(d("2026-03-09"))


@pytest.mark.parametrize(
    ("iso", "name"),
    [
        ("2024-02-12", "振替休日"),  # 建国記念の日 2/11 was a Sunday
        ("2025-05-06", "振替休日"),  # みどりの日 5/4 was a Sunday
        ("2026-09-22", "国民の休日"),  # between 敬老の日 9/21 and 秋分の日 9/23
        ("2019-04-30", "国民の休日"),  # imperial accession golden week
        ("2019-05-01", "天皇の即位の日"),
        ("2019-05-02", "国民の休日"),
    ],
)
def test_special_holidays_closed(iso: str, name: str) -> None:
    day = d(iso)
    assert day.weekday() < 5  # closed because of the holiday, not the weekend
    assert name in (jpholiday.is_holiday_name(day) or "")
    assert not is_bank_business_day(day)


def test_substitute_holiday_context() -> None:
    assert d("2024-02-11").weekday() == 6
    assert is_bank_business_day(d("2024-02-09"))
    assert next_bank_business_day(d("2024-02-09")) == d("2024-02-13")


def test_kokumin_no_kyujitsu_2026_silver_week() -> None:
    assert jpholiday.is_holiday_name(d("2026-09-21")) == "敬老の日"
    assert jpholiday.is_holiday_name(d("2026-09-23")) == "秋分の日"
    # Sat 9/19 to Wed 9/23 closed.
    for day in range(19, 24):
        assert not is_bank_business_day(date(2026, 9, day))
    assert next_bank_business_day(d("2026-09-18")) == d("2026-09-24")


def test_golden_week_2019_ten_days() -> None:
    # 4/27 (Sat) to 5/6 (Mon, 振替休日) — the longest closure so far.
    closed = [d("2019-04-27") + timedelta(days=i) for i in range(10)]
    assert closed[-1] == d("2019-05-06")
    assert not any(is_bank_business_day(day) for day in closed)
    assert is_bank_business_day(d("2019-04-26"))
    assert is_bank_business_day(d("2019-05-07"))
    assert next_bank_business_day(d("2019-04-26")) == d("2019-05-07")
    assert previous_bank_business_day(d("2019-05-07")) == d("2019-04-26")
    assert add_bank_business_days(d("2019-04-26"), 1) == d("2019-05-07")


def test_golden_week_2026() -> None:
    assert not is_bank_business_day(d("2026-04-29"))  # 昭和の日 (Wed)
    assert is_bank_business_day(d("2026-04-30"))
    assert is_bank_business_day(d("2026-05-01"))
    for day in ("2026-05-04", "2026-05-05", "2026-05-06"):  # みどり, こども, 振替休日
        assert not is_bank_business_day(d(day))
    assert next_bank_business_day(d("2026-05-01")) == d("2026-05-07")


# --------------------------------------------------------------------------------------
# next / previous / adjust
# --------------------------------------------------------------------------------------


def test_next_and_previous_are_strict() -> None:
    assert is_bank_business_day(d("2026-03-09"))
    assert next_bank_business_day(d("2026-03-09")) == d("2026-03-10")
    assert previous_bank_business_day(d("2026-03-09")) == d("2026-03-06")
    assert next_bank_business_day(d("2026-12-30")) == d("2027-01-04")
    assert previous_bank_business_day(d("2027-01-04")) == d("2026-12-30")


def test_saturday_due_date() -> None:
    saturday = d("2026-03-07")
    assert adjust_to_business_day(saturday) == d("2026-03-09")  # Monday
    assert adjust_to_business_day(saturday, FOLLOWING) == d("2026-03-09")
    assert adjust_to_business_day(saturday, PRECEDING) == d("2026-03-06")  # Friday


def test_saturday_due_date_before_holiday_monday() -> None:
    saturday = d("2026-01-10")
    assert saturday.weekday() == 5
    assert jpholiday.is_holiday_name(d("2026-01-12")) == "成人の日"
    assert adjust_to_business_day(saturday) == d("2026-01-13")  # Tuesday
    assert adjust_to_business_day(saturday, PRECEDING) == d("2026-01-09")
    assert adjust_to_business_day(saturday, MODIFIED_FOLLOWING) == d("2026-01-13")


def test_business_day_is_left_alone_by_every_convention() -> None:
    for convention in BusinessDayConvention:
        assert adjust_to_business_day(d("2026-03-09"), convention) == d("2026-03-09")


@pytest.mark.parametrize(
    ("iso", "following", "modified"),
    [
        ("2026-05-31", "2026-06-01", "2026-05-29"),  # Sunday month end
        ("2026-01-31", "2026-02-02", "2026-01-30"),  # Saturday month end
        ("2026-10-31", "2026-11-02", "2026-10-30"),
        ("2025-12-31", "2026-01-05", "2025-12-30"),  # year-end closure crosses the year
        ("2026-05-02", "2026-05-07", "2026-05-07"),  # stays within May: plain following
    ],
)
def test_modified_following(iso: str, following: str, modified: str) -> None:
    assert adjust_to_business_day(d(iso), FOLLOWING) == d(following)
    assert adjust_to_business_day(d(iso), MODIFIED_FOLLOWING) == d(modified)


def test_adjust_rejects_bad_convention() -> None:
    with pytest.raises(DomainError) as exc:
        JAPAN_BANK_CALENDAR.adjust(d("2026-03-07"), "following")  # type: ignore[arg-type]
    assert exc.value.code == "calendar.invalid_convention"


# --------------------------------------------------------------------------------------
# add_business_days / business_days_between
# --------------------------------------------------------------------------------------


def test_add_business_days_across_new_year() -> None:
    assert add_bank_business_days(d("2026-12-28"), 3) == d("2027-01-04")
    assert add_bank_business_days(d("2026-12-30"), 1) == d("2027-01-04")
    assert add_bank_business_days(d("2026-12-30"), 2) == d("2027-01-05")
    assert add_bank_business_days(d("2027-01-04"), -1) == d("2026-12-30")
    assert add_bank_business_days(d("2027-01-01"), 1) == d("2027-01-04")
    assert add_bank_business_days(d("2027-01-01"), -1) == d("2026-12-30")


def test_add_zero_business_days_rolls_forward() -> None:
    assert add_bank_business_days(d("2026-03-09"), 0) == d("2026-03-09")
    assert add_bank_business_days(d("2026-03-07"), 0) == d("2026-03-09")
    assert add_bank_business_days(d("2026-12-31"), 0) == d("2027-01-04")


def test_add_business_days_from_weekend() -> None:
    saturday = d("2026-03-07")
    assert add_bank_business_days(saturday, 1) == d("2026-03-09")
    assert add_bank_business_days(saturday, 2) == d("2026-03-10")
    assert add_bank_business_days(saturday, -1) == d("2026-03-06")


def test_add_business_days_rejects_non_int() -> None:
    for bad in (1.0, True, "1", None):
        with pytest.raises(DomainError) as exc:
            add_bank_business_days(d("2026-03-09"), bad)  # type: ignore[arg-type]
        assert exc.value.code == "calendar.invalid_count"


def test_business_days_between() -> None:
    # (12/25 Fri, 1/8 Fri]: 12/28, 12/29, 12/30, 1/4, 1/5, 1/6, 1/7, 1/8
    assert bank_business_days_between(d("2026-12-25"), d("2027-01-08")) == 8
    assert bank_business_days_between(d("2027-01-08"), d("2026-12-25")) == -8
    assert bank_business_days_between(d("2026-03-09"), d("2026-03-09")) == 0
    assert bank_business_days_between(d("2026-03-06"), d("2026-03-09")) == 1
    assert bank_business_days_between(d("2026-03-07"), d("2026-03-08")) == 0
    assert bank_business_days_between(d("2019-04-26"), d("2019-05-07")) == 1


# --------------------------------------------------------------------------------------
# Per-bank overrides and guards
# --------------------------------------------------------------------------------------


def test_extra_closed_and_open_days() -> None:
    cal = BankCalendar(
        extra_closed_days=frozenset({d("2026-03-09")}),
        extra_open_days=frozenset({d("2026-03-07")}),
    )
    assert not cal.is_business_day(d("2026-03-09"))
    assert cal.is_business_day(d("2026-03-07"))
    assert cal.next_business_day(d("2026-03-06")) == d("2026-03-07")
    assert cal.next_business_day(d("2026-03-07")) == d("2026-03-10")
    # The default calendar is unaffected.
    assert is_bank_business_day(d("2026-03-09"))
    assert not is_bank_business_day(d("2026-03-07"))


def test_calendar_is_frozen_hashable_and_normalises_sets() -> None:
    cal = BankCalendar(extra_closed_days={d("2026-03-09")})  # type: ignore[arg-type]
    assert isinstance(cal.extra_closed_days, frozenset)
    assert cal == BankCalendar(extra_closed_days=frozenset({d("2026-03-09")}))
    assert hash(cal) == hash(BankCalendar(extra_closed_days=frozenset({d("2026-03-09")})))
    with pytest.raises(AttributeError):
        cal.extra_closed_days = frozenset()  # type: ignore[misc]
    assert BankCalendar() == JAPAN_BANK_CALENDAR


def test_calendar_rejects_conflicting_or_bad_overrides() -> None:
    day = d("2026-03-09")
    with pytest.raises(DomainError) as exc:
        BankCalendar(extra_closed_days=frozenset({day}), extra_open_days=frozenset({day}))
    assert exc.value.code == "calendar.conflicting_overrides"
    assert "2026-03-09" in exc.value.message
    with pytest.raises(DomainError) as exc:
        BankCalendar(extra_closed_days=frozenset({"2026-03-09"}))  # type: ignore[arg-type]
    assert exc.value.code == "date.invalid_type"
    with pytest.raises(DomainError) as exc:
        BankCalendar(extra_closed_days=day)  # type: ignore[arg-type]
    assert exc.value.code == "date.invalid_type"


def test_search_is_bounded() -> None:
    start = d("2026-03-01")
    closed = frozenset(start + timedelta(days=i) for i in range(1, MAX_SEARCH_DAYS + 2))
    cal = BankCalendar(extra_closed_days=closed)
    with pytest.raises(DomainError) as exc:
        cal.next_business_day(start)
    assert exc.value.code == "calendar.no_business_day"
    assert "営業日がありません" in exc.value.message
    with pytest.raises(DomainError) as exc:
        cal.previous_business_day(start + timedelta(days=MAX_SEARCH_DAYS + 2))
    assert exc.value.code == "calendar.no_business_day"


def test_date_range_overflow() -> None:
    with pytest.raises(DomainError) as exc:
        next_bank_business_day(date.max)
    assert exc.value.code == "calendar.out_of_range"


def test_rejects_datetime_and_non_dates() -> None:
    with pytest.raises(DomainError) as exc:
        is_bank_business_day(datetime(2026, 3, 9, 10, 0))
    assert exc.value.code == "date.datetime_not_allowed"
    with pytest.raises(DomainError) as exc:
        is_bank_business_day("2026-03-09")  # type: ignore[arg-type]
    assert exc.value.code == "date.invalid_type"


@pytest.mark.parametrize(
    "call",
    [
        lambda: next_bank_business_day(datetime(2026, 3, 9)),
        lambda: previous_bank_business_day(datetime(2026, 3, 9)),
        lambda: add_bank_business_days(datetime(2026, 3, 9), 1),
        lambda: adjust_to_business_day(datetime(2026, 3, 9)),
        lambda: bank_business_days_between(datetime(2026, 3, 9), d("2026-03-10")),
    ],
)
def test_every_entry_point_rejects_datetime(call: Any) -> None:
    with pytest.raises(DomainError):
        call()


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


@FAST
@given(dates)
def test_next_business_day_properties(day: date) -> None:
    nxt = next_bank_business_day(day)
    assert nxt > day
    assert is_bank_business_day(nxt)
    between = day + timedelta(days=1)
    while between < nxt:
        assert not is_bank_business_day(between)
        between += timedelta(days=1)


@FAST
@given(dates)
def test_previous_business_day_properties(day: date) -> None:
    prev = previous_bank_business_day(day)
    assert prev < day
    assert is_bank_business_day(prev)
    assert next_bank_business_day(prev) >= day  # nothing open strictly in between
    assert bank_business_days_between(prev, day) == (1 if is_bank_business_day(day) else 0)


@FAST
@given(dates, st.integers(min_value=-40, max_value=40))
def test_add_business_days_round_trips(day: date, n: int) -> None:
    start = adjust_to_business_day(day)
    moved = add_bank_business_days(start, n)
    assert is_bank_business_day(moved)
    assert add_bank_business_days(moved, -n) == start


@FAST
@given(dates, st.integers(min_value=0, max_value=40))
def test_business_days_between_inverts_add(day: date, n: int) -> None:
    # Holds from any start date for n >= 1 (n == 0 rolls a closed day forward) ...
    if n >= 1:
        assert bank_business_days_between(day, add_bank_business_days(day, n)) == n
    # ... and for every n, either sign, from a business day.
    start = adjust_to_business_day(day)
    assert bank_business_days_between(start, add_bank_business_days(start, n)) == n
    assert bank_business_days_between(start, add_bank_business_days(start, -n)) == -n


@FAST
@given(dates, dates)
def test_business_days_between_is_antisymmetric_and_additive(a: date, b: date) -> None:
    a, b = min(a, b), max(a, b)
    b = min(b, a + timedelta(days=200))  # keep the day-by-day count fast
    mid = a + (b - a) // 2
    forward = bank_business_days_between(a, b)
    assert forward >= 0
    assert bank_business_days_between(b, a) == -forward
    assert forward == bank_business_days_between(a, mid) + bank_business_days_between(mid, b)


@FAST
@given(dates, st.sampled_from(list(BusinessDayConvention)))
def test_adjust_properties(day: date, convention: BusinessDayConvention) -> None:
    adjusted = adjust_to_business_day(day, convention)
    assert is_bank_business_day(adjusted)
    if is_bank_business_day(day):
        assert adjusted == day
    if convention is FOLLOWING:
        assert adjusted >= day
    elif convention is PRECEDING:
        assert adjusted <= day
    else:
        # Modified following never leaves the month unless the month has no later day
        # and no earlier one (impossible in practice).
        assert (adjusted.year, adjusted.month) == (day.year, day.month)


@FAST
@given(dates)
def test_weekends_and_year_end_never_business_days(day: date) -> None:
    if day.weekday() >= 5 or (day.month, day.day) in {(12, 31), (1, 1), (1, 2), (1, 3)}:
        assert not is_bank_business_day(day)
    if jpholiday.is_holiday(day):
        assert not is_bank_business_day(day)


# --- refund value dates (留保金の返還の振込指定日) -----------------------------------------


def test_a_refund_found_on_a_sunday_is_paid_on_monday() -> None:
    sunday = date(2026, 12, 6)
    assert sunday.weekday() == 6
    assert refund_value_date(today=sunday, money_arrived_on=date(2026, 12, 4)) == date(2026, 12, 7)
    assert refund_value_date(today=sunday, money_arrived_on=None) == date(2026, 12, 7)


def test_a_refund_is_not_paid_before_the_money_arrives() -> None:
    # Reconciled on Friday 4 December against a payment with value date Sunday 20 December
    # (the next business day is Monday 21st): the refund waits for the money.
    assert refund_value_date(today=date(2026, 12, 4), money_arrived_on=date(2026, 12, 20)) == date(
        2026, 12, 21
    )
    # The year-end closure: money arriving on 30 December, reconciled on 31 December.
    assert refund_value_date(today=date(2026, 12, 31), money_arrived_on=date(2026, 12, 30)) == date(
        2027, 1, 4
    )


def test_a_refund_on_a_business_day_after_arrival_is_paid_that_day() -> None:
    assert refund_value_date(today=date(2026, 12, 8), money_arrived_on=date(2026, 12, 7)) == date(
        2026, 12, 8
    )


@FAST
@given(dates, st.one_of(st.none(), dates))
def test_refund_value_date_properties(today: date, arrived: date | None) -> None:
    value = refund_value_date(today=today, money_arrived_on=arrived)
    assert is_bank_business_day(value)
    assert value >= today
    if arrived is not None:
        assert value >= arrived
    assert value == adjust_to_business_day(max(today, arrived or today))


def test_the_default_period_is_the_tokyo_month_to_date() -> None:
    from datetime import UTC

    from urikake.domain.dates import month_to_date, tokyo_date

    # 15:30 UTC on 30 November is already 1 December in Tokyo.
    late = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
    assert tokyo_date(late) == date(2026, 12, 1)
    assert month_to_date(tokyo_date(late)) == (date(2026, 12, 1), date(2026, 12, 1))
    assert month_to_date(date(2026, 12, 6)) == (date(2026, 12, 1), date(2026, 12, 6))
    with pytest.raises(DomainError):
        tokyo_date(datetime(2026, 11, 30, 15, 30))  # naive: which zone?
