"""Invoices and debtors: detail, edit while unused (afterwards read-only with the reason),
delete only when unused (confirmation page, POST, audited), bounds and Japanese errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from tests.fixtures.clients import applicant_client
from tests.fixtures.deals import make_deal, verified_applicant
from urikake.audit.models import AuditRecord
from urikake.domain.invoices import InvoiceData
from urikake.receivables import services
from urikake.receivables.models import Debtor, Invoice, InvoiceNearKey

pytestmark = pytest.mark.django_db


def _unused_invoice(user: Any, org: Any, number: str = "INV-EDIT-1") -> Invoice:
    debtor = org.debtors.first() or services.register_debtor(
        org, acting_user=user, name="株式会社サトウ", name_kana="サトウ"
    )
    today = timezone.localdate()
    return services.register_invoice(
        org,
        InvoiceData(
            issuer_name=org.name,
            debtor_name=debtor.name,
            invoice_number=number,
            issue_date=today - timedelta(days=2),
            due_date=today + timedelta(days=45),
            total_amount=550_000,
        ),
        acting_user=user,
        debtor=debtor,
        source="form",
    )


def _form(invoice: Invoice, **changes: Any) -> dict[str, Any]:
    data = {
        "debtor": invoice.debtor_id,
        "invoice_number": invoice.invoice_number,
        "issue_date": invoice.issue_date.isoformat(),
        "due_date": invoice.due_date.isoformat(),
        "total_amount": invoice.total_amount,
        "issuer_registration_number": "",
    }
    data.update(changes)
    return data


def test_edit_an_unused_invoice() -> None:
    user, org = verified_applicant()
    invoice = _unused_invoice(user, org)
    client = applicant_client(user)
    page = client.get(f"/my/invoices/{invoice.pk}/")
    assert "請求書を変更する" in page.content.decode()
    assert client.get(f"/my/invoices/{invoice.pk}/edit/").status_code == 200
    old_fingerprint = invoice.fingerprint
    response = client.post(f"/my/invoices/{invoice.pk}/edit/", _form(invoice, total_amount=660_000))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.total_amount == 660_000
    assert invoice.fingerprint != old_fingerprint  # the duplicate check follows the change
    assert InvoiceNearKey.objects.filter(invoice=invoice).count() == 2
    record = AuditRecord.objects.get(action="invoice.updated", object_id=str(invoice.pk))
    assert record.payload["changed"] == ["total_amount"]


def test_invoice_edit_bounds_and_errors_change_nothing() -> None:
    user, org = verified_applicant()
    invoice = _unused_invoice(user, org)
    client = applicant_client(user)
    url = f"/my/invoices/{invoice.pk}/edit/"
    limit = settings.RECEIVABLES_MAX_INVOICE_YEN
    for changes, message in [
        ({"total_amount": limit + 1}, f"{limit:,}円以下"),
        ({"total_amount": 0}, ""),
        ({"due_date": "9999-99-99"}, ""),
        ({"due_date": (invoice.issue_date - timedelta(days=1)).isoformat()}, "支払期日"),
    ]:
        response = client.post(url, _form(invoice, **changes))
        assert response.status_code == 400, changes
        if message:
            assert message in response.content.decode(), changes
    invoice.refresh_from_db()
    assert invoice.total_amount == 550_000
    # The same as another invoice of the organisation: refused as a duplicate.
    other = _unused_invoice(user, org, number="INV-EDIT-2")
    response = client.post(url, _form(invoice, invoice_number=other.invoice_number))
    assert response.status_code == 400
    assert "すでに登録されています" in response.content.decode()


def test_used_invoice_is_read_only_with_the_reason() -> None:
    deal = make_deal(accept=False)
    client = applicant_client(deal.user)
    page = client.get(f"/my/invoices/{deal.invoice.pk}/").content.decode()
    assert "資金化のお申込み" in page
    assert f"No.{deal.application.pk}" in page
    assert "請求書を変更する</a>" not in page
    response = client.post(
        f"/my/invoices/{deal.invoice.pk}/edit/", _form(deal.invoice, total_amount=1)
    )
    assert response.status_code == 302
    deal.invoice.refresh_from_db()
    assert deal.invoice.total_amount != 1
    confirm = client.get(f"/my/invoices/{deal.invoice.pk}/delete/").content.decode()
    assert 'id="delete-refused"' in confirm
    assert client.post(f"/my/invoices/{deal.invoice.pk}/delete/").status_code == 302
    assert Invoice.objects.filter(pk=deal.invoice.pk).exists()
    # The debtor of a used invoice is read-only too.
    page = client.get(f"/my/debtors/{deal.debtor.pk}/").content.decode()
    assert 'id="edit-refused"' in page


def test_delete_an_unused_invoice_then_its_debtor() -> None:
    user, org = verified_applicant()
    invoice = _unused_invoice(user, org)
    debtor = invoice.debtor
    client = applicant_client(user)
    # The debtor cannot go while it has an invoice.
    assert "先に請求書を削除" in client.get(f"/my/debtors/{debtor.pk}/delete/").content.decode()
    client.post(f"/my/debtors/{debtor.pk}/delete/")
    assert Debtor.objects.filter(pk=debtor.pk).exists()

    confirm = client.get(f"/my/invoices/{invoice.pk}/delete/")
    assert confirm.status_code == 200
    assert "削除すると元に戻せません" in confirm.content.decode()
    assert Invoice.objects.filter(pk=invoice.pk).exists()  # a GET changes nothing
    response = client.post(f"/my/invoices/{invoice.pk}/delete/")
    assert response.status_code == 302
    assert not Invoice.objects.filter(pk=invoice.pk).exists()
    assert AuditRecord.objects.filter(action="invoice.deleted", object_id=str(invoice.pk)).exists()

    response = client.post(f"/my/debtors/{debtor.pk}/delete/")
    assert response.status_code == 302
    assert not Debtor.objects.filter(pk=debtor.pk).exists()
    assert AuditRecord.objects.filter(action="debtor.deleted", object_id=str(debtor.pk)).exists()


def test_edit_a_debtor_moves_its_invoices_fingerprints() -> None:
    user, org = verified_applicant()
    invoice = _unused_invoice(user, org)
    debtor = invoice.debtor
    client = applicant_client(user)
    page = client.get(f"/my/debtors/{debtor.pk}/")
    assert page.status_code == 200
    assert invoice.invoice_number in page.content.decode()
    before = invoice.fingerprint
    response = client.post(
        f"/my/debtors/{debtor.pk}/",
        {
            "name": "株式会社サトウ商店",
            "name_kana": "サトウシヨウテン",
            "corporate_number": "",
            "address": "大阪府大阪市北区1-1",
        },
    )
    assert response.status_code == 302
    debtor.refresh_from_db()
    invoice.refresh_from_db()
    assert debtor.name == "株式会社サトウ商店"
    assert debtor.identity.key != "nm:サトウ"
    assert invoice.fingerprint != before
    record = AuditRecord.objects.get(action="debtor.updated", object_id=str(debtor.pk))
    assert record.payload["changed"] == ["address", "name", "name_kana"]
    # A bad 法人番号 is refused in Japanese, nothing changed.
    response = client.post(
        f"/my/debtors/{debtor.pk}/",
        {"name": "x", "name_kana": "エックス", "corporate_number": "1234", "address": ""},
    )
    assert response.status_code == 400
    debtor.refresh_from_db()
    assert debtor.name == "株式会社サトウ商店"


def test_another_organisations_invoice_and_debtor_are_not_found() -> None:
    user, org = verified_applicant()
    invoice = _unused_invoice(user, org)
    other, _org = verified_applicant()
    client = applicant_client(other)
    for url in (
        f"/my/invoices/{invoice.pk}/edit/",
        f"/my/invoices/{invoice.pk}/delete/",
        f"/my/debtors/{invoice.debtor_id}/",
        f"/my/debtors/{invoice.debtor_id}/delete/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url).status_code == 404, url
    assert Invoice.objects.filter(pk=invoice.pk).exists()
