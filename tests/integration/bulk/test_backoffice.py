"""The back office of bulk factoring through its pages: a reviewer enrols a buyer, registers a
supplier and changes the rate (treasury may not); the treasury operator invoices the monthly
fee and records its payment (a reviewer may not). Every change is audited; the books balance."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.fixtures.clients import applicant_client
from tests.fixtures.deals import verified_applicant
from tests.integration.bulk.helpers import business_day, csv_of
from tests.integration.lending.helpers import staff
from urikake.audit.models import AuditRecord
from urikake.bulk import services
from urikake.bulk.models import BuyerProgram, FeeInvoice, Supplier
from urikake.ledger import services as ledger

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_enrol_supplier_terms_and_fees_through_the_pages(django_user_model) -> None:
    reviewer, treasury = staff("reviewer"), staff("treasury")
    buyer_user, buyer_org = verified_applicant(name="株式会社買主", kana="カイヌシ")
    supplier_user, supplier_org = verified_applicant(email="sup@example.jp", name="株式会社仕入")
    rev, ops = _client(reviewer), _client(treasury)

    form = {
        "organization": buyer_org.pk,
        "risk_rate": "2.5",
        "base_fee": 30000,
        "per_item_fee": 100,
    }
    assert ops.post("/backoffice/bulk/enroll/", form).status_code == 403
    r = rev.post("/backoffice/bulk/enroll/", form)
    program = BuyerProgram.objects.get(organization=buyer_org)
    assert r.status_code == 302
    assert program.risk_rate == Decimal("0.025")
    # Enrolling twice is refused with a message, nothing changes.
    rev.post("/backoffice/bulk/enroll/", form)
    assert BuyerProgram.objects.count() == 1

    r = rev.post(
        f"/backoffice/bulk/{program.pk}/suppliers/",
        {"organization": supplier_org.pk, "code": "S1"},
    )
    supplier = Supplier.objects.get(program=program)
    assert supplier.code == "S1"
    assert bytes(supplier.agreement_pdf).startswith(b"%PDF")
    rev.post(
        f"/backoffice/bulk/{program.pk}/terms/",
        {"risk_rate": "31", "base_fee": 30000, "per_item_fee": 100},
    )
    program.refresh_from_db()
    assert program.risk_rate == Decimal("0.025")  # above 30%: refused
    rev.post(
        f"/backoffice/bulk/{program.pk}/terms/",
        {"risk_rate": "3.2", "base_fee": 20000, "per_item_fee": 50},
    )
    program.refresh_from_db()
    assert (program.risk_rate, program.base_fee, program.per_item_fee) == (
        Decimal("0.032"),
        20_000,
        50,
    )
    detail = rev.get(f"/backoffice/bulk/{program.pk}/").content.decode()
    assert "株式会社仕入" in detail

    services.upload_payables(
        program,
        csv_of([("S1", "A-1", 10_000, business_day(20)), ("S1", "A-2", 20_000, business_day(20))]),
        filename="p.csv",
        acting_user=buyer_user,
    )
    today = timezone.localdate()
    assert rev.post(f"/backoffice/bulk/{program.pk}/fees/", {"month": today}).status_code == 403
    ops.post(f"/backoffice/bulk/{program.pk}/fees/", {"month": today})
    invoice = FeeInvoice.objects.get(program=program)
    assert invoice.amount == 20_000 + 2 * 50
    assert ops.get(f"/backoffice/bulk/fees/{invoice.pk}/pdf/").content.startswith(b"%PDF")
    ops.post(
        f"/backoffice/bulk/fees/{invoice.pk}/paid/",
        {"received_on": today, "amount": invoice.amount - 1},
    )
    invoice.refresh_from_db()
    assert invoice.paid_on is None  # a wrong amount is refused
    ops.post(
        f"/backoffice/bulk/fees/{invoice.pk}/paid/",
        {"received_on": today, "amount": invoice.amount},
    )
    invoice.refresh_from_db()
    assert invoice.paid_on == today
    # The buyer downloads its invoice; the supplier may not.
    buyer_page, supplier_page = applicant_client(buyer_user), applicant_client(supplier_user)
    assert buyer_page.get(f"/my/bulk/fees/{invoice.pk}/pdf/").status_code == 200
    assert supplier_page.get(f"/my/bulk/fees/{invoice.pk}/pdf/").status_code == 404
    actions = list(AuditRecord.objects.values_list("action", flat=True))
    assert actions.count("bulk.terms_changed") == 1
    assert {
        "bulk.buyer_enrolled",
        "bulk.supplier_added",
        "bulk.fee_invoiced",
        "bulk.fee_paid",
    } <= set(actions)
    assert ledger.trial_balance().balanced
