"""Credit lines (限度額): started by the first approved screening, grown by each deal settled
on time, held after a late one, every change recorded with its reason and audited, shown on
my page; a deal above the available line is referred with the reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.fixtures.deals import make_deal, payment_history, verified_applicant
from tests.integration.plans.conftest import applicant_client
from tests.integration.plans.helpers import invoice_of
from tests.integration.treasury.helpers import (
    DEBTOR_PAYER,
    approved,
    funded_deal,
    paid_on,
    purchase_of,
    statement_file,
)
from urikake.audit.models import AuditRecord
from urikake.domain import credit_lines as rules
from urikake.plans import services as plans
from urikake.plans.models import CreditLine, CreditLineChange
from urikake.receivables import services as receivables
from urikake.receivables.models import FinancingApplication
from urikake.receivables.tasks import screen_application
from urikake.treasury import collections, payouts
from urikake.treasury.models import Payout

pytestmark = pytest.mark.django_db


def _grade(application: FinancingApplication) -> str:
    return max(i["grade"] for i in application.screening_result["invoices"])


def test_the_first_approved_screening_starts_the_line() -> None:
    deal = make_deal(amount=1_100_000, accept=False)
    line = CreditLine.objects.get(organization=deal.organization)
    expected = rules.initial_line(1_100_000, _grade(deal.application))
    assert line.amount == expected.amount > 0
    assert line.reason == expected.reason
    change = CreditLineChange.objects.get(credit_line=line)
    assert (change.previous, change.amount, change.code) == (0, line.amount, "credit_line.started")
    assert change.application_ref == deal.application.pk
    assert AuditRecord.objects.filter(action="credit_line.started").count() == 1
    # A second approved deal does not restart it.
    make_deal(user=deal.user, organization=deal.organization, amount=330_000, accept=False)
    assert CreditLine.objects.get(pk=line.pk).amount == line.amount


def _pay_out(deal: Any, staff: Any) -> None:
    payout = Payout.objects.get(kind="advance", application=deal.application)
    batch = payouts.build_batch(acting_user=staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=staff)  # a second treasury user approves


def _collect(deal: Any, staff: Any) -> None:
    purchase = purchase_of(deal)
    collections.import_collection_statement(
        statement_file([(paid_on(purchase), purchase.face_amount, DEBTOR_PAYER)]),
        filename="collect.txt",
        acting_user=staff,
    )
    assert collections.run_reconciliation().auto == 1
    deal.application.refresh_from_db()
    assert deal.application.status == "settled"


def test_a_settled_deal_raises_the_line_and_my_page_shows_it(treasury_staff: Any) -> None:
    deal = funded_deal(treasury_staff, amount=2_200_000)
    started = CreditLine.objects.get(organization=deal.organization).amount
    _pay_out(deal, treasury_staff)
    _collect(deal, treasury_staff)
    line = CreditLine.objects.get(organization=deal.organization)
    assert line.amount == started + 220_000  # +10% of the settled face, in ¥10,000 steps
    grew = CreditLineChange.objects.get(credit_line=line, code="credit_line.grew")
    assert (grew.previous, grew.amount) == (started, line.amount)
    assert grew.application_ref == deal.application.pk
    assert AuditRecord.objects.filter(action="credit_line.grew").count() == 1
    page = applicant_client(deal.user).get("/my/").content.decode()
    assert "ご利用限度額" in page
    assert f"¥{line.amount:,}" in page
    assert "期日どおりに完了したため" in page
    # Recording the same settlement again changes nothing.
    assert plans.record_settlement(deal.application, acting_user=treasury_staff) == grew
    assert CreditLine.objects.get(pk=line.pk).amount == line.amount


def test_a_deal_settled_after_default_holds_the_line(treasury_staff: Any) -> None:
    from urikake.servicing.overdue import mark_default

    deal = funded_deal(treasury_staff, amount=1_700_000)
    started = CreditLine.objects.get(organization=deal.organization).amount
    _pay_out(deal, treasury_staff)
    mark_default(purchase_of(deal), acting_user=treasury_staff, comment="期日経過・連絡不通")
    _collect(deal, treasury_staff)
    line = CreditLine.objects.get(organization=deal.organization)
    assert line.amount == started
    assert "据え置き" in line.reason
    assert CreditLineChange.objects.filter(credit_line=line, code="credit_line.held").exists()


def test_a_deal_above_the_available_line_is_referred_with_the_reason() -> None:
    user, org = verified_applicant()
    payment_history(org, user)
    plans.start_credit_line(
        org, approved_face=300_000, grade="E", application_ref=None, acting_user=user
    )
    invoice = invoice_of(org, user, 1_100_000)
    application = receivables.create_application(
        org, acting_user=user, product="three_party", invoices=[invoice]
    )
    receivables.submit_application(application, acting_user=user)
    screen_application.call(application.pk)
    application.refresh_from_db()
    assert application.status == "referred"
    reasons = application.screening_result["reasons"]
    assert [r["code"] for r in reasons] == ["credit_line.exceeded"]
    assert "ご利用可能額 ¥300,000" in reasons[0]["message"]
    api = applicant_client(user).get(f"/api/receivables/applications/{application.pk}")
    assert {"invoice": None, "code": "credit_line.exceeded", "message": reasons[0]["message"]} in (
        api.json()["reasons"]
    )
    page = applicant_client(user).get(f"/my/applications/{application.pk}/").content.decode()
    assert "ご利用可能額 ¥300,000" in page
    assert json.dumps(application.offer)  # an indicative offer is kept for the reviewer


def test_a_reviewer_sets_a_line_by_hand_with_a_reason(
    reviewer_staff: Any, admin_staff: Any
) -> None:
    from tests.integration.plans.conftest import logged_in

    user, org = verified_applicant()
    line = plans.start_credit_line(
        org, approved_face=300_000, grade="E", application_ref=None, acting_user=user
    )
    url = f"/backoffice/plans/credit-lines/{line.pk}/adjust/"
    assert logged_in(admin_staff).post(url, {"amount": "1", "reason": "x"}).status_code == 403
    reviewer = logged_in(reviewer_staff)
    refused = reviewer.post(url, {"amount": "60000000", "reason": "大口"}, follow=True)
    assert "限度額は0円以上¥50,000,000以下" in refused.content.decode()
    assert CreditLine.objects.get(pk=line.pk).amount == 300_000
    response = reviewer.post(url, {"amount": "2000000", "reason": "大口の受注契約を確認"})
    assert response.status_code == 302
    line.refresh_from_db()
    assert line.amount == 2_000_000
    assert line.reason == "大口の受注契約を確認"
    change = CreditLineChange.objects.get(credit_line=line, code="credit_line.adjusted")
    assert (change.previous, change.actor) == (300_000, f"user:{reviewer_staff.pk}")
    assert AuditRecord.objects.filter(action="credit_line.adjusted").count() == 1
