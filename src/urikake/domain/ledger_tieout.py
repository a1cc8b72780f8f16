"""Cash tie-out (預金残高照合): the ledger's cash account against the bank statement, per day.

For each business day in a period, the sum of the ledger's movements on one cash account
(普通預金) is compared with the sum of the bank statement's movements for that account. Items
are matched one to one by exact amount within the same day; what is left on either side is
*unexplained* (未照合) — a payout booked but not yet on the statement, a fee the bank charged
that nobody booked, a collection not yet posted.

Amounts are signed yen: positive = money in (入金), negative = money out (出金), which is the
debit-positive sign of an asset account in :mod:`urikake.domain.ledger`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from urikake.domain.dates import require_date
from urikake.domain.errors import DomainError

__all__ = ["Movement", "TieOut", "TieOutDay", "tie_out"]


@dataclass(frozen=True, slots=True)
class Movement:
    """One movement: a ledger leg (reference = entry id) or a bank line (reference = 摘要)."""

    date: date
    amount: int
    reference: str


@dataclass(frozen=True, slots=True)
class TieOutDay:
    date: date
    ledger_total: int
    bank_total: int
    difference: int  # bank − ledger
    unexplained_ledger: tuple[Movement, ...]
    unexplained_bank: tuple[Movement, ...]

    @property
    def tied(self) -> bool:
        """Totals agree and every item found its counterpart."""
        return self.difference == 0 and not self.unexplained_ledger and not self.unexplained_bank


@dataclass(frozen=True, slots=True)
class TieOut:
    account: str
    date_from: date
    date_to: date
    days: tuple[TieOutDay, ...]  # only days with a movement on either side, in date order
    ledger_total: int
    bank_total: int
    difference: int  # bank − ledger over the period

    @property
    def tied(self) -> bool:
        return all(day.tied for day in self.days)


def _movement(raw: Movement | tuple[date, int, str], side: str, index: int) -> Movement:
    field = f"{side}[{index}]"
    item = raw if isinstance(raw, Movement) else Movement(*raw)
    on = require_date(item.date, field)
    if isinstance(item.amount, bool) or not isinstance(item.amount, int):
        raise DomainError(
            "tieout.invalid_amount", "照合する金額は整数(円)で指定してください。", field=field
        )
    return Movement(on, int(item.amount), str(item.reference))


def _match(
    ledger: list[Movement], bank: list[Movement]
) -> tuple[tuple[Movement, ...], tuple[Movement, ...]]:
    """Pair items of equal amount (first come, first paired); return the leftovers."""
    waiting: dict[int, list[int]] = defaultdict(list)
    for i, item in enumerate(ledger):
        waiting[item.amount].append(i)
    paired: set[int] = set()
    left_bank: list[Movement] = []
    for item in bank:
        candidates = waiting.get(item.amount)
        if candidates:
            paired.add(candidates.pop(0))
        else:
            left_bank.append(item)
    left_ledger = tuple(item for i, item in enumerate(ledger) if i not in paired)
    return left_ledger, tuple(left_bank)


def tie_out(
    account: str,
    ledger: Iterable[Movement | tuple[date, int, str]],
    bank: Iterable[Movement | tuple[date, int, str]],
    *,
    date_from: date,
    date_to: date,
) -> TieOut:
    """Compare ledger and bank movements day by day within ``date_from``..``date_to``.

    Movements dated outside the period are left out (callers may pass whole imported
    statements), and so are 0-yen lines, which move nothing. Non-integer yen are refused.
    """
    start = require_date(date_from, "date_from")
    end = require_date(date_to, "date_to")
    if start > end:
        raise DomainError("tieout.invalid_period", "照合期間の開始日が終了日より後になっています。")
    by_day: dict[date, tuple[list[Movement], list[Movement]]] = defaultdict(lambda: ([], []))
    for i, raw in enumerate(ledger):
        item = _movement(raw, "ledger", i)
        if item.amount and start <= item.date <= end:
            by_day[item.date][0].append(item)
    for i, raw in enumerate(bank):
        item = _movement(raw, "bank", i)
        if item.amount and start <= item.date <= end:
            by_day[item.date][1].append(item)
    days: list[TieOutDay] = []
    for day in sorted(by_day):
        ledger_items, bank_items = by_day[day]
        ledger_total = sum(m.amount for m in ledger_items)
        bank_total = sum(m.amount for m in bank_items)
        left_ledger, left_bank = _match(ledger_items, bank_items)
        days.append(
            TieOutDay(
                day, ledger_total, bank_total, bank_total - ledger_total, left_ledger, left_bank
            )
        )
    ledger_sum = sum(d.ledger_total for d in days)
    bank_sum = sum(d.bank_total for d in days)
    return TieOut(account, start, end, tuple(days), ledger_sum, bank_sum, bank_sum - ledger_sum)
