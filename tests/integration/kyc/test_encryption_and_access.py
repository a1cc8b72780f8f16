"""Personal data is encrypted at rest, readable by KYC reviewers only, and never by others."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.test import Client

from tests.integration.kyc.helpers import PNG, make_check, upload
from urikake.audit.models import AuditRecord
from urikake.integrations.ekyc.simulator import EkycSimulator
from urikake.kyc import services
from urikake.kyc.models import KycCheck
from urikake.security import crypto

pytestmark = pytest.mark.django_db

StaffFactory = Callable[[str], tuple[Any, Client]]


def raw_row(check: KycCheck) -> tuple[str, str, bytes]:
    """What an attacker with a database dump sees."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT full_name, birth_date, document FROM kyc_kyccheck WHERE id = %s", [check.pk]
        )
        full_name, birth_date, document = cursor.fetchone()
    return full_name, birth_date, bytes(document)


@pytest.fixture
def started(
    applicant: Any, ekyc_simulator: EkycSimulator, django_capture_on_commit_callbacks: Any
) -> KycCheck:
    with django_capture_on_commit_callbacks(execute=True):
        check = services.start_kyc(
            applicant.organization,
            acting_user=applicant.user,
            full_name="暗号 花子",
            birth_date=date(1975, 12, 31),
            document_upload=upload(),
        )
    check.refresh_from_db()
    return check


def test_personal_data_is_stored_encrypted(started: KycCheck) -> None:
    full_name, birth_date, document = raw_row(started)
    assert full_name.startswith("fernet:")
    assert "暗号" not in full_name
    assert birth_date.startswith("fernet:")
    assert "1975" not in birth_date
    assert PNG not in document
    assert b"PNG" not in document  # not even the file signature
    assert b"IHDR" not in document
    assert crypto.decrypt_bytes(document) == PNG  # … and it is the real document
    assert started.full_name == "暗号 花子"
    assert started.birth_date_value == date(1975, 12, 31)


def test_the_audit_trail_holds_no_personal_data(started: KycCheck) -> None:
    for record in AuditRecord.objects.all():
        text = str(record.payload)
        assert "暗号" not in text
        assert "1975" not in text


def test_a_reviewer_sees_the_decrypted_document_and_it_is_audited(
    started: KycCheck, staff_client: StaffFactory
) -> None:
    reviewer, client = staff_client("reviewer")
    detail = client.get(f"/backoffice/kyc/{started.pk}/")
    assert detail.status_code == 200
    page = detail.content.decode()
    assert "暗号 花子" in page
    assert "1975年12月31日" in page
    assert not AuditRecord.objects.filter(action="kyc.document_viewed").exists()

    response = client.get(f"/backoffice/kyc/{started.pk}/document/")
    assert response.status_code == 200
    assert response.content == PNG
    assert response["Content-Type"] == "image/png"
    assert "no-store" in response["Cache-Control"]
    record = AuditRecord.objects.get(action="kyc.document_viewed")
    assert (record.actor, record.object_id) == (f"user:{reviewer.pk}", str(started.pk))

    listing = client.get("/backoffice/kyc/")
    assert listing.status_code == 200
    assert "テストa株式会社" in listing.content.decode()
    assert "暗号 花子" not in listing.content.decode()  # names only on the detail page
    assert (
        client.get("/backoffice/kyc/?status=verified")
        .content.decode()
        .count(f"/backoffice/kyc/{started.pk}/")
        == 0
    )


def test_compliance_may_review_too(started: KycCheck, staff_client: StaffFactory) -> None:
    _, client = staff_client("compliance")
    assert client.get(f"/backoffice/kyc/{started.pk}/document/").status_code == 200


@pytest.mark.parametrize("role", ["treasury", "structuring", "admin"])
def test_staff_without_review_kyc_get_403(
    started: KycCheck, staff_client: StaffFactory, role: str
) -> None:
    _, client = staff_client(role)
    for url in (
        "/backoffice/kyc/",
        f"/backoffice/kyc/{started.pk}/",
        f"/backoffice/kyc/{started.pk}/document/",
    ):
        assert client.get(url).status_code == 403, url
    assert not AuditRecord.objects.filter(action="kyc.document_viewed").exists()


def test_applicants_and_anonymous_cannot_open_the_back_office(
    started: KycCheck, applicant: Any
) -> None:
    url = f"/backoffice/kyc/{started.pk}/document/"
    assert applicant.client.get(url).status_code == 403
    response = Client().get(url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not AuditRecord.objects.filter(action="kyc.document_viewed").exists()


def test_an_unknown_check_is_404_for_reviewers(staff_client: StaffFactory) -> None:
    _, client = staff_client("reviewer")
    assert client.get("/backoffice/kyc/999999/").status_code == 404
    assert client.get("/backoffice/kyc/999999/document/").status_code == 404


def test_members_only_ever_see_their_own_organisation(applicant: Any, other_applicant: Any) -> None:
    make_check(
        applicant.organization,
        applicant.user,
        status="rejected",
        reason="Aだけの理由",
    )
    page = other_applicant.client.get("/my/kyc/").content.decode()
    assert "未実施" in page
    assert "Aだけの理由" not in page
    assert "テストa株式会社" not in page
    assert other_applicant.client.get("/api/kyc/status").json()["status"] == "not_started"
    assert applicant.client.get("/api/kyc/status").json()["reason"] == "Aだけの理由"

    # B cannot act on A's check either: resend only ever looks at B's own checks.
    response = other_applicant.client.post("/my/kyc/", {"action": "resend"}, follow=True)
    assert "再送信できる本人確認の申請はありません" in response.content.decode()


def test_staff_and_anonymous_cannot_use_the_applicant_page(staff_client: StaffFactory) -> None:
    _, client = staff_client("reviewer")
    assert client.get("/my/kyc/").status_code == 403
    assert client.get("/api/kyc/status").status_code == 401
    assert Client().get("/api/kyc/status").status_code == 401
    response = Client().get("/my/kyc/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_document_keys_can_be_rotated(
    started: KycCheck, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old_key]
    # Re-encrypt under a known key first (the fixture used the development key).
    KycCheck.objects.filter(pk=started.pk).update(document=crypto.encrypt_bytes(PNG))

    settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("kyc", "rotate-document-keys")
    settings.FIELD_ENCRYPTION_KEYS = [new_key]  # the old key is gone
    _, _, document = raw_row(started)
    assert crypto.decrypt_bytes(document) == PNG
    assert AuditRecord.objects.get(action="kyc.document_keys_rotated").payload == {"rows": 1}
