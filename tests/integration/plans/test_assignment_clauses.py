"""Anti-assignment clauses (譲渡禁止・制限特約) on invoices: recorded with evidence and released
with the debtor's consent through audited services, shown on the invoice page and in the
back office, read by screening (a referral explained to staff and to the applicant) and by
the eligibility helper."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.fixtures.deals import payment_history, verified_applicant
from tests.integration.plans.conftest import applicant_client, logged_in
from tests.integration.plans.helpers import invoice_of
from urikake.audit.models import AuditRecord
from urikake.domain.assignment_clauses import ClauseStatus
from urikake.receivables import assignment_clauses
from urikake.receivables import services as receivables
from urikake.receivables.models import FinancingApplication, Invoice
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _screen(org: Any, user: Any, invoice: Invoice) -> FinancingApplication:
    application = receivables.create_application(
        org, acting_user=user, product="three_party", invoices=[invoice]
    )
    receivables.submit_application(application, acting_user=user)
    screen_application.call(application.pk)
    application.refresh_from_db()
    return application


def test_a_clause_recorded_on_the_invoice_page_makes_screening_refer(
    reviewer_staff: Any,
) -> None:
    user, org = verified_applicant()
    payment_history(org, user)
    invoice = invoice_of(org, user, 1_100_000)
    client = applicant_client(user)
    url = f"/my/invoices/{invoice.pk}/"
    assert "譲渡制限特約なし" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "action": "clause",
            "evidence_text": "基本契約書第12条: 本契約の債権は書面による承諾なく譲渡できない。",
            "evidence": SimpleUploadedFile("keiyaku.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert assignment_clauses.status_of(invoice) is ClauseStatus.RESTRICTED
    assert not assignment_clauses.clear_for_transfer(invoice)
    assert AuditRecord.objects.filter(action="invoice.assignment_clause_recorded").count() == 1
    assert "譲渡制限特約あり（未解除）" in client.get(url).content.decode()
    listed = client.get("/api/receivables/invoices").json()
    assert [(i["id"], i["assignment_clause"]) for i in listed] == [(invoice.pk, "restricted")]

    application = _screen(org, user, invoice)
    assert application.status == "referred"
    reasons = application.screening_result["invoices"][0]["reasons"]
    clause = next(r for r in reasons if r["code"] == "assignment.restricted")
    assert "民法466条" in clause["message"]
    assert "売掛先の承諾" in clause["applicant_message"]
    applicant_page = client.get(f"/my/applications/{application.pk}/").content.decode()
    assert clause["applicant_message"] in applicant_page
    assert "民法466条2項" not in applicant_page  # the legal detail is for staff
    staff_page = (
        logged_in(reviewer_staff).get(f"/backoffice/screening/{application.pk}/").content.decode()
    )
    assert "民法466条2項" in staff_page
    assert "基本契約書第12条" in staff_page


def test_a_recorded_release_clears_the_invoice() -> None:
    user, org = verified_applicant()
    payment_history(org, user)
    invoice = invoice_of(org, user, 1_100_000)
    assignment_clauses.record_clause(invoice, acting_user=user, evidence_text="第12条 譲渡禁止")
    client = applicant_client(user)
    url = f"/my/invoices/{invoice.pk}/"
    tomorrow = timezone.localdate() + timedelta(days=1)
    refused = client.post(
        url,
        {
            "action": "release",
            "consented_on": tomorrow.isoformat(),
            "consented_by": "株式会社ヤマダ商事 経理部 山田",
            "release_text": "譲渡を承諾します",
        },
    )
    assert refused.status_code == 200
    assert "承諾日に未来の日付は指定できません" in refused.content.decode()
    assert assignment_clauses.status_of(invoice) is ClauseStatus.RESTRICTED
    response = client.post(
        url,
        {
            "action": "release",
            "consented_on": timezone.localdate().isoformat(),
            "consented_by": "株式会社ヤマダ商事 経理部 山田",
            "release_text": "債権譲渡を異議なく承諾します",
            "evidence": SimpleUploadedFile("shodaku.pdf", PDF, content_type="application/pdf"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert assignment_clauses.status_of(invoice) is ClauseStatus.RELEASED
    assert assignment_clauses.clear_for_transfer(invoice)
    record = AuditRecord.objects.get(action="invoice.assignment_clause_released")
    assert record.payload["evidence_sha256"]
    assert "解除済み" in client.get(url).content.decode()
    application = _screen(org, user, invoice)
    codes = [r["code"] for r in application.screening_result["invoices"][0]["reasons"]]
    assert "assignment.restricted" not in codes


def test_a_clause_needs_evidence_and_another_organisation_cannot_see_it() -> None:
    user, org = verified_applicant()
    invoice = invoice_of(org, user, 550_000)
    client = applicant_client(user)
    response = client.post(f"/my/invoices/{invoice.pk}/", {"action": "clause"})
    assert "特約の内容を入力するか" in response.content.decode()
    assert assignment_clauses.clause_of(invoice) is None
    other_user, _ = verified_applicant()
    assert applicant_client(other_user).get(f"/my/invoices/{invoice.pk}/").status_code == 404
