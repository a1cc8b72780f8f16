"""JSON API of the ledger app (a django-ninja router mounted at /api/ledger/).

Read-only, for treasury staff and auditors (``MANAGE_TREASURY`` or ``VIEW_AUDIT``).
Amounts are yen as integers; balances are signed, debit positive. An unknown account code
is a ``DomainError`` (422 ``ledger.unknown_account``).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.http import HttpRequest
from ninja import Router, Schema

from urikake.accounts.api_auth import StaffAuth
from urikake.accounts.roles import Capability
from urikake.domain.errors import DomainError
from urikake.domain.ledger import CHART
from urikake.ledger import services

router = Router(tags=["ledger"])
_TREASURY = StaffAuth(Capability.MANAGE_TREASURY, Capability.VIEW_AUDIT)


class TrialBalanceRowOut(Schema):
    account: str
    name: str
    kind: str
    debit: int
    credit: int


class TrialBalanceOut(Schema):
    as_of: date | None
    rows: list[TrialBalanceRowOut]
    total_debits: int
    total_credits: int
    balanced: bool


class StatementLineOut(Schema):
    date: date
    entry_id: str
    description: str
    amount: int
    running_balance: int


class StatementOut(Schema):
    account: str
    name: str
    kind: str
    date_from: date | None
    date_to: date | None
    opening_balance: int
    closing_balance: int
    lines: list[StatementLineOut]


@router.get("/trial-balance", response=TrialBalanceOut, auth=_TREASURY, url_name="trial_balance")
def trial_balance(request: HttpRequest, as_of: date | None = None) -> dict[str, object]:
    """残高試算表 as of a date (inclusive; default: everything posted)."""
    report = services.trial_balance(as_of)
    return {
        "as_of": as_of,
        "rows": [
            {
                "account": r.account,
                "name": r.name_ja,
                "kind": r.kind.value,
                "debit": r.debit,
                "credit": r.credit,
            }
            for r in report.rows
        ],
        "total_debits": report.total_debits,
        "total_credits": report.total_credits,
        "balanced": report.balanced,
    }


@router.get(
    "/accounts/{code}/statement", response=StatementOut, auth=_TREASURY, url_name="statement"
)
def statement(
    request: HttpRequest, code: str, date_from: date | None = None, date_to: date | None = None
) -> dict[str, object]:
    """勘定元帳 of one account with opening balance and running balances."""
    if not CHART.knows(code):
        raise DomainError(
            "ledger.unknown_account", f"勘定科目表にない勘定科目です(「{code}」)。", field="code"
        )
    if date_from and date_to and date_from > date_to:
        raise DomainError(
            "ledger.invalid_period", "開始日が終了日より後になっています。", field="date_from"
        )
    lines = services.account_statement(code, date_from=date_from, date_to=date_to)
    opening = services.balance(code, as_of=date_from - timedelta(days=1)) if date_from else 0
    return {
        "account": code,
        "name": CHART.name_of(code),
        "kind": CHART.kind_of(code).value,
        "date_from": date_from,
        "date_to": date_to,
        "opening_balance": opening,
        "closing_balance": lines[-1].running_balance if lines else opening,
        "lines": [
            {
                "date": line.date,
                "entry_id": line.entry_id,
                "description": line.description,
                "amount": line.amount,
                "running_balance": line.running_balance,
            }
            for line in lines
        ],
    }
