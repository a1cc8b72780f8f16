"""Ledger recipes of receivables-backed loans (売掛債権担保融資).

Each business event is one pure function returning a balanced
:class:`~urikake.domain.ledger.JournalEntry` whose id names its source
(``loan:<facility>:draw:<n>`` …). Services store them with ``ledger.services.post``.

Accounts (:data:`urikake.domain.ledger.CHART`): ``loan:<client>`` 貸付金,
``interest_receivable:<client>`` 未収利息, ``interest_income`` 受取利息,
``guarantee_fee_payable:<scheme>`` 預り信用保証料 (the borrower's fee, held for the guarantor),
``guarantee_claim:<scheme>`` 代位弁済請求権 (the guarantor's coverage share after a default).

Flows:

* drawdown: Dr 貸付金 amount / Cr 預り信用保証料 fee (deducted from the first draw) /
  Cr 未払金(顧客) net — treasury's payout (``ledger.payout``) then pays the net out;
* interest accrual: Dr 未収利息 / Cr 受取利息;
* repayment from a collection (already received into 仮受金 by ``deposit_received``):
  Dr 仮受金 / Cr 未収利息, Cr 貸付金, Cr 未払金(顧客) for any surplus;
* guarantee fee remitted: Dr 預り信用保証料 / Cr 普通預金;
* default: Dr 代位弁済請求権 coverage share of the principal / Cr 貸付金 — the rest stays
  owed by the borrower (recovered from the collateral); the guarantor's payment:
  Dr 普通預金 / Cr 代位弁済請求権.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from urikake.domain.errors import DomainError
from urikake.domain.ledger import (
    SUSPENSE,
    JournalEntry,
    Leg,
    client_payable,
    journal_entry,
)
from urikake.domain.money import Rounding, apply_rate

__all__ = [
    "INTEREST_INCOME",
    "default_entries",
    "default_to_guarantor",
    "guarantee_claim",
    "guarantee_claim_paid",
    "guarantee_fee_payable",
    "guarantee_fee_remitted",
    "guarantor_payable",
    "interest_accrued",
    "interest_receivable",
    "loan_account",
    "loan_drawn",
    "loan_written_off",
    "recovery_applied",
    "repayment_applied",
    "repayment_legs",
]

INTEREST_INCOME = "interest_income"


def _part(value: str, what: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip() or ":" in value:
        raise DomainError("ledger.invalid_account_part", f"{what}の指定が正しくありません。")
    return value


def loan_account(client: str) -> str:
    """``loan:<client>`` — 貸付金 owed by a borrower."""
    return f"loan:{_part(client, '顧客')}"


def interest_receivable(client: str) -> str:
    return f"interest_receivable:{_part(client, '顧客')}"


def guarantee_fee_payable(scheme: str) -> str:
    return f"guarantee_fee_payable:{_part(scheme, '保証制度')}"


def guarantee_claim(scheme: str) -> str:
    return f"guarantee_claim:{_part(scheme, '保証制度')}"


def guarantor_payable(scheme: str) -> str:
    """``guarantor_payable:<scheme>`` — the guarantor's share of a recovery, not yet paid."""
    return f"guarantor_payable:{_part(scheme, '保証制度')}"


def _amount(value: object, what: str, *, positive: bool = True) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("ledger.invalid_amount", f"{what}は整数(円)で指定してください。")
    if value < 0 or (positive and value == 0):
        raise DomainError("ledger.nonpositive_amount", f"{what}は1円以上で指定してください。")
    return value


def _legs(*pairs: tuple[str, int]) -> list[Leg]:
    return [Leg(a, n) for a, n in pairs if n != 0]


def loan_drawn(
    id: str,
    date: date,
    *,
    client: str,
    scheme: str,
    amount: int,
    guarantee_fee: int = 0,
    description: str = "融資実行",
) -> JournalEntry:
    """融資実行: Dr 貸付金 / Cr 預り信用保証料 (fee deducted) / Cr 未払金(顧客) net."""
    principal = _amount(amount, "融資額")
    fee = _amount(guarantee_fee, "信用保証料", positive=False)
    if fee >= principal:
        raise DomainError(
            "lending.fee_exceeds_draw", "信用保証料が融資額以上のため差し引けません。"
        )
    return journal_entry(
        id,
        date,
        description,
        _legs(
            (loan_account(client), principal),
            (guarantee_fee_payable(scheme), -fee),
            (client_payable(client), -(principal - fee)),
        ),
    )


def interest_accrued(
    id: str, date: date, *, client: str, amount: int, description: str = "利息の計上"
) -> JournalEntry:
    """利息計上: Dr 未収利息 / Cr 受取利息."""
    interest = _amount(amount, "利息")
    return journal_entry(
        id,
        date,
        description,
        _legs((interest_receivable(client), interest), (INTEREST_INCOME, -interest)),
    )


def repayment_legs(*, client: str, interest: int, principal: int, surplus: int = 0) -> list[Leg]:
    """The credit legs of a repayment: interest first, principal, surplus to the client."""
    return _legs(
        (interest_receivable(client), -_amount(interest, "利息", positive=False)),
        (loan_account(client), -_amount(principal, "元本", positive=False)),
        (client_payable(client), -_amount(surplus, "返還額", positive=False)),
    )


def repayment_applied(
    id: str,
    date: date,
    *,
    client: str,
    interest: int,
    principal: int,
    surplus: int = 0,
    description: str = "回収金による返済",
) -> JournalEntry:
    """返済充当: Dr 仮受金 / Cr 未収利息, 貸付金, 未払金(顧客)."""
    legs = repayment_legs(client=client, interest=interest, principal=principal, surplus=surplus)
    total = -sum(leg.amount for leg in legs)
    if total <= 0:
        raise DomainError("lending.empty_repayment", "返済に充当する金額がありません。")
    return journal_entry(id, date, description, [Leg(SUSPENSE, total), *legs])


def recovery_applied(
    id: str,
    date: date,
    *,
    client: str,
    scheme: str,
    interest: int,
    principal: int,
    guarantor_share: int,
    surplus: int = 0,
    description: str = "代位弁済後の回収金",
) -> JournalEntry:
    """回収金の按分 after a default: Dr 仮受金 / Cr 未収利息, 貸付金 (the platform's uncovered
    share), 未払金(保証協会) (the guarantor's subrogated share), 未払金(顧客) (surplus)."""
    legs = [
        *repayment_legs(client=client, interest=interest, principal=principal, surplus=surplus),
        *_legs(
            (guarantor_payable(scheme), -_amount(guarantor_share, "保証協会分", positive=False))
        ),
    ]
    total = -sum(leg.amount for leg in legs)
    if total <= 0:
        raise DomainError("lending.empty_repayment", "充当する金額がありません。")
    return journal_entry(id, date, description, [Leg(SUSPENSE, total), *legs])


def loan_written_off(
    id: str,
    date: date,
    *,
    client: str,
    interest: int,
    principal: int,
    description: str = "貸倒償却（融資）",
) -> JournalEntry:
    """The platform's uncovered share left after the recoveries: Dr 貸倒損失 / Cr 未収利息,
    貸付金. The claim on the guarantor is not written off (the guarantor pays it)."""
    legs = repayment_legs(client=client, interest=interest, principal=principal)
    lost = -sum(leg.amount for leg in legs)
    if lost <= 0:
        raise DomainError("lending.nothing_to_write_off", "償却する残高がありません。")
    return journal_entry(id, date, description, [Leg("write_off", lost), *legs])


def guarantee_fee_remitted(
    id: str,
    date: date,
    *,
    scheme: str,
    cash_account: str,
    amount: int,
    description: str = "信用保証料の支払",
) -> JournalEntry:
    """保証料の送金: Dr 預り信用保証料 / Cr 普通預金."""
    fee = _amount(amount, "信用保証料")
    return journal_entry(
        id, date, description, _legs((guarantee_fee_payable(scheme), fee), (cash_account, -fee))
    )


def default_to_guarantor(
    id: str,
    date: date,
    *,
    client: str,
    scheme: str,
    principal: int,
    coverage: Decimal,
    description: str = "期限の利益喪失・代位弁済請求",
) -> tuple[JournalEntry, int]:
    """Default: the guarantor owes its coverage share of the outstanding principal (円未満
    切捨て): Dr 代位弁済請求権 / Cr 貸付金. Returns (entry, claim)."""
    outstanding = _amount(principal, "残元本")
    claim = apply_rate(outstanding, coverage, rounding=Rounding.TRUNCATE)
    if claim <= 0:
        raise DomainError("lending.no_claim", "代位弁済の請求額が0円です。")
    entry = journal_entry(
        id,
        date,
        description,
        _legs((guarantee_claim(scheme), claim), (loan_account(client), -claim)),
    )
    return entry, claim


def guarantee_claim_paid(
    id: str,
    date: date,
    *,
    scheme: str,
    cash_account: str,
    amount: int,
    description: str = "代位弁済の受領",
) -> JournalEntry:
    """代位弁済の受領: Dr 普通預金 / Cr 代位弁済請求権."""
    paid = _amount(amount, "代位弁済額")
    return journal_entry(
        id, date, description, _legs((cash_account, paid), (guarantee_claim(scheme), -paid))
    )


def default_entries(
    ref: str, date: date, *, client: str, scheme: str, principal: int, coverage: Decimal
) -> tuple[list[JournalEntry], int, int]:
    """The default of a loan in the shape of the product seam's ``write_off`` recipe:
    (entries, the guarantor's claim, the principal still owed by the borrower)."""
    entry, claim = default_to_guarantor(
        f"loan:{ref}:default",
        date,
        client=client,
        scheme=scheme,
        principal=principal,
        coverage=coverage,
    )
    return [entry], claim, principal - claim
