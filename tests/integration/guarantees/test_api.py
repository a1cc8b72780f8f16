"""The guarantees API: apply (Idempotency-Key), list and follow, file a claim with base64
evidence, pay the claim and record the premium (Idempotency-Key required) — scoped to the
organisation (another organisation's guarantee is a 404), errors in the common shape."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.fixtures.clients import applicant_client, logged_in
from tests.integration.guarantees.helpers import PDF, client, invoice, staff
from urikake.guarantees import services
from urikake.guarantees.models import Claim, GuaranteeContract
from urikake.treasury.models import Payout

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    return logged_in(user) if user.is_staff else applicant_client(user)


def _post(http: Client, url: str, body: dict, key: str | None = None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return http.post(url, json.dumps(body), content_type="application/json", **headers)


def test_apply_follow_claim_and_pay_over_the_api() -> None:
    user, org = client()
    reviewer, treasury = staff("reviewer"), staff("treasury")
    inv = invoice(org, user, 1_100_000)
    today = timezone.localdate()
    me = _client(user)
    body = {
        "scheme": "individual",
        "debtor_id": inv.debtor_id,
        "invoice_id": inv.pk,
        "requested_amount": 1_000_000,
        "period_start": today.isoformat(),
        "period_end": (today + timedelta(days=90)).isoformat(),
    }
    first = _post(me, "/api/guarantees/guarantees", body, key="g-1")
    assert first.status_code == 201, first.content
    again = _post(me, "/api/guarantees/guarantees", body, key="g-1")
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert GuaranteeContract.objects.count() == 1
    gid = first.json()["id"]
    assert me.get(f"/api/guarantees/guarantees/{gid}").json()["status_label"] == "審査中"
    assert [g["id"] for g in me.get("/api/guarantees/guarantees").json()] == [gid]

    # Bad input: the common error shape, nothing created.
    bad = _post(me, "/api/guarantees/guarantees", {**body, "requested_amount": 2_000_000})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "guarantee.over_face"
    assert GuaranteeContract.objects.count() == 1

    # Another organisation sees nothing and cannot claim.
    other_user, _ = client()
    other = _client(other_user)
    assert other.get(f"/api/guarantees/guarantees/{gid}").status_code == 404
    assert [g["id"] for g in other.get("/api/guarantees/guarantees").json()] == []

    contract = GuaranteeContract.objects.get(pk=gid)
    services.decide(
        contract, acting_user=reviewer, approve=True, comment="", grade="normal", waiting_days=0
    )
    contract.refresh_from_db()
    services.sign_contract(
        contract, acting_user=user, agreed_sha256=contract.contract_sha256, ip_address=None
    )
    receivable = contract.receivables.get()
    claim_body = {
        "receivable_id": receivable.pk,
        "default_on": today.isoformat(),
        "unpaid_amount": 1_100_000,
        "reason": "売掛先の破産",
        "evidence_name": "notice.pdf",
        "evidence_base64": base64.b64encode(PDF).decode(),
    }
    assert _post(other, f"/api/guarantees/guarantees/{gid}/claims", claim_body).status_code == 404
    not_b64 = _post(
        me, f"/api/guarantees/guarantees/{gid}/claims", {**claim_body, "evidence_base64": "%%%%"}
    )
    assert not_b64.status_code == 422
    not_pdf = _post(
        me,
        f"/api/guarantees/guarantees/{gid}/claims",
        {**claim_body, "evidence_base64": base64.b64encode(b"MZ...").decode()},
    )
    assert not_pdf.json()["error"]["code"] == "guarantee.evidence_type"
    assert not Claim.objects.exists()
    filed = _post(me, f"/api/guarantees/guarantees/{gid}/claims", claim_body)
    assert filed.status_code == 201, filed.content
    claim_id = filed.json()["id"]

    # Paying moves money: the key is required; the applicant may not; a retry pays once.
    staff_http = _client(reviewer)
    assert _post(me, f"/api/guarantees/staff/claims/{claim_id}/pay", {}).status_code in (401, 403)
    no_key = _post(staff_http, f"/api/guarantees/staff/claims/{claim_id}/pay", {})
    assert no_key.status_code == 422
    assert no_key.json()["error"]["code"] == "idempotency.key_required"
    paid = _post(staff_http, f"/api/guarantees/staff/claims/{claim_id}/pay", {}, key="pay-1")
    assert paid.status_code == 200, paid.content
    assert paid.json()["paid_amount"] == 1_000_000
    retry = _post(staff_http, f"/api/guarantees/staff/claims/{claim_id}/pay", {}, key="pay-1")
    assert retry.json() == paid.json()
    assert Payout.objects.filter(kind="guarantee").count() == 1

    # The premium recorded by treasury over the API, once per key.
    treasury_http = _client(treasury)
    premium = {"amount": 20_000, "received_on": today.isoformat(), "reference": "P-1"}
    url = f"/api/guarantees/staff/guarantees/{gid}/premium-payments"
    first_premium = _post(treasury_http, url, premium, key="prem-1")
    assert first_premium.status_code == 200, first_premium.content
    assert first_premium.json()["premium_paid"] == 20_000
    assert _post(treasury_http, url, premium, key="prem-1").json()["premium_paid"] == 20_000
    contract.refresh_from_db()
    assert contract.premium_paid == 20_000
    assert me.get(f"/api/guarantees/guarantees/{gid}").json()["claims"][0]["status"] == "approved"
