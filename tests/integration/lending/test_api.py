"""The lending API: apply (Idempotency-Key), follow, draw and repay (Idempotency-Key
required), reports due — scoped to the organisation, errors in the common shape."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tests.fixtures.clients import applicant_client, logged_in
from tests.integration.lending.helpers import borrower, documents_checked, invoice, staff
from urikake.lending import services
from urikake.lending.models import Draw, LoanFacility

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    return logged_in(user) if user.is_staff else applicant_client(user)


def _post(client: Client, url: str, body: dict, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_apply_follow_draw_and_repay_over_the_api() -> None:
    user, org = borrower()
    reviewer, treasury = staff("reviewer"), staff("treasury")
    inv = invoice(org, user, 2_000_000)
    me = _client(user)
    body = {
        "scheme": "revolving",
        "guarantee_scheme": "receivables_2001",
        "requested_amount": 1_000_000,
        "purpose": "運転資金",
        "invoice_ids": [inv.pk],
    }
    first = _post(me, "/api/lending/loans", body, key="apply-1")
    assert first.status_code == 201, first.content
    again = _post(me, "/api/lending/loans", body, key="apply-1")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert LoanFacility.objects.count() == 1
    loan_id = first.json()["id"]
    assert me.get(f"/api/lending/loans/{loan_id}").json()["status_label"] == "審査中"

    # Another organisation sees nothing.
    other_user, _ = borrower()
    assert _client(other_user).get(f"/api/lending/loans/{loan_id}").status_code == 404

    facility = LoanFacility.objects.get(pk=loan_id)
    documents_checked(facility, user, reviewer)
    services.decide(
        facility,
        acting_user=reviewer,
        approve=True,
        comment="ok",
        interest_rate=Decimal("0.03"),
        decided_amount=1_000_000,
    )
    facility.refresh_from_db()
    services.sign_contract(
        facility, acting_user=user, agreed_sha256=facility.contract_sha256, ip_address=None
    )
    services.record_perfection(facility, perfected_on=timezone.localdate(), acting_user=treasury)

    desk = _client(treasury)
    url = f"/api/lending/staff/loans/{loan_id}/draws"
    assert _post(desk, url, {"amount": 500_000}).status_code == 422  # no key
    drawn = _post(desk, url, {"amount": 500_000}, key="draw-1")
    assert drawn.status_code == 200, drawn.content
    # The limit is the decided 1,000,000 (collateral 2,000,000 × 60% = 1,200,000 is higher).
    assert drawn.json()["guarantee_fee"] == 7_650  # 1,000,000 × 90% × 0.85%
    retry = _post(desk, url, {"amount": 500_000}, key="draw-1")
    assert retry.json() == drawn.json()
    assert Draw.objects.count() == 1
    too_much = _post(desk, url, {"amount": 10**15}, key="draw-2")
    assert too_much.status_code == 422
    assert too_much.json()["error"]["field"] == "amount"

    paid = _post(
        desk,
        f"/api/lending/staff/loans/{loan_id}/repayments",
        {
            "amount": 100_000,
            "received_on": timezone.localdate().isoformat(),
            "source": "repayment",
            "reference": "R-1",
        },
        key="rep-1",
    )
    assert paid.status_code == 200, paid.content
    assert paid.json()["principal"] == 100_000
    assert me.get(f"/api/lending/loans/{loan_id}").json()["outstanding"] == 400_000
    # An applicant may not draw.
    assert _post(me, url, {"amount": 1}, key="x").status_code in (401, 403)
    assert desk.get("/api/lending/staff/reports").status_code == 200
