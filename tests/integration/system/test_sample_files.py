"""The demo's sample files (issue 10 item 10): each is linked from the page where it is used,
downloads, goes through that page's real upload and is accepted, and fits the demo data —
the invoices name the demo applicant's debtors, the bank CSV holds their payments, and the
全銀 collection statement reconciles against the demo's open items."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from urikake.accounts.models import User
from urikake.domain.jp_pint import parse_jp_pint
from urikake.domain.products import spec
from urikake.receivables.models import Invoice, InvoiceDraft, StatementImport
from urikake.servicing.models import Position
from urikake.system import sample_files
from urikake.treasury.models import Deposit

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> None:
    settings.VAR_DIR = tmp_path
    call_command("demo")


def _login(email: str) -> Client:
    client = Client()
    user = User.objects.get(email=email)
    if user.is_staff:
        TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


def _download(client: Client, page: str, kind: str) -> tuple[str, bytes]:
    html = client.get(page).content.decode()
    marker = f'data-samples="{kind}"'
    assert marker in html, page
    hrefs = [
        h.split('"')[0] for h in html.split(marker, 1)[1].split("</p>", 1)[0].split('href="')[1:]
    ]
    assert hrefs, page
    files = []
    for href in hrefs:
        response = client.get(href)
        assert response.status_code == 200, href
        assert "attachment" in response["Content-Disposition"]
        files.append((href, b"".join(response) if response.streaming else response.content))
    return files[0] if len(files) == 1 else files  # type: ignore[return-value]


def test_the_invoice_samples_are_read_and_registered_against_the_demo_debtors(
    demo: None,
) -> None:
    applicant = _login("applicant@demo.urikake.example")
    (pdf_url, pdf), (xml_url, xml) = _download(applicant, "/my/invoices/", "invoice")
    assert pdf_url.endswith(".pdf")
    assert pdf.startswith(b"%PDF")
    assert xml_url.endswith(".xml")
    for name, content, debtor in (
        ("sample.pdf", pdf, sample_files.DEBTORS[0]),
        ("sample.xml", xml, sample_files.DEBTORS[1]),
    ):
        response = applicant.post("/my/invoices/", {"document": SimpleUploadedFile(name, content)})
        assert response.status_code == 302, response.content.decode()[:2000]
        draft = InvoiceDraft.objects.get(filename=name)
        assert draft.note == ""
        proposal = draft.proposal
        org_debtor = draft.organization.debtors.get(name=debtor.name)
        assert proposal["debtor"] == org_debtor.pk  # matched to the demo debtor
        assert proposal["total_amount"] == debtor.invoice_amount
        form = {
            "draft": draft.pk,
            "debtor": org_debtor.pk,
            **{k: v for k, v in proposal.items() if k != "debtor"},
        }
        form.setdefault("taxable_8", "")
        form.setdefault("tax_8", "")
        response = applicant.post("/my/invoices/", form)
        assert response.status_code == 302, response.content.decode()[:3000]
        invoice = Invoice.objects.get(invoice_number=proposal["invoice_number"])
        assert invoice.debtor == org_debtor
        assert invoice.total_amount == debtor.invoice_amount
        assert invoice.due_date > timezone.localdate()


def test_the_bank_csv_sample_imports_with_a_year_of_the_debtors_payments(demo: None) -> None:
    applicant = _login("applicant@demo.urikake.example")
    _, csv = _download(applicant, "/my/statements/", "statement")
    response = applicant.post(
        "/my/statements/",
        {"file_format": "generic_jp_bank", "statement": SimpleUploadedFile("s.csv", csv)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    imported = StatementImport.objects.get(organization__name=sample_files.ISSUER_NAME)
    deposits = imported.entries.filter(direction="deposit")
    assert {d.payer for d in sample_files.DEBTORS} <= {e.counterparty for e in deposits}
    assert deposits.filter(counterparty=sample_files.DEBTORS[0].payer).count() == 12


def test_the_collection_statement_reconciles_against_the_demo_open_items(demo: None) -> None:
    open_items = list(Position.objects.filter(status=Position.Status.OPEN, collected_amount=0))
    platform_collected = [p for p in open_items if not spec(p.product).client_forwards]
    assert platform_collected, "the demo has an open three-party purchase"
    treasury = _login("treasury@demo.urikake.example")
    _, statement = _download(treasury, "/backoffice/treasury/deposits/", "collection")
    response = treasury.post(
        "/backoffice/treasury/deposits/",
        {"file_format": "zengin", "file": SimpleUploadedFile("c.txt", statement)},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    deposits = list(Deposit.objects.all())
    assert deposits
    assert all(d.status == Deposit.Status.AUTO for d in deposits), [
        (d.status, d.reason_ja) for d in deposits
    ]
    for position in platform_collected:
        position.refresh_from_db()
        assert position.collected_amount > 0


def test_the_applicant_samples_are_public_but_the_collection_statement_is_treasury_only(
    demo: None, settings: Any
) -> None:
    anonymous = Client()
    assert anonymous.get("/samples/invoice.pdf").status_code == 200
    assert anonymous.get("/samples/backoffice/collection-statement.txt").status_code == 302
    settings.PRODUCTION = True
    assert anonymous.get("/samples/invoice.pdf").status_code == 404


def test_the_samples_are_deterministic_for_a_day_and_the_shipped_copies_are_current() -> None:
    day = date(2026, 12, 1)
    for name in sample_files.APPLICANT_FILES:
        assert sample_files.build(name, day) == sample_files.build(name, day), name
        shipped = ROOT / "src/urikake/system/samples" / name
        assert shipped.read_bytes() == sample_files.build(name, sample_files.SHIPPED_DAY), name
    assert parse_jp_pint(sample_files.invoice_xml(day)).total_amount == 550_000


def test_the_samples_take_the_demo_applicant_to_an_offer(demo: None) -> None:
    """Statement CSV + invoice PDF from the samples, eKYC done: screening finds the debtor's
    payments on the statement and makes an offer."""
    from urikake.kyc import services as kyc
    from urikake.receivables import services as receivables
    from urikake.receivables.tasks import screen_application

    applicant = _login("applicant@demo.urikake.example")
    day = timezone.localdate()
    applicant.post(
        "/my/statements/",
        {
            "file_format": "generic_jp_bank",
            "statement": SimpleUploadedFile("s.csv", sample_files.statement_csv(day)),
        },
    )
    applicant.post(
        "/my/invoices/", {"document": SimpleUploadedFile("i.pdf", sample_files.invoice_pdf(day))}
    )
    draft = InvoiceDraft.objects.get(filename="i.pdf")
    response = applicant.post(
        "/my/invoices/",
        {"draft": draft.pk, **draft.proposal, "taxable_8": "", "tax_8": ""},
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get(invoice_number=draft.proposal["invoice_number"])
    user = User.objects.get(email="applicant@demo.urikake.example")
    kyc.record_verified_check(invoice.organization, requested_by=user, acting_user="system:test")
    application = receivables.create_application(
        invoice.organization, acting_user=user, product="three_party", invoices=[invoice]
    )
    receivables.submit_application(application, acting_user=user)
    screen_application.call(application.pk)
    application.refresh_from_db()
    reality = application.screening_result["invoices"][0]["reality"]
    assert reality["payments_12m"] >= 11, reality
    assert application.status == "offered", application.screening_result
