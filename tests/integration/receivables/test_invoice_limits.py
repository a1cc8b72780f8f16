"""The invoice face has a sane bound at entry (issue 9 items 6 and 8): a face above
``RECEIVABLES_MAX_INVOICE_YEN`` (default ¥10,000,000,000) is refused by the form, the PDF/XML
import and the API, with a message naming the limit; nothing is stored."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.integration.receivables.test_application_pages import PINT, owner  # noqa: F401
from urikake.receivables import services
from urikake.receivables.models import Invoice, InvoiceDraft

pytestmark = pytest.mark.django_db

LIMIT_TEXT = "10,000,000,000円"


def _fields(debtor_pk: int, amount: int) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "debtor": debtor_pk,
        "invoice_number": "BIG-1",
        "issue_date": (today - timedelta(days=1)).isoformat(),
        "due_date": (today + timedelta(days=60)).isoformat(),
        "total_amount": amount,
    }


@pytest.fixture
def debtor(owner):  # noqa: F811
    user, org, _ = owner
    return services.register_debtor(
        org, acting_user=user, name="株式会社みなと商事", name_kana="ミナトシヨウジ"
    )


@pytest.mark.parametrize("amount", [99_999_999_999_999, 1_100_000_000_000_000_000])
def test_the_form_refuses_a_face_above_the_limit(owner, debtor, amount) -> None:  # noqa: F811
    _, _, client = owner
    html = client.post("/my/invoices/", _fields(debtor.pk, amount)).content.decode()
    assert f"請求金額は{LIMIT_TEXT}以下で入力してください" in html
    assert 'max="10000000000"' in html  # the browser knows the bound too
    assert not Invoice.objects.exists()


def test_the_form_takes_a_face_at_the_limit(owner, debtor) -> None:  # noqa: F811
    _, _, client = owner
    client.post("/my/invoices/", _fields(debtor.pk, 10_000_000_000))
    assert Invoice.objects.get().total_amount == 10_000_000_000


@pytest.mark.parametrize("amount", [99_999_999_999_999, 1_100_000_000_000_000_000])
def test_the_api_refuses_a_face_above_the_limit_naming_field_and_limit(
    owner,  # noqa: F811
    debtor,
    amount,
) -> None:
    _, _, client = owner
    response = client.post(
        "/api/receivables/invoices", _fields(debtor.pk, amount), content_type="application/json"
    )
    assert response.status_code == 422
    error = response.json()["error"]
    problems = error.get("problems") or [error]
    over = [p for p in problems if p["field"] == "total_amount"]
    assert over, error
    assert "以下で" in over[0]["message"]
    assert ("10,000,000,000" in over[0]["message"]) or (
        "1,000,000,000,000,000" in over[0]["message"]
    )
    assert not Invoice.objects.exists()


def test_the_limit_is_a_setting(owner, debtor, settings) -> None:  # noqa: F811
    settings.RECEIVABLES_MAX_INVOICE_YEN = 1_000_000
    _, _, client = owner
    response = client.post(
        "/api/receivables/invoices",
        _fields(debtor.pk, 1_000_001),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert "1,000,000円" in str(response.json())


def test_an_imported_xml_invoice_above_the_limit_is_refused(owner, settings) -> None:  # noqa: F811
    settings.RECEIVABLES_MAX_INVOICE_YEN = 1_000
    _, _, client = owner
    data = (PINT / "standard_10.xml").read_bytes()
    html = client.post(
        "/my/invoices/", {"document": SimpleUploadedFile("i.xml", data)}, follow=True
    ).content.decode()
    assert "請求金額は1,000円以下で入力してください" in html
    assert not InvoiceDraft.objects.exists()


def test_a_reported_collection_is_bounded_too() -> None:
    from urikake.servicing.views import ReportCollectionForm

    data = {"received_on": timezone.localdate().isoformat()}
    over = ReportCollectionForm(data={**data, "amount": "99,999,999,999,999"})
    assert not over.is_valid()
    assert "10,000,000,000円以下" in str(over.errors["amount"])
    assert ReportCollectionForm(data={**data, "amount": "1,100,000"}).is_valid()
