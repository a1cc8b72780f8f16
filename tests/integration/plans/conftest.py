"""Fixtures for plans and credit lines: staff of each relevant role, the demo plans, and an
applicant client logged in with a password."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from tests.fixtures.clients import applicant_client, logged_in
from urikake.system.demo_plans import load_demo_plans

__all__ = ["applicant_client", "logged_in"]  # the plans tests import them from here

PASSWORD = "x" * 20  # what tests.fixtures.deals gives its users


def _staff(django_user_model: Any, role: str) -> Any:
    user = django_user_model.objects.create_user(
        email=f"{role}@staff.example", password=PASSWORD, is_staff=True, staff_role=role
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def admin_staff(django_user_model: Any) -> Any:
    return _staff(django_user_model, "admin")


@pytest.fixture
def reviewer_staff(django_user_model: Any) -> Any:
    return _staff(django_user_model, "reviewer")


@pytest.fixture
def treasury_staff(django_user_model: Any) -> Any:
    return _staff(django_user_model, "treasury")


@pytest.fixture
def demo_plans(admin_staff: Any) -> list[str]:
    return load_demo_plans(admin_staff)
