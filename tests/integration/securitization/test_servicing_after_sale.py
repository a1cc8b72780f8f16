"""After the true sale the platform keeps servicing: a collection on a sold position is owed
to the SPV (SPV預り金), and remitting it empties that account."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from tests.fixtures.deals import DEBTOR_PAYER
from tests.integration.treasury.helpers import funded_deal, paid_on, statement_file
from urikake.domain.errors import DomainError
from urikake.ledger import services as ledger
from urikake.securitization import services
from urikake.servicing.models import Position
from urikake.treasury import collections
from urikake.treasury.models import Deposit

pytestmark = pytest.mark.django_db


def test_collection_on_a_sold_position_is_owed_to_the_spv(treasury_staff, structuring_staff):
    deal = funded_deal(treasury_staff, amount=1_300_000)
    position = Position.objects.get(application=deal.application)
    receivable = f"receivable:{position.client_code}:{position.debtor_code}"
    pool = services.build_pool(
        name="P",
        cut_off=timezone.localdate(),
        method="specific",
        allowed_products=[position.product],
        concentration_limit=Decimal(1),
        acting_user=structuring_staff,
    )
    assert services.sold_in(position.pk) is None
    services.sell_pool(pool, on=timezone.localdate(), acting_user=structuring_staff)
    assert services.sold_in(position.pk) == pool.code
    assert ledger.balance(receivable) == 0

    collections.import_collection_statement(
        statement_file([(paid_on(position), position.face_amount, DEBTOR_PAYER)]),
        filename="s.txt",
        acting_user=treasury_staff,
    )
    summary = collections.run_reconciliation()
    if not summary.auto:
        collections.confirm_suggestion(
            Deposit.objects.get(), purchase_ids=[position.pk], acting_user=treasury_staff
        )
    position.refresh_from_db()
    assert position.status == "collected"
    assert ledger.balance(receivable) == 0  # not driven below zero by the collection
    owed = -ledger.balance(f"spv_payable:{pool.code}")
    assert owed == position.face_amount

    paid = services.remit_collections(
        pool,
        on=timezone.localdate(),
        cash_account=ledger.operating_cash_account(),
        acting_user=structuring_staff,
    )
    assert paid == owed
    assert ledger.balance(f"spv_payable:{pool.code}") == 0
    assert ledger.unbalanced_entries() == []
    assert (
        services.remit_collections(
            pool,
            on=timezone.localdate(),
            cash_account=ledger.operating_cash_account(),
            acting_user=structuring_staff,
        )
        == 0
    )


def test_the_spv_pays_the_price(treasury_staff, structuring_staff):
    deal = funded_deal(treasury_staff, amount=1_200_000)
    position = Position.objects.get(application=deal.application)
    pool = services.build_pool(
        name="P",
        cut_off=timezone.localdate(),
        method="specific",
        allowed_products=[position.product],
        concentration_limit=Decimal(1),
        acting_user=structuring_staff,
    )
    cash = ledger.operating_cash_account()
    with pytest.raises(DomainError):
        services.record_price_received(
            pool, on=timezone.localdate(), cash_account=cash, acting_user=structuring_staff
        )
    services.sell_pool(pool, on=timezone.localdate(), acting_user=structuring_staff)
    due = ledger.balance(f"spv_receivable:{pool.code}")
    assert due == pool.sold_balance - services.retained_amount(pool) > 0
    before = ledger.balance(cash)
    got = services.record_price_received(
        pool, on=timezone.localdate(), cash_account=cash, acting_user=structuring_staff
    )
    assert got == due
    assert ledger.balance(cash) == before + due
    assert ledger.balance(f"spv_receivable:{pool.code}") == 0
    assert (
        services.record_price_received(
            pool, on=timezone.localdate(), cash_account=cash, acting_user=structuring_staff
        )
        == 0
    )
