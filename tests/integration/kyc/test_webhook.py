"""The webhook: only signed, fresh, new events change anything; a refused call changes nothing."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.integration.kyc.helpers import Snapshot, event_for, make_check, post_webhook
from urikake.audit.models import AuditRecord
from urikake.integrations.ekyc.signing import signed_headers
from urikake.kyc import services
from urikake.kyc.models import VERIFICATION_VALIDITY, KycCheck, KycWebhookEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def check(applicant: Any) -> KycCheck:
    return make_check(applicant.organization, applicant.user)


@pytest.fixture
def vendor() -> Client:
    return Client()  # anonymous, no session, no CSRF token: like the vendor


def error_code(response: Any) -> str:
    return str(response.json()["error"]["code"])


def test_a_signed_verified_event_verifies_the_check(check: KycCheck, vendor: Client) -> None:
    event = event_for(check)
    response = post_webhook(vendor, event)
    assert response.status_code == 200, response.content
    check.refresh_from_db()
    assert check.status == "verified"
    assert check.decided_at is not None
    assert check.expires_at == check.decided_at + VERIFICATION_VALIDITY
    assert KycWebhookEvent.objects.get().event_id == event["event_id"]
    record = AuditRecord.objects.get(action="kyc.verified")
    assert record.actor == "system:ekyc-webhook"
    assert record.object_id == str(check.pk)
    assert record.payload["event_id"] == event["event_id"]


def test_a_rejected_event_keeps_the_reason(check: KycCheck, vendor: Client) -> None:
    response = post_webhook(vendor, event_for(check, result="rejected", reason="写真が不鮮明です"))
    assert response.status_code == 200
    check.refresh_from_db()
    assert (check.status, check.reason, check.expires_at) == ("rejected", "写真が不鮮明です", None)
    assert AuditRecord.objects.filter(action="kyc.rejected").count() == 1


def test_a_rejection_without_reason_gets_a_default_one(check: KycCheck, vendor: Client) -> None:
    assert post_webhook(vendor, event_for(check, result="rejected")).status_code == 200
    check.refresh_from_db()
    assert check.reason == "提出された書類では本人確認ができませんでした。"


def test_the_reference_links_a_check_whose_vendor_id_was_not_stored_yet(
    applicant: Any, vendor: Client
) -> None:
    check = make_check(applicant.organization, applicant.user, vendor_check_id=None)
    event = event_for(check, check_id="chk_from_vendor")
    assert post_webhook(vendor, event).status_code == 200
    check.refresh_from_db()
    assert (check.status, check.vendor_check_id) == ("verified", "chk_from_vendor")


# --- refused calls: status code, error code, and nothing changed ----------------------------


def _stale(check: KycCheck) -> dict[str, Any]:
    return {"body": event_for(check), "timestamp": int(time.time()) - 6 * 60}


REFUSALS = {
    "wrong signature": (
        lambda c: {"body": event_for(c), "secret": "not-the-secret"},
        401,
        "ekyc.signature_invalid",
    ),
    "timestamp 6 minutes old": (_stale, 401, "ekyc.timestamp_out_of_tolerance"),
    "timestamp 6 minutes ahead": (
        lambda c: {"body": event_for(c), "timestamp": int(time.time()) + 6 * 60},
        401,
        "ekyc.timestamp_out_of_tolerance",
    ),
    "no signature header": (
        lambda c: {"body": event_for(c), "headers": {"X-Ekyc-Signature": None}},
        401,
        "ekyc.signature_missing",
    ),
    "no timestamp header": (
        lambda c: {"body": event_for(c), "headers": {"X-Ekyc-Timestamp": None}},
        401,
        "ekyc.signature_missing",
    ),
    "malformed timestamp": (
        lambda c: {"body": event_for(c), "headers": {"X-Ekyc-Timestamp": "yesterday"}},
        401,
        "ekyc.signature_malformed",
    ),
    "malformed JSON": (
        lambda c: {"body": b'{"event_id": "e1", "type": "check.completed",'},
        400,
        "kyc.webhook_malformed",
    ),
    "JSON that is not an object": (lambda c: {"body": b"[1, 2]"}, 400, "kyc.webhook_malformed"),
    "not UTF-8": (lambda c: {"body": b"\xff\xfe{}"}, 400, "kyc.webhook_malformed"),
    "unknown result": (
        lambda c: {"body": event_for(c, result="maybe")},
        400,
        "kyc.webhook_malformed",
    ),
    "missing event id": (
        lambda c: {"body": event_for(c, event_id="")},
        400,
        "kyc.webhook_malformed",
    ),
    "unsupported event type": (
        lambda c: {"body": event_for(c, type="check.deleted")},
        400,
        "kyc.webhook_unsupported_event",
    ),
    "check id of another check": (
        lambda c: {"body": event_for(c, check_id="chk_someone_else")},
        400,
        "kyc.webhook_mismatch",
    ),
    "unknown check": (
        lambda c: {"body": event_for(c, reference="00000000-0000-4000-8000-000000000000")},
        404,
        "kyc.webhook_unknown_check",
    ),
}


@pytest.mark.parametrize("case", REFUSALS.keys())
def test_refused_calls_change_nothing(case: str, check: KycCheck, vendor: Client) -> None:
    make_call, status, code = REFUSALS[case]
    before = Snapshot.take()
    response = post_webhook(vendor, **make_call(check))
    assert response.status_code == status, response.content
    assert error_code(response) == code
    assert response.json()["error"]["message"]  # a message for the vendor's developers
    assert Snapshot.take() == before
    check.refresh_from_db()
    assert check.status == "pending"


def test_a_replayed_event_id_is_refused_and_changes_nothing(
    check: KycCheck, vendor: Client
) -> None:
    event = event_for(check, result="rejected", reason="最初の通知")
    assert post_webhook(vendor, event).status_code == 200
    after_first = Snapshot.take()

    # The same event again (freshly signed, as a vendor retry would be) …
    response = post_webhook(vendor, event)
    assert response.status_code == 409
    assert error_code(response) == "kyc.webhook_replayed"
    # … or the same event id carrying a different verdict.
    forged = {**event, "result": "verified", "reason": ""}
    response = post_webhook(vendor, forged)
    assert response.status_code == 409
    assert error_code(response) == "kyc.webhook_replayed"

    assert Snapshot.take() == after_first
    check.refresh_from_db()
    assert (check.status, check.reason) == ("rejected", "最初の通知")


def test_a_new_event_for_a_decided_check_is_refused(check: KycCheck, vendor: Client) -> None:
    assert post_webhook(vendor, event_for(check)).status_code == 200
    before = Snapshot.take()
    response = post_webhook(vendor, event_for(check, result="rejected", reason="後から"))
    assert response.status_code == 409
    assert error_code(response) == "kyc.webhook_already_decided"
    assert Snapshot.take() == before


def test_the_tolerance_comes_from_settings(check: KycCheck, vendor: Client, settings: Any) -> None:
    settings.EKYC_WEBHOOK_TOLERANCE_SECONDS = 30
    response = post_webhook(vendor, event_for(check), timestamp=int(time.time()) - 120)
    assert response.status_code == 401
    settings.EKYC_WEBHOOK_TOLERANCE_SECONDS = 300
    assert (
        post_webhook(vendor, event_for(check), timestamp=int(time.time()) - 120).status_code == 200
    )


def test_oversized_bodies_are_refused(check: KycCheck, vendor: Client) -> None:
    before = Snapshot.take()
    event = event_for(check, reason="x" * 70_000)
    response = post_webhook(vendor, json.dumps(event).encode())
    assert response.status_code == 413
    assert Snapshot.take() == before


def test_only_post_is_allowed(vendor: Client) -> None:
    assert vendor.get("/webhooks/ekyc/").status_code == 405


def test_the_service_takes_now_for_the_timestamp_check(check: KycCheck) -> None:
    body = json.dumps(event_for(check)).encode()
    then = timezone.now() - timedelta(days=2)
    headers = signed_headers(settings.EKYC_WEBHOOK_SECRET, int(then.timestamp()), body)
    with pytest.raises(services.WebhookUnauthenticated):
        services.handle_webhook(
            body=body,
            timestamp_header=headers["X-Ekyc-Timestamp"],
            signature_header=headers["X-Ekyc-Signature"],
        )
    done = services.handle_webhook(
        body=body,
        timestamp_header=headers["X-Ekyc-Timestamp"],
        signature_header=headers["X-Ekyc-Signature"],
        now=then + timedelta(seconds=5),
    )
    assert done.status == "verified"
    assert done.decided_at == then + timedelta(seconds=5)
