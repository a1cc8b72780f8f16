"""Screening asks the 反社チェック vendor and the credit bureau — over real HTTP, against the
local simulators — about the applicant, its representative and the debtor, after consent
(issue 11 item 5). A hit declines or refers with a readable reason; an outage refers; no
consent means no call."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.fixtures.deals import (
    DEBTOR_CORPORATE_NUMBER,
    DEBTOR_KANA,
    DEBTOR_NAME,
    payment_history,
    verified_applicant,
)
from tests.fixtures.numbers import next_invoice_number
from tests.fixtures.screening_vendors import give_screening_consent
from urikake.applicants import services as applicant_services
from urikake.applicants.data_use import Use
from urikake.audit.models import AuditRecord
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.integrations import http
from urikake.integrations.antisocial.simulator import HIT_CORPORATE_NUMBER
from urikake.receivables import services
from urikake.receivables.models import ExternalCheck, FinancingApplication
from urikake.receivables.reasons import applicant_reasons
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db


def _screened(
    *,
    name: str = "株式会社売主",
    representative: str = "売主 太郎",
    debtor_number: str = DEBTOR_CORPORATE_NUMBER,
    consent: bool = True,
    applicant=None,
    due_days: int = 60,
) -> FinancingApplication:
    if applicant is None:
        user, org = verified_applicant(name=name)
        org.representative_name = representative
        org.save()
        payment_history(org, user)
        if consent:
            give_screening_consent(org, user)
    else:
        user, org = applicant
    debtor = org.debtors.filter(corporate_number=debtor_number).first() or (
        services.register_debtor(
            org,
            acting_user=user,
            name=DEBTOR_NAME,
            name_kana=DEBTOR_KANA,
            corporate_number=debtor_number,
        )
    )
    today = timezone.localdate()
    invoice = services.register_invoice(
        org,
        InvoiceData(
            issuer_name=org.name,
            debtor_name=DEBTOR_NAME,
            invoice_number=next_invoice_number(),
            issue_date=today - timedelta(days=1),
            due_date=today + timedelta(days=due_days),
            total_amount=1_100_000,
            tax_breakdown=(TaxBreakdown(Decimal("0.10"), 1_000_000, 100_000),),
        ),
        acting_user=user,
        debtor=debtor,
        source="form",
    )
    application = services.create_application(
        org, acting_user=user, product="three_party", invoices=[invoice]
    )
    services.submit_application(application, acting_user=user)
    screen_application.call(application.pk)
    return FinancingApplication.objects.get(pk=application.pk)


def _codes(app: FinancingApplication) -> list[str]:
    return [r["code"] for r in app.screening_result["reasons"]]


def test_no_hit_keeps_the_approval_and_keeps_the_evidence(screening_vendors):
    app = _screened()
    assert app.status == "offered", app.screening_result
    assert _codes(app) == []
    # Applicant company, representative and debtor, each asked of both vendors.
    assert screening_vendors.antisocial.calls == 3
    assert screening_vendors.credit_bureau.calls == 3
    checks = list(ExternalCheck.objects.filter(application=app).order_by("pk"))
    assert {(c.kind, c.role) for c in checks} == {
        (kind, role)
        for kind in ("antisocial", "credit_bureau")
        for role in ("applicant", "representative", "debtor")
    }
    for check in checks:
        assert check.reference_id.startswith(("asc_", "cbr_"))
        assert check.response_sha256 == hashlib.sha256(check.response.encode()).hexdigest()
        assert check.reference_id in check.response
        assert check.answered_at is not None
    shown = app.screening_result["external_checks"]
    assert {c["reference_id"] for c in shown} == {c.reference_id for c in checks}
    assert AuditRecord.objects.filter(action="screening.external_check").count() == 6
    # The representative was asked about as a person, by name.
    people = [
        s for s in screening_vendors.antisocial.screenings if s["subject"]["type"] == "person"
    ]
    assert [p["subject"]["name"] for p in people] == ["売主 太郎"]


def test_an_antisocial_hit_on_the_applicant_declines_with_a_polite_reason(screening_vendors):
    app = _screened(name="株式会社反社テスト")
    assert app.status == "declined"
    assert app.offer == {}
    assert "external.antisocial.hit" in _codes(app)
    staff = next(r for r in app.screening_result["reasons"] if r["code"].endswith(".hit"))
    assert "反社チェック（申込者「株式会社反社テスト」）" in staff["message"]
    assert "asc_" in staff["message"]
    shown = [(r.code, r.message) for r in applicant_reasons(app) if r.invoice is None]
    assert shown == [("screening.declined", staff["applicant_message"])]
    assert "反社" not in shown[0][1]


def test_an_antisocial_hit_on_the_debtor_declines(screening_vendors):
    app = _screened(debtor_number=HIT_CORPORATE_NUMBER)
    assert app.status == "declined"
    reason = next(r for r in app.screening_result["reasons"] if r["code"].endswith(".hit"))
    assert "売掛先" in reason["message"]


def test_a_possible_match_refers(screening_vendors):
    app = _screened(representative="要確認 次郎")
    assert app.status == "referred"
    assert _codes(app) == ["external.antisocial.possible"]


def test_a_delinquency_on_the_representative_refers(screening_vendors):
    app = _screened(representative="延滞 三郎")
    assert app.status == "referred"
    assert _codes(app) == ["external.credit.adverse"]
    reason = app.screening_result["reasons"][0]
    assert "延滞" in reason["message"]
    assert "代表者" in reason["message"]
    assert "延滞" not in applicant_reasons(app)[0].message
    assert app.offer  # an indicative offer for the reviewer


def test_an_outage_refers_and_is_asked_again_next_time(screening_vendors):
    screening_vendors.credit_bureau.unavailable = True
    app = _screened()
    assert app.status == "referred"
    assert set(_codes(app)) == {"external.unavailable"}
    failed = ExternalCheck.objects.filter(application=app, status="unavailable")
    assert failed.count() == 3
    # The first call meets the 503 (after the shared client's retries); then the connection's
    # circuit breaker answers at once instead of asking a vendor that is down.
    details = [c.error_detail for c in failed.order_by("pk")]
    assert "503" in details[0]
    assert all("503" in d or "circuit open" in d for d in details), details
    # The antisocial answers are cached; the failed bureau calls are not.
    screening_vendors.credit_bureau.unavailable = False
    http.reset_breakers()  # the breaker's cool-down has passed: the bureau is asked again
    applicant = (app.created_by, app.organization)
    again = _screened(applicant=applicant, due_days=45)
    assert again.status == "offered", (
        again.screening_result["reasons"],
        [i["reasons"] for i in again.screening_result["invoices"]],
    )
    assert screening_vendors.antisocial.calls == 3
    assert screening_vendors.credit_bureau.calls == 3


def test_an_unreachable_vendor_refers(screening_vendors, settings):
    screening_vendors.antisocial.stop()
    app = _screened()
    assert app.status == "referred"
    assert "external.unavailable" in _codes(app)


def test_a_misconfigured_vendor_refers_instead_of_crashing(screening_vendors, settings):
    settings.CREDIT_BUREAU_TOKEN = ""
    app = _screened()
    assert app.status == "referred"
    assert set(_codes(app)) == {"external.unavailable"}
    failed = ExternalCheck.objects.filter(application=app, status="unavailable").first()
    assert failed is not None
    assert "empty" in failed.error_detail
    assert screening_vendors.credit_bureau.calls == 0


def test_results_are_cached_per_subject(screening_vendors, settings):
    first = _screened()
    assert screening_vendors.calls == 6
    second = _screened(applicant=(first.created_by, first.organization), due_days=45)
    assert second.status == "offered"
    assert screening_vendors.calls == 6  # nothing asked again
    assert all(c["cached"] for c in second.screening_result["external_checks"])
    settings.SCREENING_VENDOR_CACHE_DAYS = 0
    _screened(applicant=(first.created_by, first.organization), due_days=30)
    assert screening_vendors.calls == 12


def test_no_consent_means_no_call_and_says_what_is_missing(screening_vendors):
    app = _screened(consent=False)
    assert screening_vendors.calls == 0
    assert app.status == "referred"
    assert _codes(app) == ["external.no_consent"]
    reason = app.screening_result["reasons"][0]
    assert "反社チェック・信用情報照会" in reason["message"]
    assert "同意" in applicant_reasons(app)[0].message
    assert not ExternalCheck.objects.exists()


def test_consent_to_one_use_only_asks_that_vendor(screening_vendors):
    user, org = verified_applicant()
    payment_history(org, user)
    applicant_services.give_data_use_consent(org, [Use.ANTISOCIAL_CHECK], acting_user=user, ip=None)
    app = _screened(applicant=(user, org))
    assert screening_vendors.antisocial.calls == 3
    assert screening_vendors.credit_bureau.calls == 0
    assert app.status == "referred"
    assert "信用情報照会への同意" in app.screening_result["reasons"][0]["message"]


def test_withdrawn_consent_stops_the_calls(screening_vendors):
    user, org = verified_applicant()
    payment_history(org, user)
    give_screening_consent(org, user)
    applicant_services.withdraw_data_use_consent(org, Use.CREDIT_BUREAU, acting_user=user, ip=None)
    assert applicant_services.missing_data_use_consents(org) == [Use.CREDIT_BUREAU]
    _screened(applicant=(user, org))
    assert screening_vendors.credit_bureau.calls == 0


def test_the_api_shows_the_applicant_only_the_general_reason(screening_vendors, client):
    app = _screened(name="株式会社反社テスト")
    client.force_login(app.created_by)
    answer = client.get(f"/api/receivables/applications/{app.pk}").json()
    assert answer["status"] == "declined"
    body = str(answer)
    assert "反社" not in body.replace("株式会社反社テスト", "")
    assert "antisocial" not in body
    assert "screening.declined" in body


def test_an_api_client_reads_the_purposes_and_consents(screening_vendors, client):
    user, org = verified_applicant()
    payment_history(org, user)
    client.force_login(user)
    listed = client.get("/api/applicants/data-use").json()["uses"]
    assert [u["use"] for u in listed] == ["antisocial_check", "credit_bureau"]
    assert not any(u["consented"] for u in listed)
    assert all(u["purpose"] and u["version"] for u in listed)
    stale = {"consents": [{"use": "credit_bureau", "version": "2000-01-01"}]}
    url = "/api/applicants/data-use/consents"
    refused = client.post(url, stale, content_type="application/json")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "data_use.outdated"
    assert not applicant_services.data_use_consents(org)["credit_bureau"]
    body = {"consents": [{"use": u["use"], "version": u["version"]} for u in listed]}
    answer = client.post(url, body, content_type="application/json")
    assert answer.status_code == 200
    assert all(u["consented"] for u in answer.json()["uses"])
    app = _screened(applicant=(user, org))
    assert app.status == "offered", app.screening_result["reasons"]
    assert screening_vendors.calls == 6


def test_the_demo_screens_through_the_vendors(screening_vendors, tmp_path, settings):
    """`make run`: the demo client consented and its deals pass both vendors; the review demo
    client is referred by the credit bureau's 延滞 record for its representative."""
    from django.core.management import call_command

    from urikake.system.demo_treasury import CLIENT_EMAIL
    from urikake.system.demo_vendors import VENDOR_CLIENT_EMAIL

    settings.VAR_DIR = tmp_path
    call_command("demo")
    deals = FinancingApplication.objects.filter(organization__memberships__user__email=CLIENT_EMAIL)
    assert sorted(d.status for d in deals) == ["accepted", "contracted", "funded"]
    referred = FinancingApplication.objects.get(
        organization__memberships__user__email=VENDOR_CLIENT_EMAIL
    )
    assert referred.status == "referred"
    assert _codes(referred) == ["external.credit.adverse"]
    assert "延滞 一郎" in referred.screening_result["reasons"][0]["message"]
    # 5 subjects of the demo client (company, representative, 3 debtors) + 3 of the other.
    assert screening_vendors.antisocial.calls == 8
    assert screening_vendors.credit_bureau.calls == 8
    call_command("demo")  # idempotent: nothing asked again
    assert screening_vendors.calls == 16
