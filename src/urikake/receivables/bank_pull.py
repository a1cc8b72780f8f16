"""Pull a bank statement through the bank API and import it, all or nothing.

:func:`pull_statement` reads every page of the account's transactions for the period first,
builds one :class:`~urikake.domain.statements.Statement` (``SourceFormat.BANK_API``) and only
then calls :func:`urikake.receivables.services.import_statement`: a failure on any page
raises :class:`~urikake.integrations.bank.adapter.BankApiError` before anything is stored.
Pulling the same period twice is recognised as the same statement; overlapping periods add
each movement once (the movement keys include the bank's own transaction id).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta

from django.utils import timezone

from urikake.accounts.models import User
from urikake.applicants.models import Organization
from urikake.domain.errors import DomainError
from urikake.domain.statements import SourceFormat, Statement, StatementLine
from urikake.integrations.bank.adapter import (
    BAD_ANSWER,
    BankAccount,
    BankApiError,
    BankStatementSource,
    BankTransaction,
)
from urikake.receivables.services import ImportResult, import_statement

MAX_PERIOD = timedelta(days=2 * 366)  # screening looks at 12 months; allow up to two years
MAX_PAGES = 1000  # a bank that never stops paging is broken, not busy
MAX_LINES = 100_000


def default_period(today: date) -> tuple[date, date]:
    """The last 12 months up to ``today`` (the day after the same day a year ago)."""
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_ago = today.replace(year=today.year - 1, day=28)
    return year_ago + timedelta(days=1), today


def check_period(date_from: date, date_to: date, *, today: date) -> None:
    if date_from > date_to:
        raise DomainError(
            "bank_pull.period_reversed",
            "期間の開始日は終了日以前にしてください。",
            field="date_from",
        )
    if date_to > today:
        raise DomainError(
            "bank_pull.period_future", "期間の終了日に未来の日付は指定できません。", field="date_to"
        )
    if date_to - date_from > MAX_PERIOD:
        raise DomainError(
            "bank_pull.period_too_long",
            "一度に取り込める期間は2年までです。期間を分けて取り込んでください。",
            field="date_from",
        )


def fetch_transactions(
    source: BankStatementSource, account_id: str, *, date_from: date, date_to: date
) -> list[BankTransaction]:
    """Every transaction of the period, all pages, in the bank's order (ids deduplicated)."""
    seen: dict[str, BankTransaction] = {}
    cursors: set[str] = set()
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        page = source.transactions_page(
            account_id, date_from=date_from, date_to=date_to, cursor=cursor
        )
        for transaction in page.transactions:
            earlier = seen.setdefault(transaction.transaction_id, transaction)
            if earlier != transaction:
                raise BankApiError(
                    BAD_ANSWER, detail=f"transaction {transaction.transaction_id} changed"
                )
        if len(seen) > MAX_LINES:
            raise BankApiError(BAD_ANSWER, detail=f"more than {MAX_LINES} transactions")
        if page.next_cursor is None:
            return list(seen.values())
        if page.next_cursor in cursors:
            raise BankApiError(BAD_ANSWER, detail="the bank repeated a pagination cursor")
        cursors.add(page.next_cursor)
        cursor = page.next_cursor
    raise BankApiError(BAD_ANSWER, detail=f"more than {MAX_PAGES} pages")


def statement_from(
    account: BankAccount,
    transactions: list[BankTransaction],
    *,
    date_from: date,
    date_to: date,
) -> Statement:
    """The pulled transactions as one statement (the bank's id as the reference)."""
    return Statement(
        source=SourceFormat.BANK_API,
        bank_code=account.bank_code,
        branch_code=account.branch_code,
        account_type=account.account_type,
        account_number=account.account_number,
        account_name=account.account_name,
        period_start=date_from,
        period_end=date_to,
        lines=tuple(
            StatementLine(
                value_date=t.value_date,
                direction=t.direction,
                amount=t.amount,
                counterparty=t.counterparty,
                description=t.description,
                reference=t.transaction_id,
                balance_after=t.balance_after,
                edi=t.edi,
                line_number=n,
            )
            for n, t in enumerate(transactions, start=1)
        ),
    )


def pull_statement(
    organization: Organization,
    *,
    acting_user: User,
    source: BankStatementSource,
    account_id: str,
    date_from: date,
    date_to: date,
    today: date | None = None,
) -> ImportResult:
    """Fetch the account's statement for the period and import it (all or nothing).

    Raises :class:`DomainError` for a bad period and :class:`BankApiError` (Japanese
    ``message``) when the bank cannot be reached, refuses or fails on any page.
    """
    account_id = account_id.strip()
    if not account_id:
        raise DomainError(
            "bank_pull.account_required", "口座を選んでください。", field="account_id"
        )
    check_period(date_from, date_to, today=today or timezone.localdate())
    account = source.get_account(account_id)
    transactions = fetch_transactions(source, account_id, date_from=date_from, date_to=date_to)
    statement = statement_from(account, transactions, date_from=date_from, date_to=date_to)
    lines = statement.lines
    # What was received, canonically (content_sha256 of the import record).
    content = json.dumps(
        {
            "account_id": account_id,
            "from": date_from.isoformat(),
            "to": date_to.isoformat(),
            "transactions": [line.key() for line in lines],
        },
        separators=(",", ":"),
    ).encode()
    tag = hashlib.sha256(account_id.encode()).hexdigest()[:8]
    return import_statement(
        organization,
        statement,
        acting_user=acting_user,
        content=content,
        filename=f"bank-api-{tag}-{date_from:%Y%m%d}-{date_to:%Y%m%d}.json",
    )
