"""The pages around the screening vendors: the applicant consents on the application form
(each purpose text, versioned, recorded with who and when), the applicant's page shows only
a polite general reason, and the reviewer's page shows the evidence."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.fixtures.screening_vendors import applicant_with_invoice
from tests.integration.backoffice.helpers import client_for, staff_user
from urikake.applicants import data_use
from urikake.applicants import services as applicants
from urikake.applicants.models import DataUseConsent
from urikake.audit.models import AuditRecord
from urikake.receivables.models import ExternalCheck, FinancingApplication
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db


def _applicant(name: str = "株式会社売主"):
    user, org, invoice = applicant_with_invoice(name=name)
    client = Client()
    client.force_login(user)
    return user, org, invoice, client


def _form(invoice, **extra):
    return {"product": "three_party", "invoices": [invoice.pk], **extra}


def _consent_fields() -> dict[str, str]:
    fields = {}
    for use in data_use.Use:
        fields[f"consent_{use.value}"] = "on"
        fields[f"consent_{use.value}_version"] = data_use.current(use).version
    return fields


def test_the_form_asks_for_each_consent_with_its_purpose(screening_vendors) -> None:
    _, _org, invoice, client = _applicant()
    html = client.get("/my/applications/").content.decode()
    for use in data_use.Use:
        assert data_use.current(use).text in html
        assert f'name="consent_{use.value}"' in html
    # Without ticking the boxes nothing is created, nothing is recorded, nobody is asked.
    response = client.post("/my/applications/", _form(invoice))
    assert response.status_code == 200
    assert "この利用目的への同意が必要です" in response.content.decode()
    assert not FinancingApplication.objects.exists()
    assert not DataUseConsent.objects.exists()
    assert screening_vendors.calls == 0


def test_consent_is_recorded_and_the_screening_asks_the_vendors(screening_vendors) -> None:
    user, org, invoice, client = _applicant()
    response = client.post("/my/applications/", _form(invoice, **_consent_fields()))
    assert response.status_code == 302
    rows = DataUseConsent.objects.filter(organization=org)
    assert {(r.use, r.version, r.given_by_id, r.action) for r in rows} == {
        (u.value, data_use.current(u).version, user.pk, "given") for u in data_use.Use
    }
    assert AuditRecord.objects.filter(action="data_use_consent.given").count() == 1
    application = FinancingApplication.objects.get()
    screen_application.call(application.pk)
    application.refresh_from_db()
    assert application.status == "offered", application.screening_result["reasons"]
    assert screening_vendors.calls == 6
    # Consent given once is not asked again (until the purpose text changes).
    html = client.get("/my/applications/").content.decode()
    assert 'name="consent_' not in html


def test_a_changed_purpose_text_asks_again(screening_vendors, monkeypatch) -> None:
    user, org, invoice, client = _applicant()
    applicants.give_data_use_consent(org, list(data_use.Use), acting_user=user, ip=None)
    newer = data_use.Purpose(data_use.Use.CREDIT_BUREAU, "2027-04-01", "新しい利用目的の文章。")
    monkeypatch.setitem(data_use.CURRENT, data_use.Use.CREDIT_BUREAU, newer)
    html = client.get("/my/applications/").content.decode()
    assert "新しい利用目的の文章。" in html
    assert 'name="consent_antisocial_check"' not in html
    # A form showing the old text is refused rather than taken as consent to the new one.
    stale = {
        "consent_credit_bureau": "on",
        "consent_credit_bureau_version": "2026-12-01",
    }
    response = client.post("/my/applications/", _form(invoice, **stale))
    assert "利用目的の内容が更新されました" in response.content.decode()
    assert not FinancingApplication.objects.exists()


def test_the_applicant_sees_a_polite_reason_and_the_reviewer_the_evidence(
    screening_vendors,
) -> None:
    _user, _org, invoice, client = _applicant(name="株式会社反社テスト")
    client.post("/my/applications/", _form(invoice, **_consent_fields()))
    application = FinancingApplication.objects.get()
    screen_application.call(application.pk)
    application.refresh_from_db()
    assert application.status == "declined"

    mine = client.get(f"/my/applications/{application.pk}/").content.decode()
    assert "今回のお申込みはお受けできません" in mine
    assert "反社チェック" not in mine
    assert "external.antisocial" not in mine
    assert "asc_" not in mine

    reviewer = client_for(staff_user("reviewer"))
    page = reviewer.get(f"/backoffice/screening/{application.pk}/")
    assert "no-store" in page.headers["Cache-Control"]
    html = page.content.decode()
    assert "外部照会（反社チェック・信用情報）" in html
    for check in ExternalCheck.objects.filter(application=application):
        assert check.reference_id in html
        assert f"sha256:{check.response_sha256[:16]}" in html
    assert "該当あり" in html
    assert "external.antisocial.hit" in html
    assert "申込者への表示" in html
    assert "同意（" in html  # the consent, with its time and version
