"""Business dates: the one check that a value is a calendar ``date`` (not a ``datetime``).

Due dates, value dates and day counts are calendar dates in Japan. ``datetime`` is a subclass
of ``date``; accepting it would quietly mix times and time zones into date arithmetic, so
every domain function that takes a business date checks it here.
"""

from __future__ import annotations

from datetime import date, datetime

from urikake.domain.errors import DomainError


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
