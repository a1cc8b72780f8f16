"""Concurrent posting on PostgreSQL: racing transactions end with exactly one entry."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection

from tests.integration.ledger.conftest import ACTOR
from urikake.audit.models import AuditRecord
from urikake.domain import ledger as rules
from urikake.domain.errors import DomainError
from urikake.ledger import services
from urikake.ledger.models import LedgerEntry, LedgerLeg

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgresql_only")]

THREADS = 20
D = date(2026, 4, 1)


def _race(work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in THREADS threads released together; results or exceptions."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    return results


def test_twenty_transactions_posting_the_same_id_store_one_entry() -> None:
    entry = rules.purchase_receivable(
        "purchase:race", D, client="C1", debtor="D1", face=500_000, fee=5_000, reserve_amount=0
    )
    results = _race(lambda i: services.post(entry, actor=f"system:thread{i}").pk)
    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    assert LedgerEntry.objects.count() == 1
    assert LedgerLeg.objects.count() == 3
    assert AuditRecord.objects.filter(action="ledger.posted").count() == 1


def test_conflicting_contents_under_one_id_keep_the_winner() -> None:
    def work(i: int) -> int:
        entry = rules.journal_entry(
            "race:conflict", D, "", [("suspense", 100 + i % 2), ("fee_income", -100 - i % 2)]
        )
        return services.post(entry, actor=ACTOR).pk

    results = _race(work)
    winners = [r for r in results if isinstance(r, int)]
    conflicts = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) + len(conflicts) == THREADS, results
    assert len(set(winners)) == 1
    assert winners
    assert {c.code for c in conflicts} <= {"ledger.id_conflict"}
    amount = LedgerLeg.objects.get(account="suspense").amount
    assert len(winners) == THREADS // 2
    assert len(conflicts) == THREADS // 2
    assert amount in (100, 101)


def test_an_entry_is_reversed_once_even_under_a_race() -> None:
    services.post(
        rules.journal_entry("orig", D, "", [("suspense", 100), ("fee_income", -100)]), actor=ACTOR
    )
    results = _race(
        lambda i: (
            services.reverse_entry(
                "orig", id=f"orig:reversal:{i}", date=D, description="取消", actor=ACTOR
            ).pk
        )
    )
    done = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(done) == 1, results
    assert len(refused) == THREADS - 1
    assert {r.code for r in refused} == {"ledger.already_reversed"}
    assert services.balances() == {"fee_income": 0, "suspense": 0}
