"""Applicant pages: a real PDF invoice and a JP PINT XML read into the form, confirmed and
registered; then apply, get screened, see the offer with its breakdown, accept."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.fixtures.clients import applicant_client
from tests.fixtures.invoice_pdf import make_invoice_pdf
from urikake.applicants.models import Membership, Organization
from urikake.domain.invoices import TaxBreakdown
from urikake.kyc import services as kyc
from urikake.receivables import services
from urikake.receivables.models import FinancingApplication, Invoice, InvoiceDraft
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db
PINT = Path(__file__).parents[2] / "fixtures" / "jp_pint"


@pytest.fixture
def owner(django_user_model):
    user = django_user_model.objects.create_user(email="owner@example.jp", password="x" * 20)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    org = Organization.objects.create(kind="corporation", name="株式会社サンプル製作所")
    Membership.objects.create(user=user, organization=org, role="owner")
    kyc.record_verified_check(org, requested_by=user, acting_user="system:test")
    return user, org, applicant_client(user)


def test_a_pdf_invoice_is_read_confirmed_and_kept_as_evidence(owner) -> None:
    user, org, client = owner
    services.register_debtor(
        org, acting_user=user, name="株式会社みなと商事", name_kana="ミナトシヨウジ"
    )
    today = timezone.localdate()
    pdf = make_invoice_pdf(
        invoice_number="INV-7001",
        issue_date=today - timedelta(days=2),
        due_date=today + timedelta(days=45),
        tax_breakdown=(TaxBreakdown(Decimal("0.10"), 300_000, 30_000),),
    )
    page = client.post(
        "/my/invoices/", {"document": SimpleUploadedFile("inv.pdf", pdf)}, follow=True
    )
    html = page.content.decode()
    assert page.status_code == 200, page.redirect_chain
    assert "読み取った内容" in html, page.redirect_chain
    assert 'value="INV-7001"' in html
    assert 'value="330000"' in html
    debtor = org.debtors.get()
    form = {
        "debtor": debtor.pk,
        "invoice_number": "INV-7001",
        "issue_date": (today - timedelta(days=2)).isoformat(),
        "due_date": (today + timedelta(days=45)).isoformat(),
        "total_amount": 330_000,
        "issuer_registration_number": "T1180301018771",
        "taxable_10": 300_000,
        "tax_10": 30_000,
        "draft": InvoiceDraft.objects.get().pk,
    }
    client.post("/my/invoices/", form)
    assert not InvoiceDraft.objects.exists()
    invoice = Invoice.objects.get()
    assert invoice.source == "pdf"
    assert invoice.evidence_sha256
    assert invoice.evidence.read() == pdf


def test_a_jp_pint_invoice_fills_the_form_exactly(owner) -> None:
    _, _, client = owner
    data = (PINT / "standard_10.xml").read_bytes()
    html = client.post(
        "/my/invoices/", {"document": SimpleUploadedFile("i.xml", data)}, follow=True
    ).content.decode()
    assert "読み取った内容" in html


def test_a_bad_file_is_refused_without_storing_anything(owner) -> None:
    _, _, client = owner
    html = client.post(
        "/my/invoices/", {"document": SimpleUploadedFile("x.pdf", b"MZ not a pdf")}
    ).content.decode()
    assert "対応していません" in html
    assert not Invoice.objects.exists()


def test_apply_see_the_offer_and_accept(owner) -> None:
    user, org, client = owner
    debtor = services.register_debtor(
        org, acting_user=user, name="株式会社みなと商事", name_kana="ミナトシヨウジ"
    )
    today = timezone.localdate()
    from urikake.domain.invoices import InvoiceData

    invoice = services.register_invoice(
        org,
        InvoiceData(
            issuer_name=org.name,
            debtor_name=debtor.name,
            invoice_number="A-1",
            issue_date=today - timedelta(days=1),
            due_date=today + timedelta(days=60),
            total_amount=550_000,
        ),
        acting_user=user,
        debtor=debtor,
        source="form",
    )
    response = client.post(
        "/my/applications/", {"product": "three_party", "invoices": [invoice.pk]}
    )
    application = FinancingApplication.objects.get()
    assert response.headers["Location"] == f"/my/applications/{application.pk}/"
    screen_application.call(application.pk)  # what the worker does after commit
    application.refresh_from_db()
    html = client.get(f"/my/applications/{application.pk}/").content.decode()
    assert "審査結果について" in html
    # The applicant reads reasons, never the model's internals (staff see those).
    for internal in ("スコア", "SYNTHETIC", "ベースラインモデル", "グレード"):
        assert internal not in html, internal
    assert "内訳（請求書 A-1）" in html  # each offer line names its invoice
    if application.status == "offered":
        assert "お振込金額" in html
        client.post(f"/my/applications/{application.pk}/answer/", {"answer": "accept"})
        application.refresh_from_db()
        assert application.status == "accepted"
    else:  # a debtor without payment history is referred to a reviewer, with the reason shown
        assert application.status == "referred"
        assert application.screening_result["invoices"][0]["reasons"]


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40


def test_a_photo_is_kept_as_evidence_and_the_fields_are_typed(owner) -> None:
    user, org, client = owner
    debtor = services.register_debtor(
        org, acting_user=user, name="株式会社みなと商事", name_kana="ミナトシヨウジ"
    )
    html = client.post(
        "/my/invoices/", {"document": SimpleUploadedFile("photo.png", PNG)}, follow=True
    ).content.decode()
    assert "証憑として保存" in html
    today = timezone.localdate()
    client.post(
        "/my/invoices/",
        {
            "debtor": debtor.pk,
            "invoice_number": "P-1",
            "issue_date": (today - timedelta(days=1)).isoformat(),
            "due_date": (today + timedelta(days=30)).isoformat(),
            "total_amount": 110_000,
            "draft": InvoiceDraft.objects.get().pk,
        },
    )
    invoice = Invoice.objects.get()
    assert invoice.source == "form"
    assert invoice.evidence.read() == PNG


def test_the_upload_page_offers_camera_drop_and_progress(owner) -> None:
    _, _, client = owner
    html = client.get("/my/invoices/").content.decode()
    assert 'accept="application/pdf,.xml,text/xml,image/*"' in html
    assert "data-drop-upload" in html
    assert "receivables/upload.js" in html


def test_the_application_page_shows_its_timeline(owner) -> None:
    user, org, client = owner
    debtor = services.register_debtor(
        org, acting_user=user, name="株式会社みなと商事", name_kana="ミナトシヨウジ"
    )
    today = timezone.localdate()
    from urikake.domain.invoices import InvoiceData

    invoice = services.register_invoice(
        org,
        InvoiceData(
            issuer_name=org.name,
            debtor_name=debtor.name,
            invoice_number="T-1",
            issue_date=today - timedelta(days=1),
            due_date=today + timedelta(days=60),
            total_amount=550_000,
        ),
        acting_user=user,
        debtor=debtor,
        source="form",
    )
    client.post("/my/applications/", {"product": "three_party", "invoices": [invoice.pk]})
    application = FinancingApplication.objects.get()
    screen_application.call(application.pk)
    html = client.get(f"/my/applications/{application.pk}/").content.decode()
    timeline = html[html.index('class="timeline"') : html.index("</ol>")]
    assert "下書き" in timeline
    assert "申込み済み" in timeline
    assert ("条件提示" in timeline) or ("担当者確認中" in timeline)


def test_several_invoice_files_become_drafts_and_others_cannot_open_them(
    owner, django_user_model
) -> None:
    _user, org, client = owner
    pdf = make_invoice_pdf(invoice_number="INV-1")
    data = (PINT / "standard_10.xml").read_bytes()
    response = client.post(
        "/my/invoices/",
        {"document": [SimpleUploadedFile("a.pdf", pdf), SimpleUploadedFile("b.xml", data)]},
        follow=True,
    )
    html = response.content.decode()
    assert "確認待ちの請求書" in html
    assert "a.pdf" in html
    assert "b.xml" in html
    assert InvoiceDraft.objects.filter(organization=org).count() == 2
    draft = InvoiceDraft.objects.get(filename="a.pdf")
    assert 'value="INV-1"' in client.get(f"/my/invoices/?draft={draft.pk}").content.decode()
    other = django_user_model.objects.create_user(email="o@example.jp", password="x" * 20)
    other_org = Organization.objects.create(kind="corporation", name="他社")
    Membership.objects.create(user=other, organization=other_org, role="owner")
    other_client = applicant_client(other)
    assert other_client.get(f"/my/invoices/?draft={draft.pk}").status_code == 404


def test_the_purchase_form_shows_the_invoices_due_soonest_and_finds_the_others(
    owner, monkeypatch
) -> None:
    """A client with a large book got one checkbox per open invoice (the page grew with the
    book). The form shows the soonest due first, up to a limit, says so, and a search by
    invoice number or debtor finds the rest; an invoice not shown still validates."""
    from urikake.domain.invoices import InvoiceData
    from urikake.receivables import application_forms

    monkeypatch.setattr(application_forms, "OFFERED_INVOICES", 3)
    user, org, client = owner
    minato = services.register_debtor(
        org, acting_user=user, name="株式会社みなと商事", name_kana="ミナトシヨウジ"
    )
    yamato = services.register_debtor(
        org, acting_user=user, name="大和運輸株式会社", name_kana="ヤマトウンユ"
    )
    today = timezone.localdate()
    invoices = {}
    for n, debtor in enumerate([minato] * 4 + [yamato], start=1):
        invoices[n] = services.register_invoice(
            org,
            InvoiceData(
                issuer_name=org.name,
                debtor_name=debtor.name,
                invoice_number=f"B-{n}",
                issue_date=today - timedelta(days=1),
                due_date=today + timedelta(days=30 + n),
                total_amount=300_000 + n,
            ),
            acting_user=user,
            debtor=debtor,
            source="form",
        )
    page = client.get("/my/applications/").content.decode()
    shown = [n for n in invoices if f"請求書 B-{n} ／" in page]
    assert shown == [1, 2, 3]
    assert "支払期日の近い順に3件を表示しています" in page
    assert 'name="q"' in page

    found = client.get("/my/applications/", {"q": "大和"}).content.decode()
    assert [n for n in invoices if f"請求書 B-{n} ／" in found] == [5]
    assert "支払期日の近い順に" not in found
    by_number = client.get("/my/applications/", {"q": "b-4"}).content.decode()
    assert [n for n in invoices if f"請求書 B-{n} ／" in by_number] == [4]
    nothing = client.get("/my/applications/", {"q": "存在しない"}).content.decode()
    assert "「存在しない」に一致する請求書はありません。" in nothing

    client.cookies["django_language"] = "en"
    english = client.get("/my/applications/").content.decode()
    assert "Showing the 3 invoices due soonest." in english
    del client.cookies["django_language"]

    # An offered invoice the page did not show is still accepted.
    response = client.post(
        "/my/applications/", {"product": "three_party", "invoices": [invoices[5].pk]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(FinancingApplication.objects.get().invoices.all()) == [invoices[5]]
