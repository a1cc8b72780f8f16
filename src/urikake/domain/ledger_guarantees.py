"""Ledger recipes of guarantee factoring (保証ファクタリング).

One pure function per business event, each returning a balanced
:class:`~urikake.domain.ledger.JournalEntry` whose id names its source
(``guarantee:<contract>:issue`` …). The app stores them with ``ledger.services.post``.

Accounts (:data:`urikake.domain.ledger.CHART`):

* ``premium_receivable:<client>`` 未収保証料 — the premium invoiced, until the client pays;
* ``unearned_premium`` 前受保証料 — premium not yet earned (the risk still runs);
* ``premium_income`` 保証料収益 — earned evenly over the term (docs/guarantees.md says why);
* ``guarantee_memo_asset`` / ``guarantee_memo`` 保証債務見返 / 保証債務 — the contingent
  liability as a memo pair (対照勘定): both sides grow by the guaranteed amount at issue and
  shrink together at expiry, settlement or payment, so the books show what the platform
  stands behind without changing its net assets;
* ``subrogated_receivable:<client>`` 求償債権 — the receivable the platform takes over when it
  pays a claim; recoveries and any final loss (貸倒損失) come off it.

Flows: issue (Dr 未収保証料 / Cr 前受保証料 and Dr 保証債務見返 / Cr 保証債務); premium paid
(Dr 普通預金 / Cr 未収保証料); premium earned (Dr 前受保証料 / Cr 保証料収益); release of the
contingent liability (Dr 保証債務 / Cr 保証債務見返); claim paid (Dr 求償債権 / Cr 未払金(顧客),
then treasury's payout Dr 未払金 / Cr 普通預金); recovery (Dr 普通預金 / Cr 求償債権); the
unrecoverable rest (Dr 貸倒損失 / Cr 求償債権).
"""

from __future__ import annotations

from datetime import date

from urikake.domain.errors import DomainError
from urikake.domain.ledger import JournalEntry, Leg, client_payable, journal_entry

__all__ = [
    "MEMO",
    "MEMO_ASSET",
    "PREMIUM_INCOME",
    "UNEARNED_PREMIUM",
    "claim_paid",
    "contingent_released",
    "guarantee_issued",
    "loss_entries",
    "premium_charged",
    "premium_earned",
    "premium_paid",
    "premium_receivable",
    "recovery_legs",
    "recovery_received",
    "recovery_written_off",
    "subrogated_receivable",
]

UNEARNED_PREMIUM = "unearned_premium"
PREMIUM_INCOME = "premium_income"
MEMO_ASSET = "guarantee_memo_asset"
MEMO = "guarantee_memo"
WRITE_OFF = "write_off"


def _part(value: str) -> str:
    if not isinstance(value, str) or not value or value != value.strip() or ":" in value:
        raise DomainError("ledger.invalid_account_part", "顧客の指定が正しくありません。")
    return value


def premium_receivable(client: str) -> str:
    return f"premium_receivable:{_part(client)}"


def subrogated_receivable(client: str) -> str:
    """求償債権 of the receivables taken over from ``client`` (the debtor owes them now)."""
    return f"subrogated_receivable:{_part(client)}"


def _amount(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("ledger.invalid_amount", f"{what}は整数(円)で指定してください。")
    if value <= 0:
        raise DomainError("ledger.nonpositive_amount", f"{what}は1円以上で指定してください。")
    return value


def _pair(id: str, on: date, description: str, debit: str, credit: str, n: int) -> JournalEntry:
    return journal_entry(id, on, description, [Leg(debit, n), Leg(credit, -n)])


def premium_charged(
    id: str, on: date, *, client: str, amount: int, description: str = "保証料の請求"
) -> JournalEntry:
    """保証料の請求: Dr 未収保証料 / Cr 前受保証料 (earned later, over the term)."""
    n = _amount(amount, "保証料")
    return _pair(id, on, description, premium_receivable(client), UNEARNED_PREMIUM, n)


def guarantee_issued(
    id: str, on: date, *, amount: int, description: str = "保証債務の発生"
) -> JournalEntry:
    """保証の開始: Dr 保証債務見返 / Cr 保証債務 (the contingent liability, memo pair)."""
    return _pair(id, on, description, MEMO_ASSET, MEMO, _amount(amount, "保証金額"))


def contingent_released(
    id: str, on: date, *, amount: int, description: str = "保証債務の消滅"
) -> JournalEntry:
    """保証の終了・履行: Dr 保証債務 / Cr 保証債務見返."""
    return _pair(id, on, description, MEMO, MEMO_ASSET, _amount(amount, "保証金額"))


def premium_paid(
    id: str,
    on: date,
    *,
    client: str,
    cash_account: str,
    amount: int,
    description: str = "保証料の入金",
) -> JournalEntry:
    """保証料の入金: Dr 普通預金 / Cr 未収保証料."""
    n = _amount(amount, "保証料")
    return _pair(id, on, description, cash_account, premium_receivable(client), n)


def premium_earned(
    id: str, on: date, *, amount: int, description: str = "保証料の収益計上"
) -> JournalEntry:
    """Dr 前受保証料 / Cr 保証料収益."""
    return _pair(id, on, description, UNEARNED_PREMIUM, PREMIUM_INCOME, _amount(amount, "保証料"))


def claim_paid(
    id: str, on: date, *, client: str, amount: int, description: str = "保証履行"
) -> JournalEntry:
    """保証履行: the platform takes the receivable (Dr 求償債権) and owes the client the
    payment (Cr 未払金(顧客)) until treasury's payout leaves."""
    n = _amount(amount, "保証履行額")
    return _pair(id, on, description, subrogated_receivable(client), client_payable(client), n)


def recovery_received(
    id: str,
    on: date,
    *,
    client: str,
    cash_account: str,
    amount: int,
    description: str = "求償債権の回収",
) -> JournalEntry:
    """Dr 普通預金 / Cr 求償債権."""
    n = _amount(amount, "回収額")
    return _pair(id, on, description, cash_account, subrogated_receivable(client), n)


def recovery_written_off(
    id: str, on: date, *, client: str, amount: int, description: str = "求償債権の償却"
) -> JournalEntry:
    """Dr 貸倒損失 / Cr 求償債権: what the platform will not recover."""
    n = _amount(amount, "償却額")
    return _pair(id, on, description, WRITE_OFF, subrogated_receivable(client), n)


def recovery_legs(*, client: str, amount: int) -> list[Leg]:
    """The credit leg of a recovery applied to 求償債権 (the cash side is the deposit's)."""
    return [Leg(subrogated_receivable(client), -_amount(amount, "回収額"))]


def loss_entries(
    ref: str, on: date, *, client: str, residual: int
) -> tuple[list[JournalEntry], int, int]:
    """The unrecovered rest in the shape of the product seam's ``write_off`` recipe:
    (entries, nothing absorbed — a guarantee has no holdback, the loss)."""
    entry = recovery_written_off(f"guarantee:{ref}:loss", on, client=client, amount=residual)
    return [entry], 0, residual
