"""The demo's eKYC check is valid data, and every back-office KYC page opens for compliance
staff — also for a check that lacks its optional fields (no birth date, no document)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from urikake.kyc.models import KycCheck

pytestmark = pytest.mark.django_db


@pytest.fixture
def compliance(django_user_model: Any) -> Client:
    user = django_user_model.objects.create_user(
        email="c@staff.example", password="x" * 20, is_staff=True, staff_role="compliance"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def test_every_kyc_page_of_the_demo_opens(compliance: Client, tmp_path: Path, settings) -> None:
    settings.VAR_DIR = tmp_path
    call_command("demo")
    checks = list(KycCheck.objects.all())
    assert checks
    for check in checks:
        assert check.full_name
        assert check.birth_date_value.year > 1900
        assert check.has_document
    listing = compliance.get(reverse("kyc_backoffice:list"))
    assert listing.status_code == 200
    for check in checks:
        detail = compliance.get(reverse("kyc_backoffice:detail", args=[check.pk]))
        assert detail.status_code == 200
        assert "1980年4月1日" in detail.content.decode()
        document = compliance.get(reverse("kyc_backoffice:document", args=[check.pk]))
        assert document.status_code == 200
        assert document.content.startswith(b"%PDF-")
        assert document["Content-Type"] == "application/pdf"


def test_a_check_without_its_optional_fields_does_not_crash(
    compliance: Client, django_user_model: Any
) -> None:
    from urikake.applicants.models import Organization

    owner = django_user_model.objects.create_user(email="o@example.jp", password="x" * 20)
    org = Organization.objects.create(kind="corporation", name="株式会社空欄")
    check = KycCheck.objects.create(organization=org, requested_by=owner, status="pending")
    detail = compliance.get(reverse("kyc_backoffice:detail", args=[check.pk]))
    assert detail.status_code == 200
    assert "書類が保存されていません" in detail.content.decode()
    assert compliance.get(reverse("kyc_backoffice:document", args=[check.pk])).status_code == 404
    assert compliance.get(reverse("kyc_backoffice:list")).status_code == 200
