"""`urikake demo` shows the newer products working: bulk factoring (a buyer, the client as
its signed supplier, payables, one paid early), a guarantee in force and one waiting, a loan
drawn and repaid once and one in review — made through the products' services, once."""

from __future__ import annotations

from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from urikake.accounts.models import User
from urikake.audit.models import AuditRecord
from urikake.bulk.models import BuyerProgram, Payable
from urikake.guarantees.models import GuaranteeContract
from urikake.ledger import services as ledger
from urikake.lending import services as lending
from urikake.lending.models import LoanFacility
from urikake.system.demo_products import BUYER_EMAIL
from urikake.system.demo_treasury import CLIENT_EMAIL
from urikake.treasury.models import Payout

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(tmp_path: Path, settings) -> None:
    settings.VAR_DIR = tmp_path
    call_command("demo")


def _page(email: str, url: str) -> str:
    user = User.objects.get(email=email)
    if user.is_staff:  # staff pages ask for the second factor first
        TOTP.activate(user, generate_totp_secret())
    browser = Client()
    browser.force_login(user)
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_the_products_are_made_once_and_the_books_balance(demo: None) -> None:
    call_command("demo")  # a second run finds them and makes nothing
    assert AuditRecord.objects.filter(action="demo.products_loaded").count() == 1
    assert User.objects.filter(email=BUYER_EMAIL).count() == 1
    assert ledger.trial_balance().balanced
    # The early payment and the loan's payout left through dual control.
    sent = Payout.objects.filter(kind__in=["bulk", "loan"])
    assert sent.count() == 2
    assert {p.status for p in sent} == {"sent"}
    assert {p.batch.approved_by.email for p in sent} == {"treasury2@demo.urikake.example"}


def test_bulk_factoring_buyer_supplier_and_an_early_payment(demo: None) -> None:
    program = BuyerProgram.objects.get(organization__memberships__user__email=BUYER_EMAIL)
    supplier = program.suppliers.get(organization__memberships__user__email=CLIENT_EMAIL)
    assert supplier.consented
    assert supplier.signed_pdf
    statuses = list(supplier.payables.order_by("due_date").values_list("status", flat=True))
    assert statuses == [Payable.Status.EARLY] + [Payable.Status.OPEN] * 3
    early = supplier.payables.get(status=Payable.Status.EARLY)
    assert early.discount
    assert early.early_payout is not None
    # The demo applicant is invited and has not signed.
    assert program.suppliers.exclude(pk=supplier.pk).get().signed_at is None

    mine = _page(CLIENT_EMAIL, reverse("bulk:home"))
    assert "株式会社デモ流通" in mine
    detail = _page(CLIENT_EMAIL, reverse("bulk:program", args=[supplier.pk]))
    assert early.invoice_number in detail
    assert reverse("bulk:early", args=[supplier.payables.filter(status="open").first().pk]) in (
        detail
    )
    buyer = _page(BUYER_EMAIL, reverse("bulk:home"))
    assert "株式会社デモ運送" in buyer
    assert "UNSO01" in buyer


def test_a_guarantee_in_force_and_one_waiting_for_review(demo: None) -> None:
    mine = GuaranteeContract.objects.filter(
        organization__memberships__user__email=CLIENT_EMAIL
    ).order_by("pk")
    assert [g.status for g in mine] == ["active", "submitted"]
    issued = mine[0]
    assert issued.signed_pdf
    assert issued.premium_charged > 0
    assert issued.premium_due == 0  # the premium was received
    page = _page(CLIENT_EMAIL, reverse("guarantees:list"))
    assert "お申込みはまだありません" not in page
    for g in mine:
        assert g.code in page
    queue = _page("reviewer@demo.urikake.example", reverse("guarantees_backoffice:list"))
    assert mine[1].code in queue


def test_a_loan_being_repaid_and_one_in_review(demo: None) -> None:
    loans = LoanFacility.objects.filter(
        organization__memberships__user__email=CLIENT_EMAIL
    ).order_by("pk")
    assert [f.status for f in loans] == ["active", "submitted"]
    drawn = loans[0]
    assert drawn.signed_pdf
    assert drawn.draws.count() == 1
    repayment = drawn.repayments.get()
    assert repayment.principal == 1_100_000
    assert lending.outstanding_principal(drawn) == 2_500_000 - 1_100_000
    assert lending.borrowing_base(drawn).shortfall == 0
    page = _page(CLIENT_EMAIL, reverse("lending:list"))
    for f in loans:
        assert f.code in page
    _page(CLIENT_EMAIL, reverse("lending:detail", args=[drawn.pk]))
    staff = _page("reviewer@demo.urikake.example", reverse("lending_backoffice:list"))
    assert loans[1].code in staff
