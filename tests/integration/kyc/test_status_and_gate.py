"""Statuses, the application gate, expiry, and what start_kyc refuses."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.integration.kyc.helpers import PDF, make_check, post_form, upload
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.integrations.ekyc.simulator import EkycSimulator
from urikake.kyc import services
from urikake.kyc.models import VERIFICATION_VALIDITY, KycCheck, KycStatus

pytestmark = pytest.mark.django_db


def verified(applicant: Any, decided: Any = None) -> KycCheck:
    decided = decided or timezone.now()
    return make_check(
        applicant.organization,
        applicant.user,
        status="verified",
        decided_at=decided,
        expires_at=decided + VERIFICATION_VALIDITY,
    )


def start(applicant: Any, **kw: Any) -> KycCheck:
    args: dict[str, Any] = {
        "acting_user": applicant.user,
        "full_name": "山田 太郎",
        "birth_date": date(1980, 4, 1),
        "document_upload": upload(),
        **kw,
    }
    return services.start_kyc(applicant.organization, **args)


def test_an_organisation_without_a_check_is_not_started(applicant: Any) -> None:
    assert services.kyc_status(applicant.organization) == KycStatus.NOT_STARTED
    page = applicant.client.get("/my/kyc/").content.decode()
    assert "未実施" in page
    assert 'accept="image/*,application/pdf"' in page
    assert 'capture="environment"' in page
    assert 'enctype="multipart/form-data"' in page
    assert "<script>" not in page  # CSP: scripts only from files
    assert "kyc/kyc.js" in page


def test_the_gate_before_and_after_verification(applicant: Any) -> None:
    with pytest.raises(DomainError) as excinfo:
        services.ensure_can_apply(applicant.organization)
    assert excinfo.value.code == "kyc.not_verified"
    assert excinfo.value.message.startswith(
        "本人確認（eKYC）が完了していないため、申込みはできません。"
    )

    check = make_check(applicant.organization, applicant.user)  # pending: still closed
    with pytest.raises(DomainError):
        services.ensure_can_apply(applicant.organization)

    KycCheck.objects.filter(pk=check.pk).update(
        status="rejected", reason="不鮮明", decided_at=timezone.now()
    )
    with pytest.raises(DomainError):
        services.ensure_can_apply(applicant.organization)

    verified(applicant)
    services.ensure_can_apply(applicant.organization)  # open


def test_a_verification_expires_after_its_validity(applicant: Any) -> None:
    decided = timezone.now() - timedelta(days=10)
    check = verified(applicant, decided)
    end = decided + VERIFICATION_VALIDITY
    assert services.kyc_status(applicant.organization, now=end - timedelta(seconds=1)) == "verified"
    assert services.kyc_status(applicant.organization, now=end) == "expired"

    # Time passes (the stored expiry is now behind us): reads say expired at once …
    KycCheck.objects.filter(pk=check.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert services.kyc_status(applicant.organization) == KycStatus.EXPIRED
    with pytest.raises(DomainError) as excinfo:
        services.ensure_can_apply(applicant.organization)
    assert excinfo.value.code == "kyc.not_verified"
    assert "有効期限" in excinfo.value.message
    page = applicant.client.get("/my/kyc/").content.decode()
    assert "有効期限切れ" in page
    assert 'name="document"' in page  # and the form to verify again

    # … and the cron job makes the stored status and the audit trail say so too.
    assert services.expire_kyc_checks() == 1
    check.refresh_from_db()
    assert check.status == "expired"
    record = AuditRecord.objects.get(action="kyc.expired")
    assert (record.actor, record.object_id) == ("system:kyc-expiry", str(check.pk))
    assert services.expire_kyc_checks() == 0  # idempotent


def test_a_check_recorded_without_the_vendor_is_verified_for_a_year_and_audited(
    applicant: Any,
) -> None:
    now = timezone.now()
    check = services.record_verified_check(
        applicant.organization, requested_by=applicant.user, acting_user="system:test", now=now
    )
    assert services.kyc_status(applicant.organization) == KycStatus.VERIFIED
    services.ensure_can_apply(applicant.organization)
    assert (check.decided_at, check.expires_at) == (now, now + VERIFICATION_VALIDITY)
    assert not check.has_document  # no personal data made up
    assert check.full_name == ""
    record = AuditRecord.objects.get(action="demo.kyc_recorded")
    assert (record.actor, record.object_id) == ("system:test", str(check.pk))
    assert services.kyc_status(applicant.organization, now=check.expires_at) == "expired"


def test_the_expire_command(applicant: Any) -> None:
    past = timezone.now() - VERIFICATION_VALIDITY - timedelta(days=1)
    old = verified(applicant, past)
    call_command("kyc", "expire")
    old.refresh_from_db()
    assert old.status == "expired"
    assert AuditRecord.objects.get(action="kyc.expired").actor == "cli:kyc"


def test_expiry_leaves_valid_and_other_checks_alone(applicant: Any, other_applicant: Any) -> None:
    valid = verified(applicant)
    pending = make_check(other_applicant.organization, other_applicant.user)
    assert services.expire_kyc_checks() == 0
    valid.refresh_from_db()
    pending.refresh_from_db()
    assert (valid.status, pending.status) == ("verified", "pending")


def test_start_is_refused_while_pending_or_verified(
    applicant: Any, ekyc_simulator: EkycSimulator, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        first = start(applicant)
    first.refresh_from_db()  # the vendor was called on (captured) commit
    assert first.status == "pending"
    assert first.vendor_check_id

    with pytest.raises(DomainError) as excinfo:
        start(applicant)
    assert excinfo.value.code == "kyc.already_pending"
    response = post_form(applicant.client, follow=True)
    assert "本人確認は現在確認中です" in response.content.decode()

    KycCheck.objects.filter(pk=first.pk).update(
        status="verified",
        decided_at=timezone.now(),
        expires_at=timezone.now() + VERIFICATION_VALIDITY,
    )
    with pytest.raises(DomainError) as excinfo:
        start(applicant)
    assert excinfo.value.code == "kyc.already_verified"
    assert "有効期限" in excinfo.value.message
    assert KycCheck.objects.count() == 1


def test_start_is_allowed_again_after_rejection_or_expiry(
    applicant: Any, ekyc_simulator: EkycSimulator, django_capture_on_commit_callbacks: Any
) -> None:
    make_check(applicant.organization, applicant.user, status="rejected", reason="不鮮明")
    with django_capture_on_commit_callbacks(execute=True):
        again = start(applicant, document_upload=upload(PDF, "card.pdf", "application/pdf"))
    again.refresh_from_db()
    assert again.status == "pending"
    assert again.document_mime == "application/pdf"
    KycCheck.objects.filter(pk=again.pk).update(
        status="verified", expires_at=timezone.now() - timedelta(days=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert start(applicant).status == "pending"


@pytest.mark.parametrize(
    ("kw", "code", "field"),
    [
        ({"full_name": "  　 "}, "kyc.full_name_required", "full_name"),
        ({"full_name": "山" * 101}, "kyc.full_name_too_long", "full_name"),
        ({"birth_date": date(2999, 1, 1)}, "kyc.birth_date_invalid", "birth_date"),
        ({"birth_date": date(1800, 1, 1)}, "kyc.birth_date_invalid", "birth_date"),
        (
            {"document_upload": upload(b"hello, not an image", "a.png", "image/png")},
            "kyc.upload.type",
            "document",
        ),
        ({"document_upload": upload(b"", "a.png", "image/png")}, "kyc.upload.empty", "document"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(
    applicant: Any, kw: dict[str, Any], code: str, field: str
) -> None:
    audit_count = AuditRecord.objects.count()
    with pytest.raises(DomainError) as excinfo:
        start(applicant, **kw)
    assert (excinfo.value.code, excinfo.value.field) == (code, field)
    assert KycCheck.objects.count() == 0
    assert AuditRecord.objects.count() == audit_count


def test_the_form_shows_errors_next_to_the_field(applicant: Any) -> None:
    response = post_form(applicant.client, document=upload(b"plain text", "a.txt", "text/plain"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "このファイル形式には対応していません" in page
    assert KycCheck.objects.count() == 0


def test_names_are_normalised(
    applicant: Any, ekyc_simulator: EkycSimulator, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        check = start(applicant, full_name=" 山田　 太郎 ")
    check.refresh_from_db()
    assert check.full_name == "山田 太郎"
    assert ekyc_simulator.get(check.vendor_check_id).full_name == "山田 太郎"


def test_a_stuck_submission_can_be_resent(
    applicant: Any, ekyc_simulator: EkycSimulator, django_capture_on_commit_callbacks: Any
) -> None:
    """The process died between commit and the vendor's answer: pending, no vendor id."""
    check = make_check(applicant.organization, applicant.user, vendor_check_id=None)
    with pytest.raises(DomainError) as excinfo:  # too early to call it stuck
        services.resend_kyc(applicant.organization, acting_user=applicant.user)
    assert excinfo.value.code == "kyc.nothing_to_resend"

    KycCheck.objects.filter(pk=check.pk).update(
        updated_at=timezone.now() - services.STUCK_AFTER - timedelta(seconds=1)
    )
    assert 'value="resend"' in applicant.client.get("/my/kyc/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.resend_kyc(applicant.organization, acting_user=applicant.user)
    check.refresh_from_db()
    assert check.status == "pending"
    assert check.vendor_check_id


def test_my_page_checklist_shows_the_kyc_status(applicant: Any) -> None:
    """applicants shows the eKYC line without importing kyc: kyc registers it at start-up."""
    from urikake.applicants.onboarding import kyc_item

    before = kyc_item(applicant.organization)
    assert before.available
    assert not before.done
    verified(applicant)
    after = kyc_item(applicant.organization)
    assert after.done
    assert after.label == str(KycStatus.VERIFIED.label)
