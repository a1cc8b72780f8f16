"""A client with a debtor and invoices, and staff — for guarantee tests (services here; the
browser journey reuses them)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.fixtures.deals import verified_applicant
from tests.integration.lending.helpers import invoice, staff
from urikake.domain.bank_calendar import is_bank_business_day, next_bank_business_day
from urikake.guarantees import services
from urikake.guarantees.models import GuaranteeContract

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

__all__ = ["PDF", "active_individual", "client", "invoice", "staff", "value_day"]


def value_day(day):
    """The transfer date of a payout requested for ``day`` (the bank's next business day)."""
    return day if is_bank_business_day(day) else next_bank_business_day(day)


def client(email: str | None = None):
    return verified_applicant(email=email)


def active_individual(user, org, reviewer, *, face: int = 1_100_000, amount: int = 1_000_000):
    """An individual guarantee through the services: applied, approved (normal grade: 2%,
    no waiting period), signed — the guarantee runs."""
    inv = invoice(org, user, face)
    today = timezone.localdate()
    contract = services.apply(
        org,
        acting_user=user,
        scheme="individual",
        debtor=inv.debtor,
        invoice=inv,
        requested_amount=amount,
        period_start=today,
        period_end=today + timedelta(days=90),
    )
    services.decide(
        contract, acting_user=reviewer, approve=True, comment="", grade="normal", waiting_days=0
    )
    contract.refresh_from_db()
    services.sign_contract(
        contract, acting_user=user, agreed_sha256=contract.contract_sha256, ip_address=None
    )
    return GuaranteeContract.objects.get(pk=contract.pk), inv
