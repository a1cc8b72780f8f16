"""Issue 5, "done when" 1 — over HTTP, as the applicant and the treasury operator would:
an accepted offer → signing after re-authentication (the sealed PDF verified by poppler's
pdfsig) → perfection (notice with 確定日付, delivered) → funding → a 全銀 総合振込 file →
sent → the bank statement with the debtor's payment (transfer fee deducted) → automatic
reconciliation → the holdback released and paid → the deal settled, and the trial balance
zero with every account of this client at zero."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.fixtures.clock import travel_to
from tests.fixtures.deals import DEBTOR_PAYER, make_deal
from tests.integration.contracts.conftest import PASSWORD, owner_client
from tests.integration.contracts.test_signing import pdfsig
from tests.integration.treasury.helpers import second_treasury_user, statement_file
from urikake.contracts.models import ContractDocument
from urikake.domain.zengin_transfer import parse_transfer_file
from urikake.ledger import services as ledger
from urikake.servicing.models import Position
from urikake.treasury.models import Deposit, Payout, PayoutBatch
from urikake.treasury.policy import client_code, next_value_date, platform_cash_account

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _platform(settings) -> None:
    from tests.integration.contracts.conftest import PLATFORM_ACCOUNT

    for name, value in PLATFORM_ACCOUNT.items():
        setattr(settings, name, value)


def _send_batch(staff: Client, value_date) -> PayoutBatch:
    value_date = max(value_date, next_value_date())  # today may be a bank holiday
    response = staff.post("/backoffice/treasury/payouts/", {"value_date": value_date.isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = PayoutBatch.objects.order_by("-pk").first()
    assert batch is not None
    approver = Client()  # dual control: a second treasury user approves before it is sent
    approver.force_login(second_treasury_user())
    approver.post(f"/backoffice/treasury/batches/{batch.pk}/approve/")
    staff.post(f"/backoffice/treasury/batches/{batch.pk}/sent/")
    batch.refresh_from_db()
    assert batch.status == "sent"
    return batch


def test_accepted_offer_to_settled_deal_with_a_zero_trial_balance(
    treasury_staff, tmp_path: Path, settings
) -> None:
    deal = make_deal(product="three_party", amount=2_200_000)
    app = deal.application
    offer = app.offer
    assert offer["holdback"] > 0

    # --- The applicant signs after re-authenticating --------------------------------------
    applicant = owner_client(deal)
    assert applicant.get(reverse("contracts:detail", args=[app.pk])).status_code == 200
    assert (
        applicant.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    )
    sign_url = reverse("contracts:sign", args=[app.pk])
    docs = applicant.get(sign_url).context["documents"]
    response = applicant.post(
        sign_url, {"agree": "on", "document": [f"{d.document_number}:{d.sha256}" for d in docs]}
    )
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == "contracted"
    for doc in ContractDocument.objects.filter(application=app):
        pdf = applicant.get(reverse("contracts:document_pdf", args=[doc.pk]))
        assert pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"
        signed = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
        report = pdfsig(signed, tmp_path, f"{doc.document_number}.pdf")
        assert "Signature Validation: Signature is Valid." in report, report

    # --- The operator perfects the assignment and funds -----------------------------------
    staff = Client()
    staff.force_login(treasury_staff)
    deal_url = f"/backoffice/treasury/deals/{app.pk}/"
    staff.post(
        deal_url, {"step": "notice_sent", "on": "2026-11-20", "certified_date": "2026-11-20"}
    )
    staff.post(deal_url, {"step": "notice_delivered", "on": "2026-11-21"})
    assert "具備済み" in staff.get(deal_url).content.decode()
    staff.post(f"/backoffice/treasury/deals/{app.pk}/fund/")
    advance = Payout.objects.get(kind="advance")
    assert advance.amount == offer["net_payout"]

    batch = _send_batch(staff, advance.requested_for)
    file = staff.get(f"/backoffice/treasury/batches/{batch.pk}/file").content
    _, _, transfers = parse_transfer_file(file)
    assert [(t.amount, t.customer_code) for t in transfers] == [
        (advance.amount, advance.customer_code)
    ]
    app.refresh_from_db()
    assert app.status == "funded"

    # --- The debtor pays (deducting the transfer fee); the statement is imported ------------
    purchase = Position.objects.get(application=app)
    statement = statement_file([(purchase.expected_on, purchase.face_amount - 660, DEBTOR_PAYER)])
    with travel_to(purchase.expected_on):  # the statement can be imported once the day has come
        staff.post(
            "/backoffice/treasury/deposits/",
            {"file": SimpleUploadedFile("nyushukkin.txt", statement), "file_format": "zengin"},
        )
    deposit = Deposit.objects.get()
    assert deposit.status == "auto", deposit.reason_ja
    purchase.refresh_from_db()
    assert purchase.status == "collected"
    assert purchase.fee_deducted == 660

    # --- The holdback is released and paid --------------------------------------------------
    release = Payout.objects.get(kind="reserve")
    assert release.amount == offer["holdback"]
    _send_batch(staff, release.requested_for)
    app.refresh_from_db()
    assert app.status == "settled"

    # --- Every yen accounted for -------------------------------------------------------------
    tb = ledger.trial_balance()
    assert tb.balanced
    assert tb.total_debits - tb.total_credits == 0
    client = client_code(deal.organization.pk)
    assert {code: amount for code, amount in ledger.balances().items() if client in code} == {
        code: 0 for code in ledger.balances() if client in code
    }
    fee = settings.TREASURY_TRANSFER_FEE_YEN
    # Cash: −advance −holdback −2 bank fees + what the debtor paid = −(fee income + fees).
    assert ledger.balance(platform_cash_account()) == (
        -advance.amount - release.amount - 2 * fee + purchase.face_amount - 660
    )
    assert ledger.balance("fee_income") == -(offer["fee"] + offer["admin_fee"])
    assert ledger.balance("transfer_fee") == 2 * fee + 660
