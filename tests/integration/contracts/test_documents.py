"""The contract PDFs: every deal term in Japanese text, A4, page numbers, prepared once."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.fixtures.deals import DEBTOR_CORPORATE_NUMBER, DEBTOR_NAME, make_deal
from urikake.audit.models import AuditRecord
from urikake.contracts import pdf, services
from urikake.contracts.models import ContractDocument
from urikake.contracts.terms import deal_terms
from urikake.domain.errors import DomainError
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.domain.money import format_rate_percent, format_yen
from urikake.receivables import services as receivables
from urikake.receivables.models import FinancingApplication
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db


def text_of(data: bytes) -> str:
    # The renderer wraps long lines anywhere (CJK): compare without line breaks.
    reader = PdfReader(io.BytesIO(data))
    return "".join(page.extract_text() for page in reader.pages).replace("\n", "")


def _d(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"{y}年{m}月{d}日"


def test_three_party_agreement_states_every_term() -> None:
    deal = make_deal(product="three_party")
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    assert [d.kind for d in docs] == ["agreement", "notice"]
    agreement = ContractDocument.objects.get(pk=docs[0].pk)
    offer = deal.application.offer
    line = offer["invoices"][0]
    text = text_of(bytes(agreement.pdf))
    expected = [
        "債権売買契約書",
        agreement.document_number,
        # parties with addresses and 法人番号
        deal.organization.name,
        "東京都千代田区丸の内1-1-1",
        "売主 太郎",
        "株式会社ウリカケ",
        "東京都港区六本木1-1-1",
        "7010001234567",
        DEBTOR_NAME,
        DEBTOR_CORPORATE_NUMBER,
        # the invoice: number, face, due date
        deal.invoice.invoice_number,
        format_yen(deal.invoice.total_amount),
        _d(deal.invoice.due_date.isoformat()),
        # price, 掛目, fees and rate, holdback and its return, payout amount and date
        f"買取金額（売買代金）{format_yen(offer['advance_amount'])}",
        format_rate_percent(Decimal(line["advance_rate"]), 2),
        format_rate_percent(Decimal(line["fee_rate"]), 2),
        f"買取手数料{format_yen(offer['fee'])}",
        f"事務手数料{format_yen(offer['admin_fee'])}",
        f"留保金{format_yen(offer['holdback'])}（本債権の全額回収後3銀行営業日以内に返還）",
        f"お振込金額{format_yen(offer['net_payout'])}（{_d(offer['payout_date'])}お振込）",
        # product and perfection, non-recourse, representations
        "3社間ファクタリング",
        "債務者への債権譲渡通知（確定日付のある証書による）",
        "償還請求権なし（ノンリコース）",
        "二重譲渡",
        "真正な取引に基づき実在",
        # the platform's collection account
        "（0001）",
        "普通 7654321",
        "ｶ)ｳﾘｶｹ",
        "債務者は、本債権を支払期日に次の乙の口座へ直接支払う",
    ]
    missing = [s for s in expected if s not in text]
    assert missing == [], text


def test_notice_tells_the_debtor_to_pay_the_platform() -> None:
    deal = make_deal(product="three_party")
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    notice = ContractDocument.objects.get(pk=docs[1].pk)
    assert notice.kind == "notice"
    assert notice.debtor_id == deal.debtor.pk
    text = text_of(bytes(notice.pdf))
    for expected in (
        "債権譲渡通知書",
        f"{DEBTOR_NAME} 御中",
        deal.invoice.invoice_number,
        format_yen(deal.invoice.total_amount),
        "民法第467条",
        "譲受人の口座へお振込みください",
        "普通 7654321",
        deal.organization.name,
    ):
        assert expected in text, expected


def test_two_party_deal_is_registered_and_has_no_notice() -> None:
    deal = make_deal(product="two_party")
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    assert [d.kind for d in docs] == ["agreement"]
    text = text_of(bytes(ContractDocument.objects.get(pk=docs[0].pk).pdf))
    assert "2社間ファクタリング" in text
    assert "債権譲渡登記" in text
    assert "通知は留保する" in text
    assert "乙の代理人として債務者から本債権を回収" in text


def test_consent_policy_adds_the_debtor_consent_template(settings: Any) -> None:
    settings.TREASURY_PERFECTION = {"three_party": "consent"}
    deal = make_deal(product="three_party")
    docs = services.prepare_contracts(deal.application, acting_user=deal.user)
    assert [d.kind for d in docs] == ["agreement", "notice", "consent"]
    consent = ContractDocument.objects.get(pk=docs[2].pk)
    text = text_of(bytes(consent.pdf))
    assert "債権譲渡承諾書" in text
    assert "譲渡することを承諾します" in text
    assert "承諾者（債務者）" in text
    assert "債務者の承諾（確定日付のある証書による）" in text_of(
        bytes(ContractDocument.objects.get(pk=docs[0].pk).pdf)
    )


def test_documents_are_a4_with_page_numbers_and_hashes() -> None:
    deal = make_deal()
    doc = ContractDocument.objects.get(
        pk=services.prepare_contracts(deal.application, acting_user=deal.user)[0].pk
    )
    data = bytes(doc.pdf)
    assert services.sha256(data) == doc.sha256
    assert doc.document_number == f"UK-{deal.application.pk:06d}-A"
    reader = PdfReader(io.BytesIO(data))
    total = len(reader.pages)
    assert total >= 2
    for n, page in enumerate(reader.pages, start=1):
        box = page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in pt
        assert f"{n} / {total} ページ" in page.extract_text()
        assert f"文書番号 {doc.document_number}" in page.extract_text()


def test_same_terms_give_the_same_bytes() -> None:
    deal = make_deal()
    terms = deal_terms(deal.application)
    first = pdf.render_agreement(terms, "UK-000001-A")
    assert pdf.render_agreement(terms, "UK-000001-A") == first
    assert pdf.render_agreement(terms, "UK-000002-A") != first


def test_prepare_is_idempotent_and_audited_once() -> None:
    deal = make_deal()
    first = services.prepare_contracts(deal.application, acting_user=deal.user)
    again = services.prepare_contracts(deal.application, acting_user=deal.user)
    assert [d.pk for d in again] == [d.pk for d in first]
    assert ContractDocument.objects.filter(application=deal.application).count() == 2
    records = AuditRecord.objects.filter(action="contract.prepared")
    assert records.count() == 1
    assert records.get().payload["documents"] == {d.document_number: d.sha256 for d in first}


def test_only_accepted_applications_get_documents() -> None:
    deal = make_deal(accept=False)
    with pytest.raises(DomainError) as exc:
        services.prepare_contracts(deal.application, acting_user=deal.user)
    assert exc.value.code == "contract.not_accepted"
    assert not ContractDocument.objects.exists()


def test_missing_collection_account_is_refused(settings: Any) -> None:
    deal = make_deal(accept=False)
    settings.ZENGIN_ACCOUNT_NUMBER = ""
    with pytest.raises(DomainError) as exc:  # accepting prepares the documents: refused
        receivables.accept_offer(deal.application, acting_user=deal.user)
    assert exc.value.code == "contract.payee_account_missing"
    assert not ContractDocument.objects.exists()


def test_several_invoices_each_keep_their_own_terms() -> None:
    """Two invoices of one debtor in one application: each row of the schedule carries its
    own offer line, and the debtor gets one notice listing both."""
    first = make_deal(accept=False)
    second = receivables.register_invoice(
        first.organization,
        InvoiceData(
            issuer_name=first.organization.name,
            debtor_name=DEBTOR_NAME,
            invoice_number="INV-SECOND",
            issue_date=timezone.localdate() - timedelta(days=2),
            due_date=timezone.localdate() + timedelta(days=40),
            total_amount=550_000,
            tax_breakdown=(TaxBreakdown(Decimal("0.10"), 500_000, 50_000),),
        ),
        acting_user=first.user,
        debtor=first.debtor,
        source="form",
    )
    receivables.cancel_application(first.application, acting_user=first.user)
    first.invoice.refresh_from_db()
    app = receivables.create_application(
        first.organization,
        acting_user=first.user,
        product="three_party",
        invoices=[first.invoice, second],
    )
    receivables.submit_application(app, acting_user=first.user)
    screen_application.call(app.pk)
    app = FinancingApplication.objects.get(pk=app.pk)
    assert app.status == "offered", app.screening_result
    app = receivables.accept_offer(app, acting_user=first.user)

    docs = services.prepare_contracts(app, acting_user=first.user)
    assert [d.document_number for d in docs] == [f"UK-{app.pk:06d}-A", f"UK-{app.pk:06d}-N1"]
    agreement = text_of(bytes(ContractDocument.objects.get(pk=docs[0].pk).pdf))
    for line in app.offer["invoices"]:
        assert format_yen(line["fee"]) in agreement
        assert format_yen(line["advance_amount"]) in agreement
    assert f"買取金額（売買代金）{format_yen(app.offer['advance_amount'])}" in agreement
    notice = text_of(bytes(ContractDocument.objects.get(pk=docs[1].pk).pdf))
    assert "INV-SECOND" in notice
    assert first.invoice.invoice_number in notice
    assert format_yen(first.invoice.total_amount + 550_000) in notice
