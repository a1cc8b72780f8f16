"""End to end over real HTTP: the applicant's form → the simulator → the webhook → the status.

The web app runs in pytest-django's live server so that the simulator can call its webhook;
these tests therefore use real transactions (on_commit hooks run, as in production).
"""

from __future__ import annotations

import json
import socket
import threading
import urllib.request
from typing import Any

import pytest
from django.urls import reverse

from tests.integration.kyc.helpers import post_form
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.integrations.ekyc.simulator import AUTO_REJECT_REASON, EkycSimulator
from urikake.kyc import services
from urikake.kyc.models import VERIFICATION_VALIDITY, KycCheck, KycWebhookEvent

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def site(live_server: Any, settings: Any) -> str:
    settings.SITE_URL = live_server.url
    return str(live_server.url)


def complete(sim: EkycSimulator, check_id: str, action: str = "complete", **payload: Any) -> Any:
    request = urllib.request.Request(
        f"{sim.url}/_simulator/checks/{check_id}/{action}",
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def actions(check: KycCheck) -> list[str]:
    return list(
        AuditRecord.objects.filter(object_type="kyc.kyccheck", object_id=str(check.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_start_then_verified(applicant: Any, ekyc_simulator: EkycSimulator, site: str) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.ensure_can_apply(applicant.organization)
    assert excinfo.value.code == "kyc.not_verified"

    response = post_form(applicant.client)
    assert response.status_code == 302
    check = KycCheck.objects.get()
    assert check.status == "pending"
    assert check.vendor_check_id  # the vendor answered, after commit
    sim_check = ekyc_simulator.get(check.vendor_check_id)
    assert sim_check.reference == str(check.reference)
    assert sim_check.callback_url == site + reverse("kyc_webhook:ekyc")
    assert sim_check.full_name == "山田 太郎"
    page = applicant.client.get("/my/kyc/").content.decode()
    assert "確認中" in page
    assert 'data-kyc-poll-url="/api/kyc/status"' in page

    answer = complete(ekyc_simulator, check.vendor_check_id, result="verified")
    assert answer["callback_status"] == 200, answer["callback_error"]

    check.refresh_from_db()
    assert check.status == "verified"
    assert check.expires_at == check.decided_at + VERIFICATION_VALIDITY
    assert actions(check) == ["kyc.started", "kyc.sent_to_vendor", "kyc.verified"]
    services.ensure_can_apply(applicant.organization)  # the gate opens
    page = applicant.client.get("/my/kyc/").content.decode()
    assert "確認済み" in page
    assert "資金化（売掛債権の買取）のお申込みができます" in page
    assert "融資" not in page  # factoring is a purchase, not a loan
    assert 'name="document"' not in page  # nothing to start while verified
    api = applicant.client.get("/api/kyc/status").json()
    assert api["status"] == "verified"
    assert api["can_apply"] is True


def test_start_then_rejected_with_reason(
    applicant: Any, ekyc_simulator: EkycSimulator, site: str
) -> None:
    post_form(applicant.client)
    check = KycCheck.objects.get()
    answer = complete(
        ekyc_simulator, check.vendor_check_id, result="rejected", reason="有効期限切れの書類です"
    )
    assert answer["callback_status"] == 200

    check.refresh_from_db()
    assert (check.status, check.reason) == ("rejected", "有効期限切れの書類です")
    page = applicant.client.get("/my/kyc/").content.decode()
    assert "確認できませんでした" in page
    assert "有効期限切れの書類です" in page
    assert 'capture="environment"' in page  # the form is back: try again
    with pytest.raises(DomainError):
        services.ensure_can_apply(applicant.organization)
    api = applicant.client.get("/api/kyc/status").json()
    assert (api["status"], api["reason"], api["can_apply"]) == (
        "rejected",
        "有効期限切れの書類です",
        False,
    )

    # A second attempt is a new check; the first stays as it was.
    assert post_form(applicant.client).status_code == 302
    assert KycCheck.objects.filter(status="pending").count() == 1
    assert KycCheck.objects.filter(status="rejected").count() == 1


def test_the_vendors_retry_of_a_delivered_event_is_refused(
    applicant: Any, ekyc_simulator: EkycSimulator, site: str
) -> None:
    post_form(applicant.client)
    check = KycCheck.objects.get()
    complete(ekyc_simulator, check.vendor_check_id, result="verified")
    audit_count = AuditRecord.objects.count()
    again = complete(ekyc_simulator, check.vendor_check_id, action="resend")
    assert again["callback_status"] == 409
    assert AuditRecord.objects.count() == audit_count
    assert KycWebhookEvent.objects.count() == 1


def test_a_vendor_with_the_wrong_secret_is_refused(
    applicant: Any, settings: Any, site: str
) -> None:
    with EkycSimulator("127.0.0.1", 0, settings.EKYC_API_KEY, "some-other-secret") as sim:
        settings.EKYC_VENDOR_URL = sim.url
        post_form(applicant.client)
        check = KycCheck.objects.get()
        answer = complete(sim, check.vendor_check_id, result="verified")
    assert answer["callback_status"] == 401
    check.refresh_from_db()
    assert check.status == "pending"


def test_a_vendor_whose_clock_is_six_minutes_late_is_refused(
    applicant: Any, settings: Any, site: str
) -> None:
    import time

    late = EkycSimulator(
        "127.0.0.1",
        0,
        settings.EKYC_API_KEY,
        settings.EKYC_WEBHOOK_SECRET,
        clock=lambda: time.time() - 6 * 60,
    )
    with late:
        settings.EKYC_VENDOR_URL = late.url
        post_form(applicant.client)
        check = KycCheck.objects.get()
        answer = complete(late, check.vendor_check_id, result="verified")
    assert answer["callback_status"] == 401
    check.refresh_from_db()
    assert check.status == "pending"


def test_auto_complete_mode_end_to_end(applicant: Any, settings: Any, site: str) -> None:
    """What `make run` does: the simulator decides by itself and calls back."""
    delivered = threading.Event()

    def answered(check: Any, delivery: Any) -> None:
        if delivery.status is not None and delivery.status < 500:
            delivered.set()

    auto = EkycSimulator(
        "127.0.0.1",
        0,
        settings.EKYC_API_KEY,
        settings.EKYC_WEBHOOK_SECRET,
        auto_complete_after=0,
        on_delivery=answered,
    )
    with auto:
        settings.EKYC_VENDOR_URL = auto.url
        post_form(applicant.client, full_name="REJECT Taro")
        assert delivered.wait(timeout=30)
    check = KycCheck.objects.get()
    assert check.status == "rejected"
    assert check.reason == AUTO_REJECT_REASON
    # Decided exactly once, whichever came first: the vendor's answer or its webhook.
    assert actions(check).count("kyc.rejected") == 1
    assert check.vendor_check_id


def test_an_unreachable_vendor_leaves_a_check_that_can_be_resent(
    applicant: Any, ekyc_simulator: EkycSimulator, settings: Any, site: str
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    settings.EKYC_VENDOR_URL = closed

    response = post_form(applicant.client, follow=True)
    check = KycCheck.objects.get()
    assert check.status == "not_started"
    assert check.vendor_check_id is None
    assert "本人確認サービスに接続できませんでした" in check.vendor_error
    page = response.content.decode()
    assert "本人確認サービスに接続できませんでした" in page
    assert 'value="resend"' in page
    assert actions(check) == ["kyc.started", "kyc.vendor_failed"]

    settings.EKYC_VENDOR_URL = ekyc_simulator.url  # the vendor is back
    response = applicant.client.post("/my/kyc/", {"action": "resend"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == "pending"
    assert check.vendor_error == ""
    assert ekyc_simulator.get(check.vendor_check_id).reference == str(check.reference)
    assert KycCheck.objects.count() == 1  # no second upload needed
    assert actions(check) == [
        "kyc.started",
        "kyc.vendor_failed",
        "kyc.resent",
        "kyc.sent_to_vendor",
    ]
    complete(ekyc_simulator, check.vendor_check_id, result="verified")
    check.refresh_from_db()
    assert check.status == "verified"
