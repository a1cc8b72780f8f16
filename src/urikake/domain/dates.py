"""Business dates: the one check that a value is a calendar ``date`` (not a ``datetime``).

Due dates, value dates and day counts are calendar dates in Japan. ``datetime`` is a subclass
of ``date``; accepting it would quietly mix times and time zones into date arithmetic, so
every domain function that takes a business date checks it here.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from urikake.domain.errors import DomainError

#: Business dates are dates in Japan, whatever the server's TIME_ZONE says.
TOKYO = ZoneInfo("Asia/Tokyo")


def require_date(value: object, field: str) -> date:
    if isinstance(value, datetime):
        raise DomainError(
            "date.datetime_not_allowed",
            "日付には date を指定してください(datetime は使えません)。",
            field=field,
        )
    if not isinstance(value, date):
        raise DomainError("date.invalid_type", "日付を指定してください。", field=field)
    return value


def tokyo_date(moment: datetime) -> date:
    """The calendar date in Asia/Tokyo of an aware ``moment`` (a UTC timestamp, say)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise DomainError(
            "date.naive_datetime", "タイムゾーン付きの日時を指定してください。", field="moment"
        )
    return moment.astimezone(TOKYO).date()


def month_to_date(today: date) -> tuple[date, date]:
    """The default reporting period: the first of ``today``'s month to ``today`` (当月初〜本日)."""
    today = require_date(today, "today")
    return today.replace(day=1), today
