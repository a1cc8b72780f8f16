"""Funding pairs each invoice with its own offer line (issue 9 item 5).

Two invoices of different debtors with the same face amount and due date but different risk
must keep their own fee: the offer lines carry the invoice id, and the order of the lines in
the stored offer means nothing (an application's invoices come back from the database in no
promised order, so screening may list them in any order).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.fixtures.deals import (
    DEBTOR_CORPORATE_NUMBER,
    DEBTOR_KANA,
    DEBTOR_NAME,
    payment_history,
    verified_applicant,
)
from tests.integration.treasury.helpers import perfect
from urikake.contracts.terms import deal_terms
from urikake.domain.errors import DomainError
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.receivables import review, services
from urikake.receivables.models import FinancingApplication, Invoice
from urikake.receivables.tasks import screen_application
from urikake.servicing.funding import fund_application
from urikake.servicing.models import Position

pytestmark = pytest.mark.django_db

AMOUNT = 1_100_000


def _invoice(org, user, debtor, number: str, due) -> Invoice:
    data = InvoiceData(
        issuer_name=org.name,
        debtor_name=debtor.name,
        invoice_number=number,
        issue_date=timezone.localdate() - timedelta(days=1),
        due_date=due,
        total_amount=AMOUNT,
        tax_breakdown=(
            TaxBreakdown(Decimal("0.10"), AMOUNT * 10 // 11, AMOUNT - AMOUNT * 10 // 11),
        ),
    )
    return services.register_invoice(org, data, acting_user=user, debtor=debtor, source="form")


@pytest.fixture
def twin_deal(django_user_model):
    """An accepted application: a well-known debtor (grade A) and an unknown one (grade C,
    referred and approved by a reviewer), same face, same due date."""
    user, org = verified_applicant()
    payment_history(org, user)
    known = services.register_debtor(
        org,
        acting_user=user,
        name=DEBTOR_NAME,
        name_kana=DEBTOR_KANA,
        corporate_number=DEBTOR_CORPORATE_NUMBER,
    )
    unknown = services.register_debtor(
        org,
        acting_user=user,
        name="株式会社スズキ工業",
        name_kana="カブシキガイシャスズキコウギヨウ",
    )
    due = timezone.localdate() + timedelta(days=60)
    first = _invoice(org, user, known, "INV-A", due)
    second = _invoice(org, user, unknown, "INV-B", due)
    app = services.create_application(
        org, acting_user=user, product="three_party", invoices=[first, second]
    )
    services.submit_application(app, acting_user=user)
    screen_application.call(app.pk)
    reviewer = django_user_model.objects.create_user(
        email="rev@staff.example", password="x" * 20, is_staff=True, staff_role="reviewer"
    )
    app = review.review_application(
        FinancingApplication.objects.get(pk=app.pk),
        acting_user=reviewer,
        verdict="approve",
        comment="取引実態を電話で確認",
    )
    app = services.accept_offer(app, acting_user=user)
    lines = app.offer["invoices"]
    fees = {line["invoice_id"]: line["fee"] for line in lines}
    assert fees[first.pk] != fees[second.pk], "the two invoices must be priced differently"
    # The stored line order is not the invoices' order: put the second invoice's line first.
    lines.sort(key=lambda line: line["invoice_id"] != second.pk)
    FinancingApplication.objects.filter(pk=app.pk).update(offer={**app.offer, "invoices": lines})
    app.refresh_from_db()
    return user, app, {line["invoice_id"]: line for line in lines}


def test_same_amount_and_due_date_keep_their_own_fee_and_holdback(
    twin_deal, treasury_staff
) -> None:
    user, app, lines = twin_deal
    app = services.mark_contracted(app, acting_user=user)
    perfect(type("D", (), {"application": app})(), treasury_staff)
    payout = fund_application(app, acting_user=treasury_staff)
    purchases = Position.objects.filter(application=app)
    assert purchases.count() == 2
    for purchase in purchases:
        line = lines[purchase.invoice_id]
        assert (purchase.fee, purchase.holdback, purchase.advance_amount) == (
            line["fee"],
            line["holdback"],
            line["advance_amount"],
        )
    assert payout.amount == app.offer["net_payout"]


def test_contract_documents_state_each_invoice_with_its_own_terms(twin_deal) -> None:
    _, app, lines = twin_deal
    terms = deal_terms(app)
    by_number = {item.invoice_number: item for item in terms.invoices}
    for invoice in app.invoices.all():
        assert by_number[invoice.invoice_number].fee == lines[invoice.pk]["fee"]


def test_an_offer_line_for_another_invoice_is_refused(twin_deal, treasury_staff) -> None:
    user, app, _ = twin_deal
    stray = [dict(line) for line in app.offer["invoices"]]
    stray[0]["invoice_id"] = 999_999
    FinancingApplication.objects.filter(pk=app.pk).update(offer={**app.offer, "invoices": stray})
    app.refresh_from_db()
    app = services.mark_contracted(app, acting_user=user)
    perfect(type("D", (), {"application": app})(), treasury_staff)
    with pytest.raises(DomainError) as exc:
        fund_application(app, acting_user=treasury_staff)
    assert exc.value.code == "offer.mismatch"
    assert not Position.objects.exists()


def test_old_offers_get_their_invoice_ids_from_the_screening_explanation(twin_deal) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("urikake.receivables.migrations.0006_offer_lines_carry_invoice_id")
    _, app, lines = twin_deal
    # An offer as stored before lines carried ids: in screening's order, without invoice_id.
    order = [e["invoice"] for e in app.screening_result["invoices"]]
    old = [{k: v for k, v in lines[pk].items() if k != "invoice_id"} for pk in order]
    FinancingApplication.objects.filter(pk=app.pk).update(offer={**app.offer, "invoices": old})
    app.refresh_from_db()
    with pytest.raises(DomainError) as exc:  # alike in face and due date: refused, not guessed
        app.offer_lines(app.invoices.all())
    assert exc.value.code == "offer.ambiguous"
    migration.backfill_offer_invoice_ids(apps, None)
    app.refresh_from_db()
    paired = app.offer_lines(app.invoices.all())
    assert {pk: line["fee"] for pk, line in paired.items()} == {
        pk: line["fee"] for pk, line in lines.items()
    }
