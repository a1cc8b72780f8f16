"""Invoices (all problems at once, fingerprints for double assignment) and the financing
application's first transitions (issue 4, items 2 and 4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from urikake.applicants.models import Membership, Organization
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.receivables import services
from urikake.receivables.models import FinancingApplication, InvoiceNearKey

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 23)


@pytest.fixture
def world(django_user_model):
    user = django_user_model.objects.create_user(email="owner@example.jp", password="x" * 20)
    org = Organization.objects.create(kind="corporation", name="株式会社テスト")
    Membership.objects.create(user=user, organization=org, role="owner")
    debtor = services.register_debtor(
        org, acting_user=user, name="株式会社ヤマダ商事", name_kana="ヤマダシヨウジ"
    )
    return user, org, debtor


def _invoice(**overrides) -> InvoiceData:
    values = {
        "issuer_name": "株式会社テスト",
        "debtor_name": "株式会社ヤマダ商事",
        "invoice_number": "INV-2026-0101",
        "issue_date": date(2026, 11, 1),
        "due_date": date(2026, 12, 31),
        "total_amount": 1_100_000,
        "issuer_registration_number": "T1180301018771",
        "tax_breakdown": (TaxBreakdown(Decimal("0.10"), 1_000_000, 100_000),),
    }
    values.update(overrides)
    return InvoiceData(**values)


def test_register_invoice_stores_fingerprint_and_near_keys(world) -> None:
    user, org, debtor = world
    invoice = services.register_invoice(
        org, _invoice(), acting_user=user, debtor=debtor, source="form", today=TODAY
    )
    assert len(invoice.fingerprint) == 64
    assert InvoiceNearKey.objects.filter(invoice=invoice).count() == 2
    assert invoice.tax_breakdown == [{"rate": "0.10", "taxable": 1_000_000, "tax": 100_000}]
    assert AuditRecord.objects.filter(action="invoice.registered").count() == 1


def test_every_problem_is_reported_and_nothing_stored(world) -> None:
    user, org, debtor = world
    bad = _invoice(total_amount=0, due_date=date(2026, 10, 1), issuer_registration_number="T123")
    with pytest.raises(services.InvoiceRejected) as exc:
        services.register_invoice(
            org, bad, acting_user=user, debtor=debtor, source="form", today=TODAY
        )
    fields = {p.field for p in exc.value.problems}
    assert {"total_amount", "due_date", "issuer_registration_number"} <= fields
    assert not org.invoices.exists()


def test_the_same_invoice_twice_in_one_organisation_is_refused(world) -> None:
    user, org, debtor = world
    services.register_invoice(
        org, _invoice(), acting_user=user, debtor=debtor, source="form", today=TODAY
    )
    with pytest.raises(DomainError) as exc:
        services.register_invoice(
            org,
            _invoice(invoice_number="inv 2026 0101"),
            acting_user=user,
            debtor=debtor,
            source="form",
            today=TODAY,
        )
    assert exc.value.code == "invoice.duplicate"


def test_application_needs_verified_ekyc_and_follows_the_state_machine(world) -> None:
    user, org, debtor = world
    invoice = services.register_invoice(
        org, _invoice(), acting_user=user, debtor=debtor, source="form", today=TODAY
    )
    application = services.create_application(
        org, acting_user=user, product="two_party", invoices=[invoice]
    )
    assert application.status == "draft"
    assert application.requested_amount == 1_100_000
    with pytest.raises(DomainError) as exc:
        services.submit_application(application, acting_user=user)
    assert exc.value.code == "kyc.not_verified"
    cancelled = services.cancel_application(application, acting_user=user)
    assert cancelled.status == "cancelled"
    with pytest.raises(DomainError) as exc:
        services.cancel_application(cancelled, acting_user=user)
    assert exc.value.code == "application.illegal_transition"
    assert FinancingApplication.objects.get(pk=application.pk).status == "cancelled"


def test_requested_amount_is_bounded_by_the_invoices(world) -> None:
    user, org, debtor = world
    invoice = services.register_invoice(
        org, _invoice(), acting_user=user, debtor=debtor, source="form", today=TODAY
    )
    with pytest.raises(DomainError) as exc:
        services.create_application(
            org,
            acting_user=user,
            product="three_party",
            invoices=[invoice],
            requested_amount=2_000_000,
        )
    assert exc.value.code == "application.amount"
