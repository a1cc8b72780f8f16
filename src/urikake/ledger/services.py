"""Posting to and reading from the ledger.

:func:`post` is the one way in. It validates the entry with the domain rules, inserts the entry
and its legs, and audits ``ledger.posted`` in one transaction. The entry's id is the idempotency
key: posting the same id again with the same date and legs returns the stored entry; with
different content it is refused (``ledger.id_conflict``). Two transactions racing on one id
end with one row: the unique index makes the loser wait for the winner, fail inside a
savepoint, and then read the winner's row.

Reads aggregate in SQL. Balances are signed yen, debit positive (see
:mod:`urikake.domain.ledger`); ``as_of`` includes entries dated on that day.

Account prefixes (``balances(prefix=...)``, :func:`entries_for`) match whole ``:``-separated
segments: ``"receivable:C1"`` matches ``receivable:C1:D9`` but not ``receivable:C10:D9``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Window
from django.utils import timezone

from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.audit.services import actor_label
from urikake.domain import ledger as rules
from urikake.domain.errors import DomainError
from urikake.domain.ledger import JournalEntry, StatementLine, TrialBalance
from urikake.domain.ledger_tieout import Movement, TieOut, tie_out
from urikake.ledger.models import MAX_ACCOUNT_CODE, MAX_ENTRY_ID, LedgerEntry, LedgerLeg

__all__ = [
    "account_statement",
    "balance",
    "balances",
    "cash_tie_out",
    "entries_for",
    "fund_operating_account",
    "operating_cash_account",
    "post",
    "reverse_entry",
    "trial_balance",
    "unbalanced_entries",
]


# --- posting -------------------------------------------------------------------------------


def _validated(entry: JournalEntry) -> JournalEntry:
    """Re-run the domain checks: a JournalEntry can be built without ``journal_entry()``."""
    if not isinstance(entry, JournalEntry):
        raise TypeError("post() takes a urikake.domain.ledger.JournalEntry")
    checked = rules.journal_entry(
        entry.id, entry.date, entry.description, entry.legs, reverses=entry.reverses
    )
    if len(checked.id) > MAX_ENTRY_ID:
        raise DomainError(
            "ledger.id_too_long", f"仕訳IDは{MAX_ENTRY_ID}文字以内にしてください。", field="id"
        )
    if any(len(leg.account) > MAX_ACCOUNT_CODE for leg in checked.legs):
        raise DomainError(
            "ledger.account_too_long", f"勘定科目コードは{MAX_ACCOUNT_CODE}文字以内です。"
        )
    return checked


def _leg_key(legs: Iterable[rules.Leg]) -> list[tuple[str, int]]:
    # Leg order carries no accounting meaning, so a retry that lists them differently is
    # still the same entry.
    return sorted((leg.account, leg.amount) for leg in legs)


def _same_or_conflict(stored: LedgerEntry, entry: JournalEntry) -> LedgerEntry:
    existing = stored.as_journal_entry()
    if (
        existing.date != entry.date
        or existing.reverses != entry.reverses
        or _leg_key(existing.legs) != _leg_key(entry.legs)
    ):
        raise DomainError(
            "ledger.id_conflict",
            f"仕訳ID「{entry.id}」は別の内容で記帳済みです。",
            field="id",
        )
    return stored


def _reversal_target(entry: JournalEntry) -> LedgerEntry | None:
    if entry.reverses is None:
        return None
    target = LedgerEntry.objects.filter(entry_id=entry.reverses).first()
    if target is None:
        raise DomainError(
            "ledger.unknown_entry", f"取消対象の仕訳「{entry.reverses}」がありません。"
        )
    negated = sorted((leg.account, -leg.amount) for leg in target.as_journal_entry().legs)
    if negated != _leg_key(entry.legs):
        raise DomainError(
            "ledger.not_a_reversal", "取消仕訳は元の仕訳の貸借を反対にしたものにしてください。"
        )
    if entry.date < target.date:
        raise DomainError(
            "ledger.reversal_before_entry", "取消仕訳の日付が元の仕訳より前になっています。"
        )
    if LedgerEntry.objects.filter(reverses=target).exists():
        raise _already_reversed(target.entry_id)
    return target


def _already_reversed(entry_id: str) -> DomainError:
    return DomainError("ledger.already_reversed", f"仕訳「{entry_id}」は既に取り消されています。")


def post(entry: JournalEntry, *, actor: Actor) -> LedgerEntry:
    """Record a journal entry (idempotent on ``entry.id``) and return the stored row."""
    checked = _validated(entry)
    label = actor_label(actor)
    with transaction.atomic():
        stored = LedgerEntry.objects.filter(entry_id=checked.id).first()
        if stored is not None:
            return _same_or_conflict(stored, checked)
        target = _reversal_target(checked)
        try:
            with transaction.atomic():  # a savepoint: a lost race must not doom the caller
                row = LedgerEntry.objects.create(
                    entry_id=checked.id,
                    date=checked.date,
                    description=checked.description,
                    reverses=target,
                    posted_at=timezone.now(),
                    actor=label,
                )
        except IntegrityError:
            # Another transaction committed this id (or a reversal of ``target``) after our
            # read; the unique index made us wait for it, so its row is visible now.
            stored = LedgerEntry.objects.filter(entry_id=checked.id).first()
            if stored is not None:
                return _same_or_conflict(stored, checked)
            if target is not None:
                raise _already_reversed(target.entry_id) from None
            raise
        LedgerLeg.objects.bulk_create(
            LedgerLeg(entry=row, position=i, account=leg.account, amount=leg.amount)
            for i, leg in enumerate(checked.legs)
        )
        audit.record(
            "ledger.posted",
            actor=actor,
            obj=row,
            payload={
                "entry_id": checked.id,
                "date": checked.date,
                "total_debits": sum(leg.amount for leg in checked.legs if leg.amount > 0),
                "legs": len(checked.legs),
                "reverses": checked.reverses,
            },
        )
    return row


def post_many(entries: Iterable[JournalEntry], *, actor: Actor, batch_size: int = 2000) -> int:
    """Record many new journal entries at once (bulk inserts; for generated data such as
    ``urikake demo --scale``). Each entry is validated like :func:`post` (balanced, known
    accounts); ids must be new — an id already stored is an error, nothing is written then.
    No reversals. Returns the number of entries written."""
    checked = [_validated(e) for e in entries]
    if not checked:
        return 0
    ids = [e.id for e in checked]
    if len(set(ids)) != len(ids):
        raise DomainError("ledger.duplicate_id", "同じ仕訳IDが複数あります。")
    if any(e.reverses for e in checked):
        raise DomainError("ledger.bulk_reversal", "取消仕訳は一括では記帳できません。")
    label = actor_label(actor)
    now = timezone.now()
    with transaction.atomic():
        for start in range(0, len(ids), batch_size):
            if LedgerEntry.objects.filter(entry_id__in=ids[start : start + batch_size]).exists():
                raise DomainError("ledger.duplicate_id", "すでに記帳済みの仕訳IDがあります。")
        rows = LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    entry_id=e.id,
                    date=e.date,
                    description=e.description,
                    posted_at=now,
                    actor=label,
                )
                for e in checked
            ],
            batch_size=batch_size,
        )
        if any(r.pk is None for r in rows):  # a backend that does not return ids
            pks = dict(LedgerEntry.objects.filter(entry_id__in=ids).values_list("entry_id", "pk"))
            for r in rows:
                r.pk = pks[r.entry_id]
        LedgerLeg.objects.bulk_create(
            (
                LedgerLeg(entry=row, position=i, account=leg.account, amount=leg.amount)
                for row, e in zip(rows, checked, strict=True)
                for i, leg in enumerate(e.legs)
            ),
            batch_size=batch_size,
        )
        audit.record(
            "ledger.posted_many",
            actor=actor,
            object_type="ledger.ledgerentry",
            payload={
                "entries": len(checked),
                "first": ids[0],
                "last": ids[-1],
                "total_debits": sum(
                    leg.amount for e in checked for leg in e.legs if leg.amount > 0
                ),
            },
        )
    return len(checked)


def reverse_entry(
    entry_id: str, *, id: str, date: date, description: str, actor: Actor
) -> LedgerEntry:
    """Post the reversing entry (反対仕訳) of ``entry_id``; idempotent on ``id``."""
    original = LedgerEntry.objects.filter(entry_id=entry_id).first()
    if original is None:
        raise DomainError("ledger.unknown_entry", f"仕訳「{entry_id}」がありません。")
    reversal = rules.reverse(original.as_journal_entry(), id=id, date=date, description=description)
    return post(reversal, actor=actor)


def operating_cash_account() -> str:
    """The ledger account of the operator's bank account (``ZENGIN_*`` settings): payouts
    leave it, collections and the operator's own funding arrive on it."""
    return rules.cash(
        settings.ZENGIN_BANK_CODE, settings.ZENGIN_BRANCH_CODE, settings.ZENGIN_ACCOUNT_NUMBER
    )


def fund_operating_account(
    *,
    kind: rules.EquityFunding,
    amount: int,
    on: date,
    description: str = "",
    entry_id: str | None = None,
    acting_user: Actor,
) -> LedgerEntry:
    """資本金の払込 or 期首残高 into the operating account, as one balanced entry.

    ``entry_id`` makes a repeat harmless (the demo uses a fixed one); without it each call
    is a new entry. Audited as ``ledger.equity_funded`` besides the ``ledger.posted`` record.
    """
    kind = rules.EquityFunding(kind)
    entry = rules.equity_funding(
        entry_id or f"equity:{kind.value}:{on:%Y%m%d}:{uuid.uuid4().hex[:12]}",
        on,
        kind=kind,
        cash_account=operating_cash_account(),
        amount=amount,
        description=description.strip(),
    )
    with transaction.atomic():
        existed = LedgerEntry.objects.filter(entry_id=entry.id).exists()
        row = post(entry, actor=acting_user)
        if not existed:
            audit.record(
                "ledger.equity_funded",
                actor=acting_user,
                obj=row,
                payload={"kind": kind.value, "amount": amount, "date": on},
            )
    return row


# --- reading -------------------------------------------------------------------------------


def _account_filter(prefix: str) -> Q:
    if prefix.endswith(":"):
        return Q(account__startswith=prefix)
    return Q(account=prefix) | Q(account__startswith=prefix + ":")


def _legs(*, as_of: date | None = None) -> QuerySet[LedgerLeg]:
    legs = LedgerLeg.objects.all()
    if as_of is not None:
        legs = legs.filter(entry__date__lte=as_of)
    return legs


def balance(account_code: str, *, as_of: date | None = None) -> int:
    """Signed balance (debit positive) of one account."""
    total = _legs(as_of=as_of).filter(account=account_code).aggregate(total=Sum("amount"))
    return int(total["total"] or 0)


def balances(prefix: str | None = None, *, as_of: date | None = None) -> dict[str, int]:
    """Signed balance per account (accounts netting to 0 included), sorted by code."""
    legs = _legs(as_of=as_of)
    if prefix:
        legs = legs.filter(_account_filter(prefix))
    rows = legs.values("account").annotate(total=Sum("amount")).order_by("account")
    return {row["account"]: int(row["total"]) for row in rows}


def trial_balance(as_of: date | None = None) -> TrialBalance:
    """残高試算表 from the SQL balances, built by the domain's own rule.

    The domain computes a trial balance from entries; one synthetic entry whose legs are the
    account balances has exactly those balances, so the rule (and the row format) is shared.
    """
    totals = balances(as_of=as_of)
    synthetic = JournalEntry(
        "trial-balance",
        as_of or timezone.localdate(),
        "",
        tuple(rules.Leg(account, amount) for account, amount in totals.items()),
    )
    return rules.trial_balance([synthetic])


def account_statement(
    code: str, *, date_from: date | None = None, date_to: date | None = None
) -> list[StatementLine]:
    """勘定元帳 of one account in (date, posting) order.

    Running balances start from the opening balance (the balance at the end of the day before
    ``date_from``), so the last line's running balance is the closing balance.
    """
    opening = balance(code, as_of=date_from - timedelta(days=1)) if date_from else 0
    legs = LedgerLeg.objects.filter(account=code)
    if date_from is not None:
        legs = legs.filter(entry__date__gte=date_from)
    if date_to is not None:
        legs = legs.filter(entry__date__lte=date_to)
    order = [F("entry__date").asc(), F("entry_id").asc(), F("position").asc()]
    rows = (
        legs.annotate(running=Window(Sum("amount"), order_by=order))
        .order_by(*order)
        .values_list("entry__date", "entry__entry_id", "entry__description", "amount", "running")
    )
    return [
        StatementLine(on, entry_id, description, int(amount), opening + int(running))
        for on, entry_id, description, amount, running in rows
    ]


def entries_for(source: str) -> QuerySet[LedgerEntry]:
    """Entries whose id is ``source`` or starts with ``source:`` (e.g. ``payout_batch:12``)."""
    match = (
        Q(entry_id__startswith=source)
        if source.endswith(":")
        else (Q(entry_id=source) | Q(entry_id__startswith=source + ":"))
    )
    return LedgerEntry.objects.filter(match).prefetch_related("legs").order_by("date", "id")


def cash_tie_out(
    cash_account_code: str,
    bank_movements: Iterable[tuple[date, int, str]],
    *,
    date_from: date,
    date_to: date,
) -> TieOut:
    """Day-by-day comparison of a cash account with the bank's movements (see the domain)."""
    if rules.CHART.lookup(cash_account_code) is None or not cash_account_code.startswith("cash:"):
        raise DomainError(
            "tieout.not_a_cash_account", f"「{cash_account_code}」は預金勘定ではありません。"
        )
    ledger = (
        LedgerLeg.objects.filter(
            account=cash_account_code, entry__date__gte=date_from, entry__date__lte=date_to
        )
        .order_by("entry__date", "entry_id", "position")
        .values_list("entry__date", "amount", "entry__entry_id")
    )
    return tie_out(
        cash_account_code,
        [Movement(on, int(amount), entry_id) for on, amount, entry_id in ledger],
        bank_movements,
        date_from=date_from,
        date_to=date_to,
    )


def unbalanced_entries() -> list[str]:
    """Ids of stored entries with fewer than two legs or legs not summing to 0 (SQL).

    On PostgreSQL the commit-time trigger makes this empty by construction; on SQLite it is the
    check (``urikake ledger check``) that the books were not written around the service.
    """
    bad = (
        LedgerEntry.objects.annotate(leg_count=Count("legs"), leg_sum=Sum("legs__amount"))
        .filter(Q(leg_count__lt=2) | ~Q(leg_sum=0))
        .order_by("id")
        .values_list("entry_id", flat=True)
    )
    return list(bad)
