"""Property: whatever sequence of factoring entries is posted, the books stay consistent.

Random sequences of the domain's posting recipes (and reversals of earlier entries) go
through :func:`urikake.ledger.services.post`; then the trial balance is balanced and the SQL
balances equal both the sum of the posted legs and the domain's ``balances()`` of the same
entries. Each example runs in a savepoint that is rolled back.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.ledger.conftest import ACTOR
from urikake.domain import ledger as rules
from urikake.domain.ledger import JournalEntry
from urikake.ledger import services
from urikake.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

START = date(2026, 4, 1)
CLIENTS = st.sampled_from(["C1", "C2"])
DEBTORS = st.sampled_from(["D1", "D2"])
CASH = st.sampled_from([rules.cash("0001", "001", "1111111"), rules.cash("0005", "123", "2")])
AMOUNT = st.integers(min_value=1, max_value=10**9)
FEE = st.integers(min_value=0, max_value=880)


@st.composite
def purchase(draw: Any, id: str, on: date) -> JournalEntry:
    face = draw(AMOUNT)
    fee = draw(st.integers(min_value=0, max_value=face))
    held = draw(st.integers(min_value=0, max_value=face - fee))
    return rules.purchase_receivable(
        id,
        on,
        client=draw(CLIENTS),
        debtor=draw(DEBTORS),
        face=face,
        fee=fee,
        reserve_amount=held,
    )


def _recipe(draw: Any, id: str, on: date) -> JournalEntry:
    kind = draw(st.sampled_from(["purchase", "payout", "collection", "release", "write_off"]))
    client, debtor = draw(CLIENTS), draw(DEBTORS)
    if kind == "purchase":
        return draw(purchase(id, on))
    if kind == "payout":
        return rules.payout(
            id,
            on,
            client=client,
            cash_account=draw(CASH),
            amount=draw(AMOUNT),
            transfer_fee=draw(FEE),
        )
    if kind == "collection":
        return rules.collection(
            id,
            on,
            client=client,
            debtor=debtor,
            cash_account=draw(CASH),
            received=draw(AMOUNT),
            payer_deducted_fee=draw(FEE),
        )
    if kind == "release":
        return rules.release_reserve(id, on, client=client, amount=draw(AMOUNT))
    return rules.write_off(id, on, client=client, debtor=debtor, amount=draw(AMOUNT))


@st.composite
def books(draw: Any) -> list[tuple[str, Any]]:
    """A list of steps: ("post", entry) or ("reverse", index of an earlier step)."""
    steps: list[tuple[str, Any]] = []
    for n in range(draw(st.integers(min_value=1, max_value=8))):
        on = START + timedelta(days=draw(st.integers(min_value=0, max_value=60)))
        if steps and draw(st.booleans()) and draw(st.booleans()):
            steps.append(("reverse", draw(st.integers(min_value=0, max_value=len(steps) - 1))))
        else:
            steps.append(("post", _recipe(draw, f"e:{n}", on)))
    return steps


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=books(), as_of_days=st.integers(min_value=0, max_value=60))
def test_posted_books_always_balance(steps: list[tuple[str, Any]], as_of_days: int) -> None:
    with transaction.atomic():
        posted: list[JournalEntry] = []
        reversed_ids: set[str] = set()
        for n, (kind, value) in enumerate(steps):
            if kind == "post":
                entry = value
            else:
                target = posted[min(value, len(posted) - 1)] if posted else None
                if target is None or target.id in reversed_ids:
                    continue
                # Reversed on the original's own date (the earliest date allowed).
                entry = rules.reverse(target, id=f"r:{n}", date=target.date, description="取消")
                reversed_ids.add(target.id)
            row = services.post(entry, actor=ACTOR)
            assert row.as_journal_entry() == entry
            posted.append(entry)
        # Re-posting everything is a no-op (idempotency).
        for entry in posted:
            services.post(entry, actor=ACTOR)
        assert LedgerEntry.objects.count() == len(posted)

        sums: dict[str, int] = {}
        for entry in posted:
            for leg in entry.legs:
                sums[leg.account] = sums.get(leg.account, 0) + leg.amount
        assert services.balances() == sums == rules.balances(posted)
        tb = services.trial_balance()
        assert tb.balanced
        assert tb == rules.trial_balance(posted)

        as_of = START + timedelta(days=as_of_days)
        until = [e for e in posted if e.date <= as_of]
        assert services.trial_balance(as_of) == rules.trial_balance(until)
        for account in sums:
            assert services.balance(account, as_of=as_of) == rules.balance_of(until, account)
            assert services.account_statement(account) == rules.statement(
                sorted(posted, key=lambda e: e.date), account
            )
        transaction.set_rollback(True)
    assert not LedgerEntry.objects.exists()
