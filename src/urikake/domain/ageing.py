"""Overdue ageing (延滞債権の年齢分析) and the reminder schedule of purchased receivables.

Pure rules, shared by the back-office ageing page, its CSV, the reminder run and the tests:

* :func:`collection_deadline` — the day a purchased receivable must be with the platform:
  three-party (3社間) the debtor pays the platform on ``expected_on``; two-party (2社間) the
  client must forward what it collected by ``forward_due_on`` (set when the client reports the
  receipt), or, before any report, ``expected_on`` plus the forwarding days (bank business
  days), because the debtor was due to pay the client on ``expected_on``.
* :func:`bucket_for` / :func:`age` — days past that deadline, grouped into the buckets
  期日未到来 / 1–30 / 31–60 / 61–90 / 91 日超, summed per client and per debtor. Amounts are
  exact yen ``int`` (the residual of each item); nothing is rounded.
* :func:`reminder_plan` — which reminder step (if any) is due today and whether the item is
  to be escalated; at most one reminder per step and never two on one day.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from urikake.domain.dates import require_date
from urikake.domain.errors import DomainError
from urikake.domain.products import ProductId, spec

__all__ = [
    "BUCKETS",
    "AgeingItem",
    "AgeingReport",
    "AgeingRow",
    "Bucket",
    "ReminderPlan",
    "age",
    "bucket_for",
    "collection_deadline",
    "days_past_due",
    "reminder_plan",
]


class Bucket(enum.Enum):
    """Ageing buckets by whole days past the deadline (the deadline day itself is day 0)."""

    NOT_DUE = "not_due"
    DAYS_0_30 = "0_30"
    DAYS_31_60 = "31_60"
    DAYS_61_90 = "61_90"
    DAYS_90_PLUS = "90_plus"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def overdue(self) -> bool:
        return self is not Bucket.NOT_DUE


_LABELS = {
    Bucket.NOT_DUE: "期日未到来",
    Bucket.DAYS_0_30: "30日以内",
    Bucket.DAYS_31_60: "31〜60日",
    Bucket.DAYS_61_90: "61〜90日",
    Bucket.DAYS_90_PLUS: "90日超",
}

#: The buckets in display order (columns of the ageing table and of its CSV).
BUCKETS: tuple[Bucket, ...] = tuple(Bucket)


def collection_deadline(
    product: ProductId | str, expected_on: date, forward_due_on: date | None, *, forward_days: int
) -> date:
    """The day the money is due to the platform: the product's ageing plan decides (see the
    module docstring)."""
    try:
        plan = spec(product).ageing
    except DomainError:
        raise DomainError(
            "ageing.unknown_product", f"商品の種類が正しくありません: {product}"
        ) from None
    return plan.deadline(expected_on, forward_due_on, forward_days=forward_days)


def days_past_due(deadline: date, as_of: date) -> int:
    """Calendar days from ``deadline`` to ``as_of`` (0 on the deadline, negative before it)."""
    return (require_date(as_of, "as_of") - require_date(deadline, "deadline")).days


def bucket_for(days: int) -> Bucket:
    """The bucket of an item ``days`` past due: ≤ 0 not yet overdue, then 1–30, 31–60,
    61–90 and 91 and more ("90日超")."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise DomainError("ageing.days", "延滞日数は整数で指定してください。")
    if days <= 0:
        return Bucket.NOT_DUE
    if days <= 30:
        return Bucket.DAYS_0_30
    if days <= 60:
        return Bucket.DAYS_31_60
    if days <= 90:
        return Bucket.DAYS_61_90
    return Bucket.DAYS_90_PLUS


@dataclass(frozen=True, slots=True)
class AgeingItem:
    """One open purchased receivable: who owes it, how much is still open, and by when."""

    id: int
    client: str
    debtor: str
    amount: int  # residual yen
    deadline: date


@dataclass(frozen=True, slots=True)
class AgeingRow:
    """Residual yen and item counts per bucket (in :data:`BUCKETS` order) for one key."""

    key: str
    amounts: tuple[int, ...]
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.amounts)

    @property
    def count(self) -> int:
        return sum(self.counts)

    @property
    def overdue_total(self) -> int:
        return sum(a for b, a in zip(BUCKETS, self.amounts, strict=True) if b.overdue)

    def amount(self, bucket: Bucket) -> int:
        return self.amounts[BUCKETS.index(bucket)]

    def cells(self) -> list[tuple[Bucket, int, int]]:
        """(bucket, amount, count) in display order — what a template iterates over."""
        return list(zip(BUCKETS, self.amounts, self.counts, strict=True))


@dataclass(frozen=True, slots=True)
class AgeingReport:
    as_of: date
    by_client: tuple[AgeingRow, ...]
    by_debtor: tuple[AgeingRow, ...]
    total: AgeingRow
    buckets: tuple[Bucket, ...] = field(default=BUCKETS)


@dataclass
class _Acc:
    amounts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS))

    def add(self, index: int, amount: int) -> None:
        self.amounts[index] += amount
        self.counts[index] += 1

    def row(self, key: str) -> AgeingRow:
        return AgeingRow(key, tuple(self.amounts), tuple(self.counts))


def _check(item: AgeingItem) -> None:
    if isinstance(item.amount, bool) or not isinstance(item.amount, int):
        raise DomainError("ageing.amount", "金額は整数(円)で指定してください。", field="amount")
    if item.amount < 0:
        raise DomainError("ageing.amount", "残高に負の値は使えません。", field="amount")
    require_date(item.deadline, "deadline")


def age(items: Iterable[AgeingItem], as_of: date) -> AgeingReport:
    """The ageing table on ``as_of``: rows per client and per debtor (sorted by key), and the
    grand total. Items with nothing left open (amount 0) are left out."""
    require_date(as_of, "as_of")
    clients: dict[str, _Acc] = {}
    debtors: dict[str, _Acc] = {}
    total = _Acc()
    for item in items:
        _check(item)
        if item.amount == 0:
            continue
        index = BUCKETS.index(bucket_for(days_past_due(item.deadline, as_of)))
        clients.setdefault(item.client, _Acc()).add(index, item.amount)
        debtors.setdefault(item.debtor, _Acc()).add(index, item.amount)
        total.add(index, item.amount)
    return AgeingReport(
        as_of,
        tuple(acc.row(key) for key, acc in sorted(clients.items())),
        tuple(acc.row(key) for key, acc in sorted(debtors.items())),
        total.row("合計"),
    )


@dataclass(frozen=True, slots=True)
class ReminderPlan:
    """What the daily run does for one item: send reminder ``step`` (1-based; ``None`` =
    none today), record that ``steps_reached`` steps are done, and whether to escalate."""

    step: int | None
    steps_reached: int
    escalate: bool

    @property
    def acts(self) -> bool:
        """Whether the run has anything to do for this item."""
        return self.step is not None or self.escalate


def reminder_plan(
    days: int,
    *,
    steps: Sequence[int],
    sent: int,
    last_sent_on: date | None,
    today: date,
    escalate_after: int,
    escalated: bool,
) -> ReminderPlan:
    """The reminder due for an item ``days`` past its deadline.

    ``steps`` are the configured days past due (e.g. 1, 7, 14). A step is due once its day is
    reached and it has not been sent. When the run missed days and several steps are due at
    once, one reminder (the latest step) is sent and the earlier ones count as done, so a
    client never gets a burst of mails. Nothing is sent twice on the same day. Escalation
    happens once, from ``escalate_after`` days past due on.
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise DomainError("ageing.days", "延滞日数は整数で指定してください。")
    ordered = sorted(set(steps))
    if any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in ordered):
        raise DomainError("ageing.steps", "督促日は1以上の整数で指定してください。")
    reached = sum(1 for s in ordered if s <= days)
    step: int | None = None
    if reached > sent and last_sent_on != today:
        step = reached
    return ReminderPlan(
        step=step,
        steps_reached=max(reached, sent) if step is not None else sent,
        escalate=not escalated and days >= escalate_after,
    )
