"""Building blocks for the plans tests: an invoice of a given amount for an applicant."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from tests.fixtures.deals import DEBTOR_CORPORATE_NUMBER, DEBTOR_KANA, DEBTOR_NAME
from tests.fixtures.numbers import next_invoice_number
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.receivables import services
from urikake.receivables.models import Invoice


def invoice_of(org: Any, user: Any, amount: int, due_days: int = 60) -> Invoice:
    today = timezone.localdate()
    debtor = org.debtors.filter(
        corporate_number=DEBTOR_CORPORATE_NUMBER
    ).first() or services.register_debtor(
        org,
        acting_user=user,
        name=DEBTOR_NAME,
        name_kana=DEBTOR_KANA,
        corporate_number=DEBTOR_CORPORATE_NUMBER,
    )
    data = InvoiceData(
        issuer_name=org.name,
        debtor_name=DEBTOR_NAME,
        invoice_number=next_invoice_number(),
        issue_date=today - timedelta(days=1),
        due_date=today + timedelta(days=due_days),
        total_amount=amount,
        tax_breakdown=(
            TaxBreakdown(Decimal("0.10"), amount * 10 // 11, amount - amount * 10 // 11),
        ),
    )
    return services.register_invoice(org, data, acting_user=user, debtor=debtor, source="form")
