"""The back-office home lists exactly the sections the staff role may open."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

pytestmark = pytest.mark.django_db


def _staff_client(django_user_model, role: str) -> Client:
    user = django_user_model.objects.create_user(
        email=f"{role}@staff.example", password="x" * 20, is_staff=True, staff_role=role
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    client = Client()
    client.force_login(user)
    return client


def test_reviewer_sees_the_kyc_review_link(django_user_model) -> None:
    html = _staff_client(django_user_model, "reviewer").get("/backoffice/").content.decode()
    assert 'href="/backoffice/kyc/"' in html
    assert "送金・回収・消込" not in html


def test_treasury_does_not_see_kyc_review(django_user_model) -> None:
    html = _staff_client(django_user_model, "treasury").get("/backoffice/").content.decode()
    assert "/backoffice/kyc/" not in html
    assert "送金・回収・消込" in html
