"""Plans: edited in the back office as effective-dated, audited versions; an application
outside its plan's range is refused before screening (page and API), and screening prices
within the plan's fee band and advance rate."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.fixtures.deals import make_deal, payment_history, verified_applicant
from tests.integration.plans.conftest import applicant_client, logged_in
from tests.integration.plans.helpers import invoice_of
from urikake.audit.models import AuditRecord
from urikake.domain.plans import PlanTerms, Segment
from urikake.plans import services as plans
from urikake.plans.models import Plan, PlanVersion
from urikake.receivables.models import FinancingApplication

pytestmark = pytest.mark.django_db


def _form(version: PlanVersion, **changes: Any) -> dict[str, Any]:
    data = {
        "name": version.name,
        "segment": version.segment,
        "product": version.product,
        "min_amount": version.min_amount,
        "max_amount": version.max_amount,
        "fee_min": f"{(version.fee_min * 100).normalize():f}",
        "fee_max": f"{(version.fee_max * 100).normalize():f}",
        "advance_rate": f"{(version.advance_rate * 100).normalize():f}",
        "speed": version.speed,
        "active": "on",
        "effective_from": timezone.localdate().isoformat(),
        "note": "",
    }
    data.update(changes)
    return data


def test_admin_revises_a_plan_as_a_new_audited_version_and_history_is_kept(
    admin_staff: Any, demo_plans: list[str]
) -> None:
    assert demo_plans == ["quick", "premium", "sole-proprietor"]
    quick = Plan.objects.get(code="quick")
    first = plans.current_version(quick)
    assert first is not None
    assert first.max_amount == 1_000_000
    client = logged_in(admin_staff)
    response = client.post(
        f"/backoffice/plans/{quick.pk}/edit/",
        _form(first, max_amount="800000", note="与信方針の見直し"),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    current = plans.current_version(quick)
    assert current is not None
    assert current.pk != first.pk
    assert current.max_amount == 800_000
    assert PlanVersion.objects.filter(plan=quick).count() == 2  # the old version is kept
    first.refresh_from_db()
    assert first.max_amount == 1_000_000
    record = AuditRecord.objects.get(action="plan.revised")
    assert record.payload["max_amount"] == 800_000
    assert record.actor == f"user:{admin_staff.pk}"
    page = client.get(f"/backoffice/plans/{quick.pk}/").content.decode()
    assert "与信方針の見直し" in page
    assert "¥800,000" in page
    assert "¥1,000,000" in page


def test_a_change_in_the_past_is_refused_and_changes_nothing(
    admin_staff: Any, demo_plans: list[str]
) -> None:
    quick = Plan.objects.get(code="quick")
    version = plans.current_version(quick)
    assert version is not None
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = logged_in(admin_staff).post(
        f"/backoffice/plans/{quick.pk}/edit/", _form(version, effective_from=yesterday)
    )
    assert response.status_code == 200
    assert "適用開始日は今日以降" in response.content.decode()
    assert PlanVersion.objects.filter(plan=quick).count() == 1
    assert not AuditRecord.objects.filter(action="plan.revised").exists()


def test_a_future_version_applies_from_its_date(admin_staff: Any, demo_plans: list[str]) -> None:
    premium = Plan.objects.get(code="premium")
    today = timezone.localdate()
    before = plans.current_version(premium)
    assert before is not None
    plans.revise_plan(
        premium,
        acting_user=admin_staff,
        terms=plans.terms_of(before).__class__(**{**_terms_dict(before), "max_amount": 30_000_000}),
        effective_from=today + timedelta(days=10),
    )
    assert plans.current_version(premium) == before
    later = plans.current_version(premium, today + timedelta(days=10))
    assert later is not None
    assert later.max_amount == 30_000_000


def _terms_dict(v: PlanVersion) -> dict[str, Any]:
    t = plans.terms_of(v)
    return {name: getattr(t, name) for name in t.__slots__}  # type: ignore[attr-defined]


def test_reviewers_read_plans_but_only_plan_managers_edit(
    admin_staff: Any, reviewer_staff: Any, treasury_staff: Any, demo_plans: list[str]
) -> None:
    quick = Plan.objects.get(code="quick")
    reviewer = logged_in(reviewer_staff)
    assert reviewer.get("/backoffice/plans/").status_code == 200
    assert reviewer.get(f"/backoffice/plans/{quick.pk}/").status_code == 200
    assert reviewer.get(f"/backoffice/plans/{quick.pk}/edit/").status_code == 403
    assert reviewer.post("/backoffice/plans/new/", {}).status_code == 403
    assert logged_in(treasury_staff).get("/backoffice/plans/").status_code == 403
    page = logged_in(admin_staff).get("/backoffice/plans/").content.decode()
    assert "クイックプラン" in page
    assert "3.8%" in page
    assert "プランを作成する" in page


def test_bad_plan_terms_are_refused_in_japanese(admin_staff: Any) -> None:
    response = logged_in(admin_staff).post(
        "/backoffice/plans/new/",
        {
            "code": "broken",
            "name": "壊れたプラン",
            "segment": "corporation",
            "product": "two_party",
            "min_amount": "500000",
            "max_amount": "100000",
            "fee_min": "5",
            "fee_max": "3",
            "advance_rate": "80",
            "speed": "最短即日",
            "active": "on",
            "effective_from": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "上限金額は最低金額以上にしてください" in body
    assert "手数料の上限は下限以上にしてください" in body
    assert not Plan.objects.exists()


def test_an_application_above_the_plan_maximum_is_refused_on_the_page(
    demo_plans: list[str],
) -> None:
    user, org = verified_applicant()
    invoice = invoice_of(org, user, 1_200_000)
    client = applicant_client(user)
    audit_before = AuditRecord.objects.count()
    response = client.post(
        "/my/applications/",
        {"product": "two_party", "invoices": [invoice.pk], "plan": ""},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "上限は1件あたり¥1,000,000です" in body, body[:4000]
    assert not FinancingApplication.objects.exists()
    assert AuditRecord.objects.count() == audit_before  # nothing changed
    invoice.refresh_from_db()
    assert invoice.status == "registered"
    # The chosen plan's own limit is named when the applicant picked it.
    quick = Plan.objects.get(code="quick")
    response = client.post(
        "/my/applications/",
        {"product": "two_party", "invoices": [invoice.pk], "plan": str(quick.pk)},
    )
    assert "クイックプランでお申込みいただける金額は1件あたり¥1,000,000まで" in (
        response.content.decode()
    )
    assert not FinancingApplication.objects.exists()


def test_the_api_refuses_with_json_naming_the_field_and_the_limit(
    demo_plans: list[str],
) -> None:
    user, org = verified_applicant()
    invoice = invoice_of(org, user, 1_200_000)
    client = applicant_client(user)
    response = client.post(
        "/api/receivables/applications",
        json.dumps({"product": "two_party", "invoice_ids": [invoice.pk]}),
        content_type="application/json",
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "plan.above_max"
    assert error["field"] == "invoice_ids"
    assert error["limit"] == 1_000_000
    assert error["bound"] == "max"
    assert "¥1,000,000" in error["message"]
    assert not FinancingApplication.objects.exists()


def test_a_sole_proprietor_below_the_minimum_is_refused(demo_plans: list[str]) -> None:
    user, org = verified_applicant()
    org.kind = "sole_proprietor"
    org.save(update_fields=["kind"])
    invoice = invoice_of(org, user, 55_000)
    response = applicant_client(user).post(
        "/api/receivables/applications",
        json.dumps({"product": "two_party", "invoice_ids": [invoice.pk]}),
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["limit"] == 100_000
    assert response.json()["error"]["bound"] == "min"


def test_screening_prices_within_the_plans_fee_band_and_advance_rate(admin_staff: Any) -> None:
    plans.create_plan(
        acting_user=admin_staff,
        code="narrow",
        terms=PlanTerms(
            code="narrow",
            name="検証プラン",
            segment=Segment.CORPORATION,
            product="three_party",
            min_amount=100_000,
            max_amount=5_000_000,
            fee_min=Decimal("0.031"),
            fee_max=Decimal("0.033"),
            advance_rate=Decimal("0.9"),
            speed="2営業日",
        ),
    )
    deal = make_deal(product="three_party", amount=1_100_000, accept=False)
    application = deal.application
    assert application.plan_version is not None
    assert application.plan_version.plan.code == "narrow"
    line = application.offer["invoices"][0]
    assert Decimal("0.031") <= Decimal(line["fee_rate"]) <= Decimal("0.033")
    assert Decimal(line["advance_rate"]) == Decimal("0.9")
    assert application.offer["advance_amount"] == 990_000


def test_without_any_plan_applications_work_as_before() -> None:
    user, org = verified_applicant()
    payment_history(org, user)
    deal = make_deal(user=user, organization=org, amount=1_100_000, accept=False)
    assert deal.application.plan_version is None
    assert deal.application.status == "offered"


def test_the_plan_pages_have_an_english_catalog(
    admin_staff: Any, demo_plans: list[str], settings: Any
) -> None:
    client = logged_in(admin_staff)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/backoffice/plans/").content.decode()
    assert '<html lang="en">' in html
    assert "Create a plan" in html
    assert "Advance rate" in html
    assert "プランを作成する" not in html
