"""After the true sale a default, a write-off or a recovery on a sold position is the SPV's:
it is recorded against the pool (its actual performance, the trigger) and never booked to
the platform's 貸倒損失; what the client's holdback covers, and any recovery, is owed to
the SPV (SPV預り金)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.fixtures.deals import DEBTOR_PAYER
from tests.integration.treasury.helpers import funded_deal, paid_on, statement_file
from urikake.audit.models import AuditRecord
from urikake.domain import ledger as book
from urikake.ledger import services as ledger
from urikake.receivables.models import FinancingApplication
from urikake.securitization import services
from urikake.securitization.models import Pool, PoolEvent
from urikake.servicing import overdue
from urikake.servicing.models import Position
from urikake.treasury import collections
from urikake.treasury.models import Deposit

pytestmark = pytest.mark.django_db


def _sold(treasury_staff: Any, structuring_staff: Any, amount: int) -> tuple[Position, Pool]:
    deal = funded_deal(treasury_staff, amount=amount)
    _advance_sent(deal)
    position = Position.objects.get(application=deal.application)
    pool = services.build_pool(
        name="P",
        cut_off=timezone.localdate(),
        method="specific",
        allowed_products=[position.product],
        concentration_limit=Decimal(1),
        acting_user=structuring_staff,
    )
    pool = services.sell_pool(pool, on=timezone.localdate(), acting_user=structuring_staff)
    return position, pool


def _advance_sent(deal: Any) -> None:
    # As the payout batch's 送信済み does: only a funded deal can default or be written off.
    FinancingApplication.objects.filter(pk=deal.application.pk).update(status="funded")


def _second_treasury(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(
        email="treasury2@staff.example", password="x" * 20, is_staff=True, staff_role="treasury"
    )


def test_a_write_off_of_a_sold_position_is_the_spvs_loss(
    treasury_staff, structuring_staff, django_user_model
):
    position, pool = _sold(treasury_staff, structuring_staff, 1_300_000)
    receivable = book.receivable(position.client_code, position.debtor_code)
    residual, holdback = position.residual, overdue.holdback_left(position)
    assert ledger.balance(receivable) == 0  # the sale took it off the books
    loss_before = ledger.balance(book.WRITE_OFF)

    overdue.mark_default(position, acting_user=treasury_staff, comment="支払停止")
    overdue.propose_write_off(position, acting_user=treasury_staff, comment="破産")
    position.refresh_from_db()
    overdue.approve_write_off(
        position, acting_user=_second_treasury(django_user_model), comment="承認"
    )
    position.refresh_from_db()
    assert position.status == "written_off"

    # The platform's books: no credit loss, the receivable account untouched (not negative).
    assert ledger.balance(book.WRITE_OFF) == loss_before
    assert ledger.balance(receivable) == 0
    # What the holdback covered is owed to the SPV, with the collections.
    assert -ledger.balance(f"spv_payable:{pool.code}") == min(holdback, residual)
    assert ledger.unbalanced_entries() == []

    # The SPV's record: one default and one write-off, the default counted once.
    kinds = list(pool.events.order_by("pk").values_list("kind", "amount"))
    assert kinds == [("default", residual), ("write_off", residual)]
    record = services.performance(pool)
    assert record.defaulted == residual
    assert record.spv_loss == residual - min(holdback, residual)
    assert record.cumulative_default_ratio == Decimal(residual) / Decimal(pool.balance)
    # One position is the whole pool: far above the trigger, marked once and audited.
    assert record.breached
    pool.refresh_from_db()
    assert pool.trigger_breached_on == timezone.localdate()
    assert AuditRecord.objects.filter(action="securitization.trigger_breached").count() == 1
    assert AuditRecord.objects.filter(action="securitization.credit_event").count() == 2


def test_a_recovery_after_default_passes_to_the_spv(treasury_staff, structuring_staff):
    position, pool = _sold(treasury_staff, structuring_staff, 1_100_000)
    overdue.mark_default(position, acting_user=treasury_staff, comment="延滞")
    part = position.residual // 2
    collections.import_collection_statement(
        statement_file([(paid_on(position), part, DEBTOR_PAYER)]),
        filename="s.txt",
        acting_user=treasury_staff,
    )
    collections.run_reconciliation()
    deposit = Deposit.objects.get()
    if deposit.status != "matched":
        collections.confirm_suggestion(
            deposit, purchase_ids=[position.pk], acting_user=treasury_staff
        )
    assert -ledger.balance(f"spv_payable:{pool.code}") == part
    recovery = PoolEvent.objects.get(kind="recovery")
    assert recovery.amount == part
    assert services.performance(pool).recovered == part
    assert ledger.balance(book.WRITE_OFF) == 0


def test_an_unsold_write_off_still_books_the_platforms_loss(
    treasury_staff, structuring_staff, django_user_model
):
    deal = funded_deal(treasury_staff, amount=1_200_000)
    _advance_sent(deal)
    position = Position.objects.get(application=deal.application)
    overdue.propose_write_off(position, acting_user=treasury_staff, comment="破産")
    position.refresh_from_db()
    outcome = overdue.approve_write_off(
        position, acting_user=_second_treasury(django_user_model), comment="承認"
    )
    assert ledger.balance(book.WRITE_OFF) == outcome.written_off > 0
    assert not PoolEvent.objects.exists()
