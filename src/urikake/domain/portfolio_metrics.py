"""Portfolio metrics of the back-office dashboards, from numbers the database has already
summed (group counts and totals) — pure functions, tested from numbers.

* :func:`ratio` — a rate as ``Decimal`` (4 places, half-up), ``None`` when nothing to divide;
* :func:`funnel` — how many applications reached each stage, from counts per current status;
* :func:`approval` — approved / decided, from counts per status;
* :func:`percentile` — the nearest-rank percentile of a histogram (value → count), e.g. the
  median and p90 of the days from submission to payout;
* :func:`concentration` — the top-N share and the Herfindahl–Hirschman index (0–10,000) of
  the exposures per debtor;
* :func:`default_period` / :func:`months` — the dashboard's period (the last 12 months,
  whole months) and its month labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from urikake.domain.applications import ApplicationStatus as S

__all__ = [
    "APPROVED",
    "DECLINED",
    "FUNNEL_STAGES",
    "Concentration",
    "approval",
    "concentration",
    "default_period",
    "funnel",
    "months",
    "percentile",
    "ratio",
]

RATE_PLACES = Decimal("0.0001")

#: Decided in the applicant's favour (an offer was made), whatever happened after.
APPROVED = frozenset({S.OFFERED, S.ACCEPTED, S.CONTRACTED, S.FUNDED, S.SETTLED, S.DEFAULTED})
#: Decided against. Cancelled and expired applications are left out of the approval rate:
#: their status no longer says whether an offer had been made.
DECLINED = frozenset({S.DECLINED})

#: The funnel: each stage and the statuses of applications that reached it (a later status
#: implies the earlier stages; a cancelled or expired one counts only as submitted).
_AFTER_OFFER = frozenset({S.ACCEPTED, S.CONTRACTED, S.FUNDED, S.SETTLED, S.DEFAULTED})
_AFTER_CONTRACT = frozenset({S.FUNDED, S.SETTLED, S.DEFAULTED})
FUNNEL_STAGES: tuple[tuple[str, frozenset[S]], ...] = (
    ("申込み", frozenset(S) - {S.DRAFT}),
    ("条件提示", APPROVED),
    ("条件承諾", _AFTER_OFFER),
    ("契約締結", _AFTER_CONTRACT | {S.CONTRACTED}),
    ("資金化（送金）", _AFTER_CONTRACT),
)


def ratio(numerator: int, denominator: int) -> Decimal | None:
    """``numerator / denominator`` rounded half-up to 4 places; ``None`` if the denominator
    is 0 (no rate, rather than a made-up 0 %)."""
    if denominator < 0 or numerator < 0:
        raise ValueError("counts and amounts are not negative")
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(RATE_PLACES, ROUND_HALF_UP)


def _count(counts: Mapping[str, int], statuses: Iterable[S]) -> int:
    return sum(counts.get(s.value, 0) for s in statuses)


def funnel(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """(stage label, applications that reached it) from counts per current status."""
    return [(label, _count(counts, statuses)) for label, statuses in FUNNEL_STAGES]


def approval(counts: Mapping[str, int]) -> tuple[int, int, Decimal | None]:
    """(approved, decided, approved / decided) from counts per current status."""
    approved = _count(counts, APPROVED)
    decided = approved + _count(counts, DECLINED)
    return approved, decided, ratio(approved, decided)


def percentile(histogram: Mapping[int, int], q: int) -> int | None:
    """The nearest-rank ``q``-th percentile (1–100) of values given as value → count:
    the smallest value whose cumulative count reaches ``ceil(q/100 · n)``. ``None`` when
    the histogram is empty."""
    if not 1 <= q <= 100:
        raise ValueError("q is a percentage from 1 to 100")
    n = sum(histogram.values())
    if n == 0:
        return None
    rank = -(-q * n // 100)  # ceil without floats
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class Concentration:
    total: int
    top_n: int
    top_total: int
    top_share: Decimal | None  # top_total / total
    hhi: Decimal | None  # Σ (share in %)², 0–10,000


def concentration(exposures: Sequence[int], *, top_n: int = 5) -> Concentration:
    """Concentration of exposures (yen per debtor): the share of the ``top_n`` largest and
    the Herfindahl–Hirschman index on the 0–10,000 scale (10,000: one debtor holds all),
    exact in ``Decimal`` then rounded half-up to 2 places."""
    if any(e < 0 for e in exposures):
        raise ValueError("exposures are not negative")
    total = sum(exposures)
    top_total = sum(sorted(exposures, reverse=True)[:top_n])
    if total == 0:
        return Concentration(0, top_n, 0, None, None)
    hhi = Decimal(sum(e * e for e in exposures) * 10_000) / Decimal(total * total)
    return Concentration(
        total,
        top_n,
        top_total,
        ratio(top_total, total),
        hhi.quantize(Decimal("0.01"), ROUND_HALF_UP),
    )


def _add_months(day: date, n: int) -> date:
    index = day.year * 12 + day.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months as whole months: the first day of the month 11 months before
    ``today``'s, to ``today`` (both included)."""
    return _add_months(today.replace(day=1), -11), today


def months(start: date, end: date) -> list[date]:
    """The first day of each month from ``start``'s to ``end``'s (both included)."""
    if end < start:
        raise ValueError("the period ends before it starts")
    out = []
    month = start.replace(day=1)
    while month <= end:
        out.append(month)
        month = _add_months(month, 1)
    return out
