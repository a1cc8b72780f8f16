"""Collections: receipts on the platform's account, reconciliation (消込), reserve release.

1. :func:`import_collection_statement` stores each deposit of a bank file once (all or
   nothing) and books it to 仮受金 (suspense): ledger cash always equals the bank's.
2. :func:`run_reconciliation` asks the pure engine (:mod:`urikake.domain.reconciliation`)
   about every deposit not yet applied. ``auto`` → applied at once; ``suggested`` → the
   operator queue; ``unmatched`` → stays in suspense, with the reason.
3. :func:`apply_deposit` (auto, or an operator's confirmation) moves the money from suspense
   to the receivables (+ 支払手数料 for a payer-deducted fee). The positions' side — which items
   are open, crediting them, closing one paid in full (its holdback released and queued as a
   payout, the deal settled when all are collected) — belongs to :mod:`urikake.servicing`,
   reached through the :mod:`urikake.treasury.positions` port.

Each deposit is applied in its own transaction with ledger ids ``deposit:<id>:applied``, so a
crash or a re-run never applies one twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from urikake.accounts.actors import user_or_none
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.domain import ledger as book
from urikake.domain import reconciliation as engine
from urikake.domain.errors import DomainError
from urikake.domain.statement_csv import PRESETS, parse_csv
from urikake.domain.statements import Direction, Statement, refuse_future_lines
from urikake.domain.zengin_statements import parse_receipt_file
from urikake.faults import checkpoint
from urikake.integrations.bank.adapter import BankStatementSource
from urikake.ledger import services as ledger
from urikake.receivables.bank_pull import check_period, fetch_transactions, statement_from
from urikake.treasury.models import AccountMovement, CollectionStatement, Deposit, PayerLink
from urikake.treasury.policy import platform_cash_account
from urikake.treasury.positions import position_book
from urikake.treasury.receipt_books import book_of, receipt_books

SYSTEM = "system:reconciliation"


def parse_collection_file(content: bytes, file_format: str = "zengin") -> Statement:
    """A 全銀 入出金明細/振込入金通知 file, or a CSV export under one of the presets."""
    if file_format == "zengin":
        return parse_receipt_file(content)
    if file_format not in PRESETS:
        raise DomainError("statement.unknown_format", "ファイル形式を選んでください。")
    return parse_csv(content, PRESETS[file_format])


# Imports of the platform's statements take turns: two uploads of one file (or of overlapping
# files) at once would otherwise both pass the "seen before?" checks and collide on the
# unique keys. SQLite already serialises writers (BEGIN IMMEDIATE).
_STATEMENT_IMPORT_LOCK = 0x75726B5F73746D74


def _serialise_imports() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_STATEMENT_IMPORT_LOCK])


@dataclass
class ImportResult:
    statement: CollectionStatement | None
    added: list[Deposit] = field(default_factory=list)
    repeated: int = 0


def import_collection_statement(
    content: bytes, *, filename: str, acting_user: Actor, file_format: str = "zengin"
) -> ImportResult:
    """Store the file's deposits (each movement once, across overlapping files) and book
    them to suspense. A file seen before changes nothing."""
    statement = parse_collection_file(content, file_format)
    return _import(
        statement,
        digest=hashlib.sha256(content).hexdigest(),
        filename=filename,
        acting_user=acting_user,
    )


def pull_collection_statement(
    *,
    source: BankStatementSource,
    account_id: str,
    date_from: date,
    date_to: date,
    acting_user: Actor,
) -> ImportResult:
    """Fetch the collection account's movements through the bank API (every page first,
    then all or nothing) and import them like a file."""
    account_id = account_id.strip()
    if not account_id:
        raise DomainError(
            "bank_pull.account_required", "口座を選んでください。", field="account_id"
        )
    check_period(date_from, date_to, today=timezone.localdate())
    account = source.get_account(account_id)
    transactions = fetch_transactions(source, account_id, date_from=date_from, date_to=date_to)
    statement = statement_from(account, transactions, date_from=date_from, date_to=date_to)
    canonical = "|".join(
        [account_id, date_from.isoformat(), date_to.isoformat()]
        + [line.key() for line in statement.lines]
    )
    return _import(
        statement,
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
        filename=f"bank-api-{date_from:%Y%m%d}-{date_to:%Y%m%d}.json",
        acting_user=acting_user,
    )


def _check_account(statement: Statement) -> None:
    """A statement of another account (an applicant's, say) must not touch our books."""
    ours = (settings.ZENGIN_BANK_CODE, settings.ZENGIN_BRANCH_CODE, settings.ZENGIN_ACCOUNT_NUMBER)
    theirs = (statement.bank_code, statement.branch_code, statement.account_number)
    if all(theirs) and theirs != ours:
        raise DomainError(
            "collections.wrong_account",
            f"回収口座（{ours[0]}-{ours[1]}-{ours[2]}）の明細ではありません"
            f"（このファイルは {theirs[0]}-{theirs[1]}-{theirs[2]}）。",
        )


def _import(
    statement: Statement, *, digest: str, filename: str, acting_user: Actor
) -> ImportResult:
    _check_account(statement)
    refuse_future_lines(statement, today=timezone.localdate())
    cash = platform_cash_account()
    with transaction.atomic():
        _serialise_imports()
        if CollectionStatement.objects.filter(sha256=digest).exists():
            return ImportResult(None, [], len(statement.deposits))
        record = CollectionStatement.objects.create(
            source_format=statement.source.value,
            filename=filename[:255],
            sha256=digest,
            bank_code=statement.bank_code,
            branch_code=statement.branch_code,
            account_number=statement.account_number,
            period_from=statement.period_start,
            period_to=statement.period_end,
            imported_by=user_or_none(acting_user),
        )
        _store_movements(record, statement)
        lines = [line for line in statement.lines if line.direction is Direction.DEPOSIT]
        keys = [line.key() for line in lines]
        known = set(Deposit.objects.filter(line_key__in=keys).values_list("line_key", flat=True))
        added: list[Deposit] = []
        for line, key in zip(lines, keys, strict=True):
            if key in known:
                continue
            known.add(key)
            deposit = Deposit.objects.create(
                statement=record,
                line_key=key,
                value_date=line.value_date,
                amount=line.amount,
                payer_kana=line.counterparty[:200],
                reference=line.reference[:100],
            )
            ledger.post(
                book.deposit_received(
                    f"deposit:{deposit.pk}:received",
                    line.value_date,
                    cash_account=cash,
                    amount=line.amount,
                    description=f"入金 {line.counterparty}"[:200],
                ),
                actor=acting_user,
            )
            added.append(deposit)
        record.deposit_count = len(added)
        record.save(update_fields=["deposit_count"])
        audit.record(
            "treasury.statement_imported",
            actor=acting_user,
            obj=record,
            payload={
                "deposits": len(added),
                "repeated": len(lines) - len(added),
                "total": sum(d.amount for d in added),
            },
        )
    return ImportResult(record, added, len(lines) - len(added))


def _store_movements(record: CollectionStatement, statement: Statement) -> None:
    """Keep every line, in and out, once (for the cash tie-out)."""
    keys = [line.key() for line in statement.lines]
    known = set(
        AccountMovement.objects.filter(line_key__in=keys).values_list("line_key", flat=True)
    )
    rows = []
    for line, key in zip(statement.lines, keys, strict=True):
        if key in known:
            continue
        known.add(key)
        sign = 1 if line.direction is Direction.DEPOSIT else -1
        rows.append(
            AccountMovement(
                statement=record,
                line_key=key,
                value_date=line.value_date,
                amount=sign * line.amount,
                description=(line.counterparty or line.description)[:200],
            )
        )
    AccountMovement.objects.bulk_create(rows)


def cash_tie_out(*, date_from: date, date_to: date) -> Any:
    """The ledger's cash account against the imported statements, day by day."""
    movements = AccountMovement.objects.filter(
        value_date__gte=date_from, value_date__lte=date_to
    ).order_by("value_date", "pk")
    return ledger.cash_tie_out(
        platform_cash_account(),
        [(m.value_date, m.amount, m.description) for m in movements],
        date_from=date_from,
        date_to=date_to,
    )


# ------------------------------------------------------------------------------------------
# Reconciliation
# ------------------------------------------------------------------------------------------


def _identity(identity_id: int) -> str:
    return f"I{identity_id}"


def _payer_links() -> dict[str, str]:
    return {
        link.payer_key: _identity(link.debtor.identity_id)
        for link in PayerLink.objects.select_related("debtor").order_by("confirmations", "pk")
    }


@dataclass
class RunSummary:
    auto: int = 0
    suggested: int = 0
    unmatched: int = 0

    @property
    def total(self) -> int:
        return self.auto + self.suggested + self.unmatched


def run_reconciliation(*, acting_user: Actor = SYSTEM) -> RunSummary:
    """Match every deposit that is new or still unmatched against the open receivables and
    the other books' open items (loans: :mod:`urikake.treasury.receipt_books`)."""
    deposits = list(
        Deposit.objects.filter(status__in=[Deposit.Status.NEW, Deposit.Status.UNMATCHED]).order_by(
            "value_date", "pk"
        )
    )
    summary = RunSummary()
    if not deposits:
        return summary
    today = timezone.localdate()
    items = position_book().open_items()
    for other in receipt_books():
        items.extend(other.open_items(today))
    matches = engine.reconcile(
        [engine.Deposit(str(d.pk), d.value_date, d.amount, d.payer_kana) for d in deposits],
        items,
        payer_links=_payer_links(),
        workers=1,  # never fork inside a web or worker process with open DB connections
    )
    for deposit, match in zip(deposits, matches, strict=True):
        books = {book_of(i) for i in match.item_ids}
        proposal = {
            # Purchases only: the treasury queue offers positions by id.
            "item_ids": [i for i in match.item_ids if book_of(i) is None],
            "book_items": [i for i in match.item_ids if book_of(i) is not None],
            "allocations": [[item, amount] for item, amount in match.allocations],
            "difference": match.difference,
            "fee_deducted": match.fee_deducted,
            "candidates": match.candidates,
        }
        status = match.status
        reason, reason_ja = match.reason, match.reason_ja
        if status is engine.MatchStatus.AUTO and books == {None}:
            apply_deposit(
                deposit,
                allocations=[(int(i), a) for i, a in match.allocations],
                fee_deducted=match.fee_deducted,
                acting_user=acting_user,
                status=Deposit.Status.AUTO,
                reason=reason,
                reason_ja=reason_ja,
                proposal=proposal,
            )
            summary.auto += 1
            checkpoint("reconciliation.deposit_applied")  # fault tests: killed half-way
            continue
        if status is engine.MatchStatus.AUTO and len(books) == 1:
            try:
                apply_to_book(
                    deposit,
                    allocations=list(match.allocations),
                    acting_user=acting_user,
                    status=Deposit.Status.AUTO,
                    reason=reason,
                    reason_ja=reason_ja,
                    proposal=proposal,
                )
            except DomainError as exc:  # the book refused: a person decides, told why
                status, reason, reason_ja = engine.MatchStatus.SUGGESTED, exc.code, exc.message
            else:
                summary.auto += 1
                continue
        elif status is engine.MatchStatus.AUTO:  # a purchase and a loan in one transfer
            status = engine.MatchStatus.SUGGESTED
        for receipts in (b for b in books if b is not None):
            ids = [i for i in match.item_ids if book_of(i) is receipts]
            reason_ja = f"{reason_ja}（{receipts.describe(ids)}）"[:300]
        _queue(deposit, status, proposal, reason, reason_ja, acting_user)
        if status is engine.MatchStatus.SUGGESTED:
            summary.suggested += 1
        else:
            summary.unmatched += 1
    return summary


def _queue(
    deposit: Deposit,
    match_status: engine.MatchStatus,
    proposal: dict[str, Any],
    reason: str,
    reason_ja: str,
    acting_user: Actor,
) -> None:
    """Leave a deposit for a person (suggested) or on the suspense list (unmatched)."""
    status = (
        Deposit.Status.SUGGESTED
        if match_status is engine.MatchStatus.SUGGESTED
        else Deposit.Status.UNMATCHED
    )
    with transaction.atomic():
        updated = Deposit.objects.filter(
            pk=deposit.pk, status__in=[Deposit.Status.NEW, Deposit.Status.UNMATCHED]
        ).update(status=status, proposal=proposal, reason=reason, reason_ja=reason_ja)
        if updated and deposit.status != status:
            audit.record(
                f"treasury.deposit_{status}",
                actor=acting_user,
                obj=deposit,
                payload={
                    "reason": reason,
                    "items": proposal["item_ids"] + proposal.get("book_items", []),
                },
            )


def apply_to_book(
    deposit: Deposit,
    *,
    allocations: Sequence[tuple[str, int]],
    acting_user: Actor,
    status: str = Deposit.Status.CONFIRMED,
    reason: str = "",
    reason_ja: str = "",
    proposal: dict[str, Any] | None = None,
) -> Deposit:
    """Apply a deposit to another book's items (a loan's repayment): the book posts the
    entry out of suspense; the deposit is marked applied in the same transaction, so a
    re-run, a second import of the statement or a retried request applies it once."""
    books = {book_of(i) for i, _ in allocations}
    target = books.pop() if len(books) == 1 else None
    if target is None:
        raise DomainError("reconciliation.no_items", "充当先を1つの台帳から選んでください。")
    with transaction.atomic():
        locked = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if locked.status in (Deposit.Status.AUTO, Deposit.Status.CONFIRMED):
            return locked
        if locked.status == Deposit.Status.REFUNDED:
            raise DomainError("reconciliation.dismissed", "対象外として処理済みの入金です。")
        target.apply(locked, allocations, acting_user=acting_user)
        _mark_applied(
            locked,
            status=status,
            reason=reason,
            reason_ja=reason_ja,
            proposal=proposal,
            acting_user=acting_user,
            payload={"allocations": [[i, a] for i, a in allocations]},
        )
    return locked


def _mark_applied(
    locked: Deposit,
    *,
    status: str,
    reason: str,
    reason_ja: str,
    proposal: dict[str, Any] | None,
    acting_user: Actor,
    payload: dict[str, Any],
) -> None:
    """The deposit is applied (automatically or by a person): its status, why, who — and
    the audit record, in the caller's transaction."""
    locked.status = status
    locked.reason = reason or locked.reason
    locked.reason_ja = reason_ja or locked.reason_ja
    if proposal is not None:
        locked.proposal = proposal
    if status == Deposit.Status.CONFIRMED:
        locked.decided_by = user_or_none(acting_user)
        locked.decided_at = timezone.now()
    locked.save()
    audit.record(
        f"treasury.deposit_{status}",
        actor=acting_user,
        obj=locked,
        payload={**payload, "reason": locked.reason},
    )


def apply_deposit(
    deposit: Deposit,
    *,
    allocations: Sequence[tuple[int, int]],
    fee_deducted: int = 0,
    acting_user: Actor,
    status: str = Deposit.Status.CONFIRMED,
    reason: str = "",
    reason_ja: str = "",
    proposal: dict[str, Any] | None = None,
) -> Deposit:
    """Apply a deposit to purchased receivables: ``allocations`` are (purchase id, yen
    credited to it); they sum to at most the deposit + ``fee_deducted`` (the payer-deducted
    fee, booked as 支払手数料 or charged to the client's holdback, per
    ``TREASURY_PAYER_FEE_BORNE_BY``). Any excess stays in suspense."""
    with transaction.atomic():
        locked = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if locked.status in (Deposit.Status.AUTO, Deposit.Status.CONFIRMED):
            return locked  # applied before (a re-run or a retried request)
        if not allocations:
            raise DomainError("reconciliation.no_items", "消込先の請求を選んでください。")
        if fee_deducted < 0 or any(a <= 0 for _, a in allocations):
            raise DomainError("reconciliation.bad_amount", "消込額は1円以上で指定してください。")
        credited = sum(a for _, a in allocations)
        if credited > locked.amount + fee_deducted:
            raise DomainError(
                "reconciliation.over_allocated",
                f"消込額の合計（{credited:,}円）が入金額と差引手数料の合計を超えています。",
            )
        if fee_deducted > credited:
            raise DomainError("reconciliation.bad_fee", "差引手数料が消込額を超えています。")
        applied = position_book().apply(locked, allocations, fee_deducted, acting_user=acting_user)
        ledger.post(
            book.deposit_applied(
                f"deposit:{locked.pk}:applied",
                locked.value_date,
                legs=applied.legs,
                description=f"消込 {locked.payer_kana}"[:200],
            ),
            actor=acting_user,
        )
        _mark_applied(
            locked,
            status=status,
            reason=reason,
            reason_ja=reason_ja,
            proposal=proposal,
            acting_user=acting_user,
            payload={
                "allocations": [[i, a] for i, a in allocations],
                "fee_deducted": fee_deducted,
            },
        )
        applied.close()
    return locked


def confirm_suggestion(
    deposit: Deposit,
    *,
    purchase_ids: Sequence[int],
    acting_user: Actor,
    remember_payer: bool = True,
) -> Deposit:
    """An operator applies a deposit to the chosen receivables (the engine's suggestion or a
    correction). Each receivable gets its residual in order until the deposit (plus a common
    payer-deducted fee when the shortfall is one) is used up; the payer name is remembered for
    the debtor so the next payment from it matches automatically."""
    positions = position_book().collectible(purchase_ids)
    if len(positions) != len(set(purchase_ids)):
        raise DomainError(
            "reconciliation.item_not_open", "選んだ請求の中に回収待ちでないものがあります。"
        )
    total = sum(residual for _, residual in positions)
    shortfall = total - deposit.amount
    fee = shortfall if shortfall in engine.DEFAULT_FEE_AMOUNTS else 0
    remaining = deposit.amount + fee
    allocations = []
    for position_id, residual in positions:
        amount = min(residual, remaining)
        if amount > 0:
            allocations.append((position_id, amount))
            remaining -= amount
    with transaction.atomic():
        applied = apply_deposit(
            deposit,
            allocations=allocations,
            fee_deducted=fee,
            acting_user=acting_user,
            status=Deposit.Status.CONFIRMED,
        )
        if remember_payer:
            key = engine.payer_key(deposit.payer_kana)
            for debtor_id in position_book().direct_payer_debtors(purchase_ids):
                link, created = PayerLink.objects.get_or_create(
                    payer_key=key,
                    debtor_id=debtor_id,
                    defaults={"payer_kana": deposit.payer_kana, "created_by": acting_user},
                )
                if not created:
                    PayerLink.objects.filter(pk=link.pk).update(
                        confirmations=link.confirmations + 1
                    )
                audit.record(
                    "treasury.payer_linked",
                    actor=acting_user,
                    obj=link,
                    payload={"debtor": debtor_id},
                )
    return applied


def dismiss_deposit(deposit: Deposit, *, note: str, acting_user: Actor) -> Deposit:
    """Not a receipt for any receivable (a refund to make, a misdirected transfer): it leaves
    the queue and stays in suspense until the money is returned."""
    if not note.strip():
        raise DomainError("reconciliation.note_required", "理由を入力してください。", field="note")
    with transaction.atomic():
        locked = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if locked.status in (Deposit.Status.AUTO, Deposit.Status.CONFIRMED):
            raise DomainError("reconciliation.already_applied", "消込済みの入金です。")
        locked.status = Deposit.Status.REFUNDED
        locked.reason_ja = note.strip()[:300]
        locked.decided_by = user_or_none(acting_user)
        locked.decided_at = timezone.now()
        locked.save()
        audit.record("treasury.deposit_dismissed", actor=acting_user, obj=locked, payload={})
    return locked
