"""Concurrency on PostgreSQL: 20 threads (each with its own database connection) hit one
money-moving operation at the same instant; there is exactly one effect, the others get the
same answer or a DomainError — never a duplicate, a 500 or a deadlock.

SQLite serialises writers (``BEGIN IMMEDIATE``), so these races only exist on PostgreSQL; CI
runs the suite there.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.fixtures.deals import make_deal
from tests.integration.treasury.helpers import (
    DEBTOR_PAYER,
    approved,
    contracted_deal,
    funded_deal,
    paid_on,
    perfect,
    statement_file,
)
from tests.integration.treasury.test_crash_safety import (
    check_collections,
    check_ledger,
    check_payouts,
)
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.idempotency.models import IdempotentRequest
from urikake.ledger.models import LedgerEntry
from urikake.receivables import services as receivables
from urikake.receivables.models import FinancingApplication
from urikake.servicing.funding import fund_application
from urikake.servicing.models import Position
from urikake.treasury import collections, payouts
from urikake.treasury.models import (
    Allocation,
    Deposit,
    Payout,
    PayoutBatch,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("postgresql_only")]

THREADS = 20


def at_once(call: Callable[[int], Any], n: int = THREADS) -> list[tuple[str, Any]]:
    """Run ``call(i)`` in ``n`` threads released together; ("ok", value) or ("error", exc)."""
    barrier = threading.Barrier(n)
    results: list[tuple[str, Any]] = [("missing", None)] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = ("ok", call(i))
        except BaseException as exc:  # reported to the test, whatever it is
            results[i] = ("error", exc)
        finally:
            connection.close()  # each thread opened its own connection

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hangs (deadlock?)"
    return results


def unexpected(results: list[tuple[str, Any]]) -> list[Any]:
    return [r for kind, r in results if kind != "ok"]


def test_twenty_fundings_of_one_deal_make_one_payout(treasury_staff) -> None:
    deal = contracted_deal("three_party")
    perfect(deal, treasury_staff)
    application = FinancingApplication.objects.get(pk=deal.application.pk)

    results = at_once(lambda _: fund_application(application, acting_user=treasury_staff).pk)

    assert not unexpected(results), unexpected(results)
    payout = Payout.objects.get()
    assert {pk for _, pk in results} == {payout.pk}
    purchase = Position.objects.get()
    assert LedgerEntry.objects.filter(entry_id__startswith="purchase:").count() == 1
    assert LedgerEntry.objects.filter(entry_id=f"purchase:{purchase.pk}").exists()
    assert AuditRecord.objects.filter(action="treasury.funding_queued").count() == 1
    assert payout.amount == deal.application.offer["net_payout"]
    check_ledger()


def test_twenty_acceptances_of_one_offer_accept_it_once() -> None:
    deal = make_deal(accept=False)
    application = deal.application
    assert application.status == "offered"

    results = at_once(lambda _: receivables.accept_offer(application, acting_user=deal.user).status)

    outcomes = Counter(kind for kind, _ in results)
    assert outcomes == {"ok": 1, "error": THREADS - 1}, results
    errors = [e for kind, e in results if kind == "error"]
    assert all(type(e) is DomainError for e in errors), errors
    assert {e.code for e in errors} == {"application.illegal_transition"}
    application.refresh_from_db()
    assert application.status == "accepted"
    accepted = AuditRecord.objects.filter(
        action="application.accepted", object_id=str(application.pk)
    )
    assert accepted.count() == 1


def test_twenty_batch_builds_put_every_payout_in_one_batch(treasury_staff) -> None:
    for n in range(4):
        funded_deal(treasury_staff, amount=1_100_000 + 10_000 * n)
    payout_ids = set(Payout.objects.values_list("pk", flat=True))
    value_date = max(p.requested_for for p in Payout.objects.all())

    results = at_once(
        lambda _: payouts.build_batch(acting_user=treasury_staff, value_date=value_date)
    )

    assert not unexpected(results), unexpected(results)
    built = [b for _, b in results if b is not None]
    assert len(built) == 1
    assert PayoutBatch.objects.count() == 1
    assert built[0].total_count == len(payout_ids)
    assert not Payout.objects.filter(status="pending").exists()
    check_payouts(payout_ids)

    # Twenty operators marking the file as sent post each payout once.
    batch = built[0]
    batch = approved(batch)
    sent = at_once(lambda _: payouts.mark_sent(batch, acting_user=treasury_staff).status)
    assert not unexpected(sent), unexpected(sent)
    assert LedgerEntry.objects.filter(entry_id__startswith="payout:").count() == len(payout_ids)
    assert AuditRecord.objects.filter(action="treasury.batch_sent").count() == 1
    assert AuditRecord.objects.filter(action="application.funded").count() == len(payout_ids)
    check_payouts(payout_ids)
    check_ledger()


def test_twenty_reconcilers_apply_each_deposit_once(treasury_staff) -> None:
    deals = 4
    for n in range(deals):
        funded_deal(treasury_staff, amount=1_100_000 + 10_000 * n)
    value_date = max(p.requested_for for p in Payout.objects.all())
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=value_date)
    assert batch is not None
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    purchases = list(Position.objects.order_by("pk"))
    collections.import_collection_statement(
        statement_file(
            [(paid_on(p), p.face_amount, DEBTOR_PAYER) for p in purchases]
            + [(paid_on(purchases[0]), 12_345, "ﾀﾅｶ ﾀﾛｳ")]
        ),
        filename="nyukin.txt",
        acting_user=treasury_staff,
    )
    deposits = {d.amount: d for d in Deposit.objects.all()}
    targets = [(deposits[p.face_amount], p) for p in purchases]

    def reconcile_or_apply(i: int) -> Any:
        # Half the threads run the engine, half apply a deposit by hand (an operator).
        if i % 2 == 0:
            return collections.run_reconciliation(acting_user=treasury_staff)
        deposit, purchase = targets[i % len(targets)]
        return collections.apply_deposit(
            deposit, allocations=[(purchase.pk, purchase.face_amount)], acting_user=treasury_staff
        )

    results = at_once(reconcile_or_apply)

    assert not unexpected(results), unexpected(results)
    for deposit, purchase in targets:
        assert Allocation.objects.filter(deposit=deposit).count() == 1
        assert LedgerEntry.objects.filter(entry_id=f"deposit:{deposit.pk}:applied").count() == 1
        deposit.refresh_from_db()
        assert deposit.status in ("auto", "confirmed")
        purchase.refresh_from_db()
        assert purchase.status == "collected"
        assert purchase.collected_amount == purchase.face_amount
    assert Payout.objects.filter(kind="reserve").count() == deals
    assert Deposit.objects.get(amount=12_345).status == "unmatched"
    assert FinancingApplication.objects.filter(status="settled").count() == deals
    check_collections()
    check_ledger()


# ---------------------------------------------------------------------------------------------
# Over HTTP: POST /api/treasury/applications/{id}/fund with an Idempotency-Key
# ---------------------------------------------------------------------------------------------


def staff_headers(user: Any) -> dict[str, str]:
    """Cookies and CSRF header of a logged-in staff session (ninja's SessionAuth checks CSRF)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = secrets.token_hex(16)  # an unmasked 32-character secret is a valid token
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
    }


def post(url: str, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=b"", method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def test_twenty_http_fund_requests_have_one_effect(treasury_staff, live_server) -> None:
    same_key = contracted_deal("three_party")
    other_keys = contracted_deal("three_party", amount=1_210_000)
    for deal in (same_key, other_keys):
        perfect(deal, treasury_staff)
    headers = staff_headers(treasury_staff)

    def fund(deal: Any, key: str) -> tuple[int, Any]:
        url = f"{live_server.url}/api/treasury/applications/{deal.application.pk}/fund"
        return post(url, {**headers, "Idempotency-Key": key})

    one_key = at_once(lambda _: fund(same_key, "fund-once"))
    assert not unexpected(one_key), unexpected(one_key)
    answers = [answer for _, answer in one_key]
    assert {status for status, _ in answers} == {200}, answers
    assert all(body == answers[0][1] for _, body in answers)
    payout = Payout.objects.get(application=same_key.application)
    assert answers[0][1]["id"] == payout.pk
    assert IdempotentRequest.objects.filter(scope=f"fund:{same_key.application.pk}").count() == 1

    many_keys = at_once(lambda i: fund(other_keys, f"fund-{i}"))
    assert not unexpected(many_keys), unexpected(many_keys)
    answers = [answer for _, answer in many_keys]
    assert {status for status, _ in answers} == {200}, answers
    payout = Payout.objects.get(application=other_keys.application)
    assert {body["id"] for _, body in answers} == {payout.pk}
    assert (
        IdempotentRequest.objects.filter(scope=f"fund:{other_keys.application.pk}").count()
        == THREADS
    )
    assert Payout.objects.count() == 2
    assert AuditRecord.objects.filter(action="treasury.funding_queued").count() == 2
    check_ledger()


def test_twenty_imports_of_one_statement_store_its_deposits_once(treasury_staff) -> None:
    deal = funded_deal(treasury_staff)
    purchase = Position.objects.get(application=deal.application)
    content = statement_file(
        [
            (paid_on(purchase), purchase.face_amount, DEBTOR_PAYER),
            (paid_on(purchase), 12_345, "ﾀﾅｶ ﾀﾛｳ"),
        ]
    )

    results = at_once(
        lambda i: collections.import_collection_statement(
            content, filename=f"nyukin-{i}.txt", acting_user=treasury_staff
        )
    )

    assert not unexpected(results), unexpected(results)
    assert sum(1 for _, r in results if r.statement is not None) == 1
    assert Deposit.objects.count() == 2
    assert LedgerEntry.objects.filter(entry_id__endswith=":received").count() == 2
    check_ledger()
