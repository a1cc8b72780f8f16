"""Ledger recipes of bulk factoring (一括ファクタリング, docs/bulk.md).

Each business event is one pure function returning a balanced
:class:`~urikake.domain.ledger.JournalEntry` whose id names its source
(``bulk:<payable>:early`` …). Services store them with ``ledger.services.post``.

Accounts: ``bulk_receivable:<buyer>`` 一括買取債権 (a supplier's receivable the platform bought
early, owed by the buyer), ``bulk_discount_income`` 割引料収入(一括),
``bulk_fee_receivable:<buyer>`` 未収利用料(一括), ``bulk_fee_income`` 利用料収入(一括), and the
shared ``payable:<supplier>`` 未払金(顧客) / ``suspense`` 仮受金.

Flows:

* early payment: Dr 一括買取債権 face / Cr 割引料収入 discount / Cr 未払金(仕入先) net — the
  treasury payout (``ledger.payout``) then pays the net out;
* the buyer's payment on the due date (received into 仮受金 by ``deposit_received``):
  Dr 仮受金 total / Cr 一括買取債権 (the discounted ones) / Cr 未払金(仕入先) face of each
  payable nobody discounted — paid out in one 総合振込 file;
* monthly fee: Dr 未収利用料 / Cr 利用料収入; its payment: Dr 仮受金 / Cr 未収利用料;
* the buyer's default on a bought receivable: Dr 貸倒損失 / Cr 一括買取債権.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from urikake.domain.errors import DomainError
from urikake.domain.ledger import (
    SUSPENSE,
    WRITE_OFF,
    JournalEntry,
    Leg,
    client_payable,
    journal_entry,
)

__all__ = [
    "DISCOUNT_INCOME",
    "FEE_INCOME",
    "bulk_receivable",
    "buyer_default_entries",
    "early_purchase",
    "fee_invoiced",
    "fee_paid",
    "fee_receivable",
    "settlement_applied",
    "settlement_legs",
]

DISCOUNT_INCOME = "bulk_discount_income"
FEE_INCOME = "bulk_fee_income"


def _part(value: str, what: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip() or ":" in value:
        raise DomainError("ledger.invalid_account_part", f"{what}の指定が正しくありません。")
    return value


def bulk_receivable(buyer: str) -> str:
    """``bulk_receivable:<buyer>`` — receivables bought early, owed by the buyer."""
    return f"bulk_receivable:{_part(buyer, '支払企業')}"


def fee_receivable(buyer: str) -> str:
    return f"bulk_fee_receivable:{_part(buyer, '支払企業')}"


def _amount(value: object, what: str, *, positive: bool = True) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("ledger.invalid_amount", f"{what}は整数(円)で指定してください。")
    if value < 0 or (positive and value == 0):
        raise DomainError("ledger.nonpositive_amount", f"{what}は1円以上で指定してください。")
    return value


def _legs(*pairs: tuple[str, int]) -> list[Leg]:
    return [Leg(a, n) for a, n in pairs if n != 0]


def early_purchase(
    id: str,
    date: date,
    *,
    buyer: str,
    supplier: str,
    face: int,
    discount: int,
    description: str = "一括ファクタリング 早期支払",
) -> JournalEntry:
    """早期支払: Dr 一括買取債権 face / Cr 割引料収入 discount / Cr 未払金(仕入先) net."""
    whole = _amount(face, "額面")
    cut = _amount(discount, "割引料", positive=False)
    if cut >= whole:
        raise DomainError("bulk.discount_exceeds_face", "割引料が額面以上です。")
    return journal_entry(
        id,
        date,
        description,
        _legs(
            (bulk_receivable(buyer), whole),
            (DISCOUNT_INCOME, -cut),
            (client_payable(supplier), -(whole - cut)),
        ),
    )


def settlement_legs(*, buyer: str, bought: int, to_suppliers: Mapping[str, int]) -> list[Leg]:
    """The credit legs of a buyer's due-date payment: Cr 一括買取債権 ``bought`` (the face of
    the payables bought early), Cr 未払金 of each supplier paid at maturity."""
    legs = [Leg(bulk_receivable(buyer), -_amount(bought, "買取済み額", positive=False))]
    for supplier, amount in sorted(to_suppliers.items()):
        legs.append(Leg(client_payable(supplier), -_amount(amount, "仕入先への支払額")))
    return [leg for leg in legs if leg.amount != 0]


def settlement_applied(
    id: str,
    date: date,
    *,
    buyer: str,
    bought: int,
    to_suppliers: Mapping[str, int],
    description: str = "一括ファクタリング 期日決済",
) -> JournalEntry:
    """期日決済: Dr 仮受金 total / Cr 一括買取債権 / Cr 未払金(仕入先) each."""
    legs = settlement_legs(buyer=buyer, bought=bought, to_suppliers=to_suppliers)
    total = -sum(leg.amount for leg in legs)
    if total <= 0:
        raise DomainError("bulk.empty_settlement", "この期日に決済する明細がありません。")
    return journal_entry(id, date, description, [Leg(SUSPENSE, total), *legs])


def fee_invoiced(
    id: str, date: date, *, buyer: str, amount: int, description: str = "一括ファクタリング 利用料"
) -> JournalEntry:
    """利用料の請求: Dr 未収利用料 / Cr 利用料収入."""
    fee = _amount(amount, "利用料")
    return journal_entry(
        id, date, description, _legs((fee_receivable(buyer), fee), (FEE_INCOME, -fee))
    )


def fee_paid(
    id: str, date: date, *, buyer: str, amount: int, description: str = "利用料の入金"
) -> JournalEntry:
    """利用料の入金 (already in 仮受金): Dr 仮受金 / Cr 未収利用料."""
    fee = _amount(amount, "入金額")
    return journal_entry(
        id, date, description, _legs((SUSPENSE, fee), (fee_receivable(buyer), -fee))
    )


def buyer_default_entries(
    ref: str, date: date, *, client: str, debtor: str, residual: int, holdback_available: int = 0
) -> tuple[list[JournalEntry], int, int]:
    """The buyer does not pay a bought receivable: 貸倒損失 / 一括買取債権 (no holdback: the
    supplier was paid the net and owes nothing back — the buyer's risk is the platform's).
    ``client`` is the buyer here. Returns (entries, offset 0, loss)."""
    del debtor, holdback_available  # the buyer is the debtor; nothing is held back
    loss = _amount(residual, "償却額")
    entry = journal_entry(
        f"write_off:{ref}",
        date,
        "一括ファクタリング 貸倒償却",
        _legs((WRITE_OFF, loss), (bulk_receivable(client), -loss)),
    )
    return [entry], 0, loss
