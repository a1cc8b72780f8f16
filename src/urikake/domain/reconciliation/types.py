"""Inputs, outputs and knobs of the reconciliation (消込) engine."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import overload

from urikake.domain.errors import DomainError

__all__ = [
    "DEFAULT_FEE_AMOUNTS",
    "REASONS_JA",
    "Deposit",
    "Match",
    "MatchPolicy",
    "MatchStatus",
    "OpenItem",
    "OpenItems",
    "Reason",
]

#: Transfer fees payers commonly deduct (振込手数料, 税込): 110/165/220/330/440/550/660/770/880.
DEFAULT_FEE_AMOUNTS: frozenset[int] = frozenset({110, 165, 220, 330, 440, 550, 660, 770, 880})


@dataclass(frozen=True, slots=True)
class Deposit:
    """One incoming payment on our account (a 入金 line of a statement)."""

    id: str
    value_date: date  # 勘定日
    amount: int  # yen, > 0
    payer_kana: str  # 振込依頼人名 as the bank printed it


@dataclass(frozen=True, slots=True)
class OpenItem:
    """An invoice (or what is left of it) that we expect a debtor to pay."""

    id: str
    debtor_id: str
    debtor_name: str  # as in the master (may be kanji: 株式会社ヤマダ商事)
    debtor_kana: str  # its reading (ヤマダショウジ / ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ) — what payer names are matched on
    amount: int  # open residual, yen, > 0
    due_date: date
    invoice_number: str = ""


class OpenItems(Sequence[OpenItem]):
    """Open items held as columns, one list per field of :class:`OpenItem`.

    A sequence of :class:`OpenItem` (made on access), so it goes wherever a list of items
    does; the engine reads the columns directly. A million items as objects cost a frozen
    dataclass each (~1 µs to build, read back field by field to index them): the CSV reader
    builds the columns instead (:func:`~.csvio.read_open_items_file`).
    """

    __slots__ = (
        "amounts",
        "debtor_ids",
        "debtor_kanas",
        "debtor_names",
        "due_dates",
        "ids",
        "invoice_numbers",
    )

    def __init__(
        self,
        ids: list[str],
        debtor_ids: list[str],
        debtor_names: list[str],
        debtor_kanas: list[str],
        amounts: list[int],
        due_dates: list[date],
        invoice_numbers: list[str],
    ) -> None:
        columns = (debtor_ids, debtor_names, debtor_kanas, amounts, due_dates, invoice_numbers)
        if any(len(column) != len(ids) for column in columns):
            raise ValueError("the columns of OpenItems differ in length")
        self.ids = ids
        self.debtor_ids = debtor_ids
        self.debtor_names = debtor_names
        self.debtor_kanas = debtor_kanas
        self.amounts = amounts
        self.due_dates = due_dates
        self.invoice_numbers = invoice_numbers

    @classmethod
    def of(cls, items: Iterable[OpenItem]) -> OpenItems:
        """The columns of ``items`` (an :class:`OpenItems` is returned as it is)."""
        if isinstance(items, OpenItems):
            return items
        items = items if isinstance(items, Sequence) else list(items)
        return cls(
            [it.id for it in items],
            [it.debtor_id for it in items],
            [it.debtor_name for it in items],
            [it.debtor_kana for it in items],
            [it.amount for it in items],
            [it.due_date for it in items],
            [it.invoice_number for it in items],
        )

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> OpenItem: ...

    @overload
    def __getitem__(self, index: slice) -> OpenItems: ...

    def __getitem__(self, index: int | slice) -> OpenItem | OpenItems:
        if isinstance(index, slice):
            return OpenItems(
                self.ids[index],
                self.debtor_ids[index],
                self.debtor_names[index],
                self.debtor_kanas[index],
                self.amounts[index],
                self.due_dates[index],
                self.invoice_numbers[index],
            )
        return OpenItem(
            self.ids[index],
            self.debtor_ids[index],
            self.debtor_names[index],
            self.debtor_kanas[index],
            self.amounts[index],
            self.due_dates[index],
            self.invoice_numbers[index],
        )

    def __iter__(self) -> Iterator[OpenItem]:
        return map(
            OpenItem,
            self.ids,
            self.debtor_ids,
            self.debtor_names,
            self.debtor_kanas,
            self.amounts,
            self.due_dates,
            self.invoice_numbers,
        )

    def __repr__(self) -> str:
        return f"OpenItems({len(self)} items)"


class MatchStatus(enum.StrEnum):
    AUTO = "auto"  # booked without a person: one unambiguous candidate
    SUGGESTED = "suggested"  # a person confirms or rejects the proposed items
    UNMATCHED = "unmatched"  # nothing fits; stays on the suspense list (仮受金)


class Reason(enum.StrEnum):
    """Why a deposit ended as it did (stable codes; Japanese text in :data:`REASONS_JA`)."""

    EXACT = "exact"
    FEE_DEDUCTED = "fee_deducted"
    MULTIPLE_INVOICES = "multiple_invoices"
    MULTIPLE_INVOICES_FEE_DEDUCTED = "multiple_invoices_fee_deducted"
    AMBIGUOUS_CANDIDATES = "ambiguous_candidates"
    AMBIGUOUS_DEBTOR_NAME = "ambiguous_debtor_name"
    NAME_CONFLICT = "name_conflict"
    COMBINATION_SEARCH_LIMIT = "combination_search_limit"
    COMPETING_DEPOSITS = "competing_deposits"
    OUTSIDE_DATE_WINDOW = "outside_date_window"
    PARTIAL_PAYMENT = "partial_payment"
    POSSIBLE_NAME_MATCH = "possible_name_match"
    THIRD_PARTY_AMOUNT_FIT = "third_party_amount_fit"
    DEBTOR_KNOWN_NO_AMOUNT_FIT = "debtor_known_no_amount_fit"
    NO_CANDIDATE = "no_candidate"


REASONS_JA: dict[Reason, str] = {
    Reason.EXACT: "振込依頼人名と金額が1件の請求に一致しました",
    Reason.FEE_DEDUCTED: (
        "振込依頼人名が一致し、振込手数料を差し引いた金額が1件の請求に一致しました"
    ),
    Reason.MULTIPLE_INVOICES: (
        "振込依頼人名が一致し、金額が同じ売掛先の複数の請求の合計に一致しました"
    ),
    Reason.MULTIPLE_INVOICES_FEE_DEDUCTED: (
        "振込依頼人名が一致し、振込手数料を差し引いた金額が複数の請求の合計に一致しました"
    ),
    Reason.AMBIGUOUS_CANDIDATES: (
        "金額の合う請求(の組合せ)が複数あります。どれに充てるか確認してください"
    ),
    Reason.AMBIGUOUS_DEBTOR_NAME: (
        "振込依頼人名が複数の売掛先に同じ程度に一致します。売掛先を確認してください"
    ),
    Reason.NAME_CONFLICT: (
        "金額の合う請求は、振込依頼人名により強く一致する別の売掛先のものではありません。"
        "確認してください"
    ),
    Reason.COMBINATION_SEARCH_LIMIT: (
        "未消込の請求が多く、組合せをすべては確かめられませんでした。確認してください"
    ),
    Reason.COMPETING_DEPOSITS: (
        "同じ請求に複数の入金が該当します。どの入金を充てるか確認してください"
    ),
    Reason.OUTSIDE_DATE_WINDOW: (
        "金額と名義は合いますが、入金日が支払期日から離れています。確認してください"
    ),
    Reason.PARTIAL_PAYMENT: "請求額より少ない入金です(一部入金)。残額は未消込のまま残ります",
    Reason.POSSIBLE_NAME_MATCH: "金額は合いますが、振込依頼人名の一致が弱いため確認してください",
    Reason.THIRD_PARTY_AMOUNT_FIT: (
        "振込依頼人名はどの売掛先とも一致しませんが、"
        "金額と日付の合う請求があります(第三者による支払いの可能性)"
    ),
    Reason.DEBTOR_KNOWN_NO_AMOUNT_FIT: (
        "振込依頼人は売掛先と一致しますが、金額の合う請求がありません"
    ),
    Reason.NO_CANDIDATE: "該当する請求が見つかりません",
}


@dataclass(frozen=True, slots=True)
class Match:
    """The engine's verdict on one deposit.

    ``allocations``: yen applied to each item (for ``auto`` the items' full residuals, so they
    sum to ``amount + fee_deducted``; for a partial payment the deposit amount). ``difference``:
    matched residuals − deposit amount (> 0: fee or short payment, < 0: overpayment).
    ``fee_deducted``: the part of ``difference`` taken as a payer-deducted transfer fee, for the
    caller to book to 支払手数料 or claim back. ``candidates``: how many equally good
    combinations there were (> 1 means the suggestion is one of several).
    """

    deposit_id: str
    status: MatchStatus
    item_ids: tuple[str, ...]
    allocations: tuple[tuple[str, int], ...]
    difference: int
    fee_deducted: int
    reason: str
    reason_ja: str
    score: Decimal | None = None
    candidates: int = 0


def _check_count(value: object, name: str, *, minimum: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise DomainError(
            "reconciliation.bad_policy",
            f"{name} は{minimum}以上の整数で指定してください",
            field=name,
        )


@dataclass(frozen=True, slots=True)
class MatchPolicy:
    """What the engine accepts as evidence, and how hard it searches.

    ``fee_amounts``: deductions always taken as a transfer fee; ``fee_tolerance``: any other
    deduction from 1 to this many yen also counts as a fee (0: only the listed amounts).
    ``days_early`` / ``days_late``: the value date may be this many calendar days before the
    due date / after the due date moved to a bank business day (翌営業日); outside, a fit is only
    suggested. ``payer_name_width``: the width the bank cut 振込依頼人名 at (48 in 全銀
    入出金明細 and 振込入金通知; ``None`` when unknown) — a name that fills it matches by prefix.
    ``max_subset_items``: invoices one payment may settle together; ``max_subset_pool``: the
    debtor's open items (in the date window) that combinations are drawn from — with more, the
    search is cut and nothing is booked automatically; ``max_combinations``: combinations
    tried per deposit before giving up the same way. ``max_amount_candidates``: items by
    amount alone looked at for a third-party suggestion.
    """

    fee_amounts: frozenset[int] = DEFAULT_FEE_AMOUNTS
    fee_tolerance: int = 0
    days_early: int = 45
    days_late: int = 90
    payer_name_width: int | None = 48
    max_subset_items: int = 4
    max_subset_pool: int = 20
    max_combinations: int = 20_000
    max_amount_candidates: int = 10

    def __post_init__(self) -> None:
        for amount in self.fee_amounts:
            _check_count(amount, "fee_amounts", minimum=1)
        _check_count(self.fee_tolerance, "fee_tolerance")
        _check_count(self.days_early, "days_early")
        _check_count(self.days_late, "days_late")
        if self.payer_name_width is not None:
            _check_count(self.payer_name_width, "payer_name_width", minimum=1)
        _check_count(self.max_subset_items, "max_subset_items", minimum=1)
        _check_count(self.max_subset_pool, "max_subset_pool", minimum=1)
        _check_count(self.max_combinations, "max_combinations", minimum=1)
        _check_count(self.max_amount_candidates, "max_amount_candidates", minimum=1)
        object.__setattr__(self, "fee_amounts", frozenset(self.fee_amounts))

    @property
    def max_fee(self) -> int:
        """The largest deduction that can count as a fee."""
        return max(max(self.fee_amounts, default=0), self.fee_tolerance)

    def is_fee(self, deduction: int) -> bool:
        """Whether a payer's deduction of ``deduction`` yen counts as a transfer fee."""
        return deduction in self.fee_amounts or 0 < deduction <= self.fee_tolerance
