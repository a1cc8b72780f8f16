"""Submit → screening (background task) → an explained offer; double assignment across
applicants is declined, a near-duplicate is referred (issue 4, "done when" 2)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from urikake.applicants.models import Membership, Organization
from urikake.audit.models import AuditRecord
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.kyc import services as kyc
from urikake.receivables import services
from urikake.receivables.models import FinancingApplication
from urikake.receivables.tasks import screen_application

pytestmark = pytest.mark.django_db


def _verified_org(django_user_model, email: str, name: str, kana: str):
    user = django_user_model.objects.create_user(email=email, password="x" * 20)
    org = Organization.objects.create(kind="corporation", name=name, name_kana=kana)
    Membership.objects.create(user=user, organization=org, role="owner")
    kyc.record_verified_check(org, requested_by=user, acting_user="system:test")
    return user, org


def _history(org, user, payer: str) -> None:
    """A year of monthly payments from the debtor, on the 25th."""
    today = timezone.localdate()
    lines = []
    for n in range(1, 13):
        day = (today.replace(day=1) - timedelta(days=30 * n)).replace(day=25)
        lines.append(
            StatementLine(
                value_date=day,
                direction=Direction.DEPOSIT,
                amount=1_100_000,
                counterparty=payer,
                reference=f"{n:08d}",
                line_number=n,
            )
        )
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT, "0001", "001", 1, "1234567", "", None, None, tuple(lines)
    )
    services.import_statement(org, statement, acting_user=user, content=b"x")


def _invoice(number: str, amount: int = 1_100_000, due_days: int = 60) -> InvoiceData:
    today = timezone.localdate()
    return InvoiceData(
        issuer_name="売主",
        debtor_name="株式会社ヤマダ商事",
        invoice_number=number,
        issue_date=today - timedelta(days=1),
        due_date=today + timedelta(days=due_days),
        total_amount=amount,
        tax_breakdown=(
            TaxBreakdown(Decimal("0.10"), amount * 10 // 11, amount - amount * 10 // 11),
        ),
    )


def _apply(org, user, number: str, *, corporate_number: str = "1180301018771", **kw):
    debtor = org.debtors.filter(
        corporate_number=corporate_number
    ).first() or services.register_debtor(
        org,
        acting_user=user,
        name="株式会社ヤマダ商事",
        name_kana="カブシキガイシャヤマダシヨウジ",
        corporate_number=corporate_number,
    )
    invoice = services.register_invoice(
        org, _invoice(number, **kw), acting_user=user, debtor=debtor, source="form"
    )
    application = services.create_application(
        org, acting_user=user, product="three_party", invoices=[invoice]
    )
    services.submit_application(application, acting_user=user)
    screen_application.call(application.pk)  # what the worker does after commit
    return FinancingApplication.objects.get(pk=application.pk)


def test_a_regular_debtor_gets_an_explained_offer(django_user_model) -> None:
    user, org = _verified_org(django_user_model, "a@example.jp", "株式会社売主", "ウリヌシ")
    _history(org, user, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    application = _apply(org, user, "A-001")
    assert application.status == "offered", application.screening_result
    offer = application.offer
    assert offer["face_amount"] == 1_100_000
    assert offer["net_payout"] == offer["advance_amount"] - offer["fee"] - offer["admin_fee"]
    assert Decimal(offer["invoices"][0]["fee_rate"]) >= Decimal("0.02")
    explained = application.screening_result["invoices"][0]
    assert explained["reality"]["payments_12m"] >= 10
    assert {r["kind"] for r in explained["risks"]} == {
        "default",
        "fraud",
        "dilution",
        "contra",
        "commingling",
    }
    assert AuditRecord.objects.filter(action="application.offered").count() == 1


def test_the_same_invoice_from_a_second_applicant_is_double_assignment(django_user_model) -> None:
    user_a, org_a = _verified_org(django_user_model, "a@example.jp", "株式会社売主", "ウリヌシ")
    user_b, org_b = _verified_org(django_user_model, "b@example.jp", "株式会社別主", "ベツヌシ")
    _history(org_a, user_a, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    _history(org_b, user_b, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    assert _apply(org_a, user_a, "A-001").status == "offered"
    second = _apply(org_b, user_b, "A-001")
    assert second.status == "declined"
    codes = {r["code"] for r in second.screening_result["invoices"][0]["reasons"]}
    assert any("duplicate" in c or "double" in c for c in codes), codes


def test_a_near_duplicate_is_referred_to_a_reviewer(django_user_model) -> None:
    user_a, org_a = _verified_org(django_user_model, "a@example.jp", "株式会社売主", "ウリヌシ")
    user_b, org_b = _verified_org(django_user_model, "b@example.jp", "株式会社別主", "ベツヌシ")
    _history(org_a, user_a, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    _history(org_b, user_b, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    assert _apply(org_a, user_a, "A-001").status == "offered"
    # Same debtor, amount and due date under another invoice number.
    assert _apply(org_b, user_b, "B-777").status == "referred"


def test_screening_runs_once(django_user_model) -> None:
    user, org = _verified_org(django_user_model, "a@example.jp", "株式会社売主", "ウリヌシ")
    _history(org, user, "ｶ)ﾔﾏﾀﾞｼﾖｳｼﾞ")
    application = _apply(org, user, "A-001")
    before = AuditRecord.objects.count()
    screen_application.call(application.pk)
    assert AuditRecord.objects.count() == before
