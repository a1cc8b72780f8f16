"""Staff clients for the back-office tests (MFA enrolled, as staff must be)."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from urikake.accounts.models import User


def staff_user(role: str, email: str | None = None) -> User:
    email = email or f"{role}@staff.example"
    user = User.objects.create_user(email=email, password="x" * 20, is_staff=True, staff_role=role)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
