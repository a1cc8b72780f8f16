"""Fixtures for the eKYC tests.

The ``ekyc_simulator`` fixture comes from ``tests/fixtures/ekyc.py`` (registered in
``tests/conftest.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from tests.fixtures.clients import applicant_client
from urikake.applicants.models import Membership, Organization


@dataclass
class Applicant:
    user: Any
    organization: Organization
    client: Client


def _make_applicant(django_user_model: Any, label: str) -> Applicant:
    # No password: the tests log in with force_login, and hashing (Argon2) is slow.
    user = django_user_model.objects.create_user(email=f"owner-{label}@example.com")
    org = Organization.objects.create(kind="corporation", name=f"テスト{label}株式会社")
    Membership.objects.create(user=user, organization=org, role="owner")
    # Applicant pages first ask for consent to the current terms (applicants' middleware).
    return Applicant(user, org, applicant_client(user))


@pytest.fixture
def applicant(django_user_model: Any) -> Applicant:
    return _make_applicant(django_user_model, "a")


@pytest.fixture
def other_applicant(django_user_model: Any) -> Applicant:
    return _make_applicant(django_user_model, "b")


@pytest.fixture
def staff_client(django_user_model: Any) -> Callable[[str], tuple[Any, Client]]:
    """A logged-in staff user of the given role, with TOTP enrolled (staff need MFA)."""

    def make(role: str) -> tuple[Any, Client]:
        user = django_user_model.objects.create_user(
            email=f"{role}@staff.example", is_staff=True, staff_role=role
        )
        TOTP.activate(user, generate_totp_secret())
        client = Client()
        client.force_login(user)
        return user, client

    return make
