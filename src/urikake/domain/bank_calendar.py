"""Japanese bank business days (銀行営業日) and business-day conventions.

Use this module whenever a date has to be a day on which Japanese banks settle: moving a
due date (支払期日) that falls on a holiday, counting T+n days for a payout, or counting
business days in a period. Do not test ``weekday()`` or holidays by hand elsewhere.

The rules, and where they come from:

* 銀行法 第15条 limits bank holidays to Sundays and days set by cabinet order, and
  銀行法施行令 第5条 sets them: **Saturdays, national holidays, and 12月31日 to 1月3日**.
* National holidays are those of 国民の祝日に関する法律 (昭和23年法律第178号) — the named
  祝日 (第2条), the 振替休日 when a 祝日 falls on a Sunday (第3条第2項) and the 国民の休日
  sandwiched between two 祝日 (第3条第3項) — plus one-off days set by special laws, such
  as the 2019 imperial accession (天皇の即位の日及び即位礼正殿の儀の行われる日を休日とする
  法律). These come from the ``jpholiday`` package, which implements all of them.
* A bank's own closures (system migration, disaster) go in
  :attr:`BankCalendar.extra_closed_days`; the rare day a bank opens although it would be
  closed goes in :attr:`BankCalendar.extra_open_days`.
* Conventions for a non-business day: FOLLOWING (翌営業日) is the default for due dates
  and is what 手形法 第72条 and most 取引約定 provide; PRECEDING (前営業日) applies only
  where the contract so agrees; MODIFIED_FOLLOWING keeps month-end dates in their month.

Bad input raises :class:`urikake.domain.errors.DomainError` with a ``calendar.*`` code and
a Japanese message.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

import jpholiday

from urikake.domain.dates import require_date
from urikake.domain.errors import DomainError

__all__ = [
    "JAPAN_BANK_CALENDAR",
    "MAX_SEARCH_DAYS",
    "BankCalendar",
    "BusinessDayConvention",
    "add_bank_business_days",
    "adjust_to_business_day",
    "bank_business_days_between",
    "is_bank_business_day",
    "next_bank_business_day",
    "previous_bank_business_day",
    "refund_value_date",
]

#: How far :meth:`BankCalendar.next_business_day` and friends look before giving up.
#: The longest statutory closure so far is the ten days of Golden Week 2019
#: (4/27–5/6), so 30 days only trips on a misconfigured ``extra_closed_days``.
MAX_SEARCH_DAYS = 30

_ONE_DAY = timedelta(days=1)

#: (month, day) of the year-end/new-year closure (銀行法施行令 第5条).
_YEAR_END_CLOSURE = frozenset({(12, 31), (1, 1), (1, 2), (1, 3)})


class BusinessDayConvention(enum.Enum):
    """What to do with a date that is not a business day."""

    #: 翌営業日 — move to the next business day. The default for due dates.
    FOLLOWING = "following"
    #: 前営業日 — move to the previous business day (only where the contract says so).
    PRECEDING = "preceding"
    #: Following, unless that lands in the next month; then preceding.
    MODIFIED_FOLLOWING = "modified_following"


def _step(d: date, delta: timedelta) -> date:
    try:
        return d + delta
    except OverflowError:
        raise DomainError(
            "calendar.out_of_range",
            "扱える日付の範囲を超えました。",
        ) from None


@functools.lru_cache(maxsize=8192)
def _is_standard_bank_business_day(d: date) -> bool:
    """Business day under the statutory rules alone (no per-bank overrides).

    Cached because ``jpholiday`` takes tens of microseconds per lookup and the same dates
    are asked about again and again. The cache assumes nobody calls
    ``jpholiday.register`` at run time; bank-specific days belong in ``BankCalendar``.
    """
    if d.weekday() >= 5:  # Saturday (銀行法施行令 第5条) or Sunday (銀行法 第15条)
        return False
    if (d.month, d.day) in _YEAR_END_CLOSURE:
        return False
    return not jpholiday.is_holiday(d)


def _as_date_set(values: Iterable[date], name: str) -> frozenset[date]:
    if isinstance(values, str | bytes | date):
        raise DomainError("date.invalid_type", "日付の集合を指定してください。", field=name)
    return frozenset(require_date(v, name) for v in values)


@dataclass(frozen=True)
class BankCalendar:
    """A Japanese bank calendar: the statutory closures plus optional per-bank overrides.

    ``extra_closed_days`` are closed even if the statute says open (a bank's own
    closure); ``extra_open_days`` are open even if the statute says closed. The same day
    may not be in both. Any iterable of dates is accepted and stored as a ``frozenset``.
    """

    extra_closed_days: frozenset[date] = field(default_factory=frozenset)
    extra_open_days: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        closed = _as_date_set(self.extra_closed_days, "extra_closed_days")
        opened = _as_date_set(self.extra_open_days, "extra_open_days")
        both = closed & opened
        if both:
            days = "、".join(d.isoformat() for d in sorted(both))
            raise DomainError(
                "calendar.conflicting_overrides",
                f"同じ日が休業日と営業日の両方に指定されています({days})。",
            )
        # Frozen dataclass: normalising a field needs object.__setattr__.
        object.__setattr__(self, "extra_closed_days", closed)
        object.__setattr__(self, "extra_open_days", opened)

    def is_business_day(self, d: date) -> bool:
        """Whether banks are open on ``d``."""
        day = require_date(d, "d")
        if day in self.extra_open_days:
            return True
        if day in self.extra_closed_days:
            return False
        return _is_standard_bank_business_day(day)

    def _search(self, start: date, delta: timedelta) -> date:
        # start itself is not examined: the search is strictly after/before it.
        day = start
        for _ in range(MAX_SEARCH_DAYS):
            day = _step(day, delta)
            if self.is_business_day(day):
                return day
        direction = "後" if delta > timedelta(0) else "前"
        raise DomainError(
            "calendar.no_business_day",
            f"{start.isoformat()} の{direction}{MAX_SEARCH_DAYS}日以内に銀行営業日がありません。"
            "休業日の設定を確認してください。",
        )

    def next_business_day(self, d: date) -> date:
        """The first business day strictly after ``d``."""
        return self._search(require_date(d, "d"), _ONE_DAY)

    def previous_business_day(self, d: date) -> date:
        """The last business day strictly before ``d``."""
        return self._search(require_date(d, "d"), -_ONE_DAY)

    def add_business_days(self, d: date, n: int) -> date:
        """Move ``n`` business days from ``d`` (T+n); ``n`` may be negative or zero.

        For ``n > 0`` the result is the n-th business day strictly after ``d``, for
        ``n < 0`` the |n|-th strictly before, whether or not ``d`` itself is a business
        day (so Saturday + 1 is the following Monday, if that is open). For ``n == 0`` the
        result is ``d`` if it is a business day and otherwise the following business day
        (the FOLLOWING convention), so the result is always a business day.
        """
        day = require_date(d, "d")
        if isinstance(n, bool) or not isinstance(n, int):
            raise DomainError(
                "calendar.invalid_count", "営業日数は整数で指定してください。", field="n"
            )
        if n == 0:
            return self.adjust(day, BusinessDayConvention.FOLLOWING)
        step = self.next_business_day if n > 0 else self.previous_business_day
        for _ in range(abs(n)):
            day = step(day)
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """The number of business days in ``(start, end]`` (start excluded, end included).

        This is the inverse of :meth:`add_business_days`:
        ``business_days_between(d, add_business_days(d, n)) == n`` for every ``d`` when
        ``n >= 0``. If ``end`` is before ``start`` the result is minus the count in
        ``(end, start]``, so the identity also holds for negative ``n`` when ``d`` is a
        business day.
        """
        first = require_date(start, "start")
        last = require_date(end, "end")
        if last < first:
            return -self.business_days_between(last, first)
        count = 0
        day = first
        while day < last:
            day += _ONE_DAY
            if self.is_business_day(day):
                count += 1
        return count

    def adjust(
        self,
        d: date,
        convention: BusinessDayConvention = BusinessDayConvention.FOLLOWING,
    ) -> date:
        """``d`` if it is a business day, otherwise moved according to ``convention``."""
        day = require_date(d, "d")
        if not isinstance(convention, BusinessDayConvention):
            raise DomainError(
                "calendar.invalid_convention",
                "営業日の調整方法を BusinessDayConvention で指定してください。",
                field="convention",
            )
        if self.is_business_day(day):
            return day
        if convention is BusinessDayConvention.PRECEDING:
            return self.previous_business_day(day)
        following = self.next_business_day(day)
        if convention is BusinessDayConvention.MODIFIED_FOLLOWING and (
            (following.year, following.month) != (day.year, day.month)
        ):
            return self.previous_business_day(day)
        return following


#: The statutory Japanese bank calendar with no per-bank overrides.
JAPAN_BANK_CALENDAR = BankCalendar()


def is_bank_business_day(d: date) -> bool:
    """Whether Japanese banks are open on ``d`` (:data:`JAPAN_BANK_CALENDAR`)."""
    return JAPAN_BANK_CALENDAR.is_business_day(d)


def next_bank_business_day(d: date) -> date:
    """The first Japanese bank business day strictly after ``d``."""
    return JAPAN_BANK_CALENDAR.next_business_day(d)


def previous_bank_business_day(d: date) -> date:
    """The last Japanese bank business day strictly before ``d``."""
    return JAPAN_BANK_CALENDAR.previous_business_day(d)


def add_bank_business_days(d: date, n: int) -> date:
    """``d`` moved ``n`` Japanese bank business days.

    See :meth:`BankCalendar.add_business_days` (``n == 0`` rolls forward to a business day).
    """
    return JAPAN_BANK_CALENDAR.add_business_days(d, n)


def bank_business_days_between(start: date, end: date) -> int:
    """Japanese bank business days in ``(start, end]``.

    See :meth:`BankCalendar.business_days_between`.
    """
    return JAPAN_BANK_CALENDAR.business_days_between(start, end)


def adjust_to_business_day(
    d: date,
    convention: BusinessDayConvention = BusinessDayConvention.FOLLOWING,
) -> date:
    """``d`` adjusted to a Japanese bank business day; FOLLOWING (翌営業日) by default."""
    return JAPAN_BANK_CALENDAR.adjust(d, convention)


def refund_value_date(*, today: date, money_arrived_on: date | None) -> date:
    """振込指定日 of a refund (留保金の返還) paid out of money a debtor sent.

    The first bank business day that is neither before today nor before the day the money
    arrived on the platform's account (its value date): a release found on a Sunday is paid
    on Monday; a payment booked with a future value date is not refunded before it arrives.
    Without an arrival (a holdback released after a write-off) it is the first business day
    from today.
    """
    today = require_date(today, "today")
    start = today
    if money_arrived_on is not None:
        start = max(today, require_date(money_arrived_on, "money_arrived_on"))
    return adjust_to_business_day(start)
