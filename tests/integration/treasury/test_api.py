"""Treasury API: staff-only, Idempotency-Key on every money-moving call, one effect per key."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.integration.treasury.helpers import (
    contracted_deal,
    paid_on,
    perfect,
    second_treasury_user,
    statement_file,
)
from urikake.audit.models import AuditRecord
from urikake.idempotency.models import IdempotentRequest
from urikake.treasury import collections
from urikake.treasury.models import Deposit, Payout

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(treasury_staff) -> Client:
    client = Client()
    client.force_login(treasury_staff)
    return client


def test_fund_needs_a_key_and_a_retry_returns_the_same_payout(staff_client, treasury_staff):
    deal = contracted_deal()
    perfect(deal, treasury_staff)
    url = f"/api/treasury/applications/{deal.application.pk}/fund"
    missing = staff_client.post(url)
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "idempotency.key_required"
    first = staff_client.post(url, HTTP_IDEMPOTENCY_KEY="k-1")
    second = staff_client.post(url, HTTP_IDEMPOTENCY_KEY="k-1")
    other_key = staff_client.post(url, HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == 200, first.content
    assert first.json() == second.json() == other_key.json()
    assert Payout.objects.count() == 1
    assert IdempotentRequest.objects.count() == 2


def test_failed_call_keeps_no_key_and_a_corrected_retry_runs(staff_client, treasury_staff):
    deal = contracted_deal()
    url = f"/api/treasury/applications/{deal.application.pk}/fund"
    refused = staff_client.post(url, HTTP_IDEMPOTENCY_KEY="k-1")
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "perfection.required"
    assert not IdempotentRequest.objects.exists()
    # The operator records the perfection through the API, then retries with the same key.
    step = staff_client.post(
        f"/api/treasury/applications/{deal.application.pk}/perfection",
        {"step": "notice_sent", "certified_date": "2026-11-20", "on": "2026-11-20"},
        content_type="application/json",
    )
    assert step.status_code == 200, step.content
    staff_client.post(
        f"/api/treasury/applications/{deal.application.pk}/perfection",
        {"step": "notice_delivered", "on": "2026-11-21"},
        content_type="application/json",
    )
    assert staff_client.post(url, HTTP_IDEMPOTENCY_KEY="k-1").status_code == 200


def test_batch_sent_and_reconcile_over_the_api(staff_client, treasury_staff):
    deal = contracted_deal()
    perfect(deal, treasury_staff)
    staff_client.post(
        f"/api/treasury/applications/{deal.application.pk}/fund", HTTP_IDEMPOTENCY_KEY="f"
    )
    payout = Payout.objects.get()
    made = staff_client.post(
        "/api/treasury/batches",
        {"value_date": payout.requested_for.isoformat()},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="b-1",
    )
    assert made.status_code == 200, made.content
    batch_id = made.json()["id"]
    mismatch = staff_client.post(
        "/api/treasury/batches",
        {"value_date": None},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="b-1",
    )
    assert mismatch.json()["error"]["code"] == "idempotency.mismatch"
    # Dual control: the preparer can neither fetch the file, send, nor approve its own batch.
    early_file = staff_client.get(f"/api/treasury/batches/{batch_id}/file")
    assert early_file.status_code == 422
    assert early_file.json()["error"]["code"] == "payout.batch_not_approved"
    early_sent = staff_client.post(
        f"/api/treasury/batches/{batch_id}/sent", HTTP_IDEMPOTENCY_KEY="s"
    )
    assert early_sent.status_code == 422
    assert early_sent.json()["error"]["code"] == "payout.batch_not_approved"
    own = staff_client.post(f"/api/treasury/batches/{batch_id}/approve", HTTP_IDEMPOTENCY_KEY="a")
    assert own.status_code == 422
    assert own.json()["error"]["code"] == "payout.same_person"
    assert "同じデータを承認できません" in own.json()["error"]["message"]
    assert staff_client.get(f"/api/treasury/batches/{batch_id}").json()["status"] == "generated"
    approver = Client()
    approver.force_login(second_treasury_user())
    no_key = approver.post(f"/api/treasury/batches/{batch_id}/approve")
    assert no_key.json()["error"]["code"] == "idempotency.key_required"
    ok = approver.post(f"/api/treasury/batches/{batch_id}/approve", HTTP_IDEMPOTENCY_KEY="a")
    again = approver.post(f"/api/treasury/batches/{batch_id}/approve", HTTP_IDEMPOTENCY_KEY="a")
    assert ok.status_code == 200, ok.content
    assert ok.json() == again.json()
    assert ok.json()["status"] == "approved"
    assert ok.json()["prepared_by"] == f"user:{treasury_staff.pk}"
    assert ok.json()["approved_by"] == f"user:{second_treasury_user().pk}"
    assert AuditRecord.objects.filter(action="treasury.batch_approved").count() == 1
    file = staff_client.get(f"/api/treasury/batches/{batch_id}/file")
    assert file.status_code == 200
    assert file.content[:3] == b"121"
    sent = staff_client.post(f"/api/treasury/batches/{batch_id}/sent", HTTP_IDEMPOTENCY_KEY="s")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "sent"
    purchase = deal.application.purchases.get()
    collections.import_collection_statement(
        statement_file([(paid_on(purchase), 1_000, "ｶ)ﾍﾞﾂｶﾞｲｼﾔ")]),
        filename="x.txt",
        acting_user=treasury_staff,
    )
    run = staff_client.post("/api/treasury/reconciliation/run", HTTP_IDEMPOTENCY_KEY="r")
    assert run.json() == {"auto": 0, "suggested": 0, "unmatched": 1}
    deposit = Deposit.objects.get()
    confirmed = staff_client.post(
        f"/api/treasury/deposits/{deposit.pk}/confirm",
        {"purchase_ids": [purchase.pk], "remember_payer": False},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="c",
    )
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "confirmed"
    purchase.refresh_from_db()
    assert purchase.collected_amount == 1_000
    assert purchase.status == "open"


def test_applicants_cannot_fund_and_see_only_their_payouts(treasury_staff):
    deal = contracted_deal()
    perfect(deal, treasury_staff)
    client = Client()
    client.force_login(deal.user)
    url = f"/api/treasury/applications/{deal.application.pk}/fund"
    assert client.post(url, HTTP_IDEMPOTENCY_KEY="x").status_code in (401, 403)
    assert client.get("/api/treasury/my/payouts").json() == []


def test_accepting_with_a_key_twice_returns_the_first_answer():
    from tests.fixtures.deals import make_deal
    from urikake.audit.models import AuditRecord

    deal = make_deal(accept=False)
    client = Client()
    client.force_login(deal.user)
    url = f"/api/receivables/applications/{deal.application.pk}/accept"
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="a-1")
    second = client.post(url, HTTP_IDEMPOTENCY_KEY="a-1")
    assert first.status_code == second.status_code == 200, first.content
    assert first.json() == second.json()
    assert first.json()["status"] == "accepted"
    assert AuditRecord.objects.filter(action="application.accepted").count() == 1
    # Without the key a second acceptance is an illegal move (the offer is already accepted).
    assert client.post(url).status_code == 422
