"""A borrower with a year of debtor payments, invoices to pledge, and staff — for lending tests
(services here; the browser journey reuses them)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.fixtures.deals import (
    DEBTOR_CORPORATE_NUMBER,
    DEBTOR_KANA,
    DEBTOR_NAME,
    DEBTOR_PAYER,
    payment_history,
    verified_applicant,
)
from tests.fixtures.numbers import next_invoice_number
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.domain.lending import LoanDocument
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.lending import services
from urikake.lending.models import LoanFacility
from urikake.receivables import services as receivables
from urikake.receivables.models import Invoice

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def staff(role: str, email: str | None = None):
    email = email or f"{role}-{uuid.uuid4().hex[:6]}@staff.example"
    user = get_user_model().objects.create_user(
        email=email, password="s" * 20, is_staff=True, staff_role=role
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def borrower(email: str | None = None):
    """A verified applicant whose statements show the debtor paying for over a year (the
    shared history covers eleven months; one older payment makes it a year, IV.4)."""
    user, org = verified_applicant(email=email)
    payment_history(org, user)
    older = timezone.localdate() - timedelta(days=400)
    line = StatementLine(
        value_date=older,
        direction=Direction.DEPOSIT,
        amount=1_100_000,
        counterparty=DEBTOR_PAYER,
        reference="00000400",
        line_number=1,
    )
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT, "0001", "001", 1, "1234567", "", None, None, (line,)
    )
    receivables.import_statement(org, statement, acting_user=user, content=b"older history")
    return user, org


def invoice(org, user, amount: int, *, due_days: int = 60, number: str | None = None) -> Invoice:
    today = timezone.localdate()
    debtor = org.debtors.filter(corporate_number=DEBTOR_CORPORATE_NUMBER).first()
    if debtor is None:
        debtor = receivables.register_debtor(
            org,
            acting_user=user,
            name=DEBTOR_NAME,
            name_kana=DEBTOR_KANA,
            corporate_number=DEBTOR_CORPORATE_NUMBER,
        )
    data = InvoiceData(
        issuer_name=org.name,
        debtor_name=DEBTOR_NAME,
        invoice_number=number or next_invoice_number(),
        issue_date=today - timedelta(days=1),
        due_date=today + timedelta(days=due_days),
        total_amount=amount,
        tax_breakdown=(
            TaxBreakdown(Decimal("0.10"), amount * 10 // 11, amount - amount * 10 // 11),
        ),
    )
    return receivables.register_invoice(org, data, acting_user=user, debtor=debtor, source="form")


def documents_checked(facility: LoanFacility, user, reviewer) -> None:
    for kind in LoanDocument:
        if not kind.required:
            continue
        doc = services.upload_document(
            facility,
            kind=kind,
            filename=f"{kind.value}.pdf",
            content=PDF,
            content_type="application/pdf",
            acting_user=user,
        )
        services.check_document(doc, acting_user=reviewer, accepted=True)


def active_revolving(user, org, reviewer, treasury, *, draw: int = 1_000_000) -> LoanFacility:
    """A revolving loan through the services: applied, documents checked, decided (2.5%),
    signed, perfected and drawn once (``draw=0``: not drawn yet)."""
    from decimal import Decimal as D

    inv = invoice(org, user, 2_200_000)
    facility = services.apply_for_loan(
        org,
        acting_user=user,
        scheme="revolving",
        guarantee_scheme="receivables_2001",
        requested_amount=2_000_000,
        purpose="運転資金",
        invoices=[inv],
    )
    documents_checked(facility, user, reviewer)
    facility = services.decide(
        facility,
        acting_user=reviewer,
        approve=True,
        comment="ok",
        interest_rate=D("0.025"),
        decided_amount=2_000_000,
    )
    facility = services.sign_contract(
        facility, acting_user=user, agreed_sha256=facility.contract_sha256, ip_address=None
    )
    services.record_perfection(facility, perfected_on=timezone.localdate(), acting_user=treasury)
    if draw:
        services.draw(facility, amount=draw, acting_user=treasury)
    facility.refresh_from_db()
    return facility
