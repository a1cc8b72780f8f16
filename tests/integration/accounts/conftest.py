"""Fixtures for the login-security tests (urikake.accounts)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache
from django.test import Client

from tests.fixtures.hashers import FAST_HASHER
from urikake.accounts.models import User

PASSWORD = "correct horse battery staple"  # 28 characters, not on the blocklist


@pytest.fixture(autouse=True)
def _isolated(settings: Any) -> Iterator[None]:
    # allauth keeps its rate limits and used TOTP codes in the cache, which outlives a test.
    cache.clear()
    settings.PASSWORD_HASHERS = [FAST_HASHER]
    yield
    cache.clear()


@pytest.fixture
def immediate_tasks(settings: Any) -> None:
    """Run background tasks (the lock mail) inline, as a worker would."""
    immediate = {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    settings.TASKS = {"default": immediate, "immediate": immediate}


def create_user(email: str, password: str = PASSWORD, **extra: Any) -> User:
    user = User.objects.create_user(email=email, password=password, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def user(db: None) -> User:
    return create_user("hanako@example.com")


@pytest.fixture
def staff_user(db: None) -> User:
    return create_user("staff@operator.example", is_staff=True, staff_role="reviewer")


def totp_code(secret: str, at: float | None = None) -> str:
    return str(format_hotp_value(hotp_value(secret, int(at or time.time()) // 30)))


def activate_totp(user: User) -> str:
    secret = str(generate_totp_secret())
    TOTP.activate(user, secret)
    return secret


def has_authenticator(user: User, kind: str) -> bool:
    return bool(Authenticator.objects.filter(user=user, type=kind).exists())


def login(
    client: Client, email: str, password: str = PASSWORD, *, remember: bool = False, **extra: Any
) -> Any:
    data = {"login": email, "password": password}
    if remember:
        data["remember"] = "on"
    return client.post("/accounts/login/", data, **extra)


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')


def comparable(body: bytes, *emails: str) -> str:
    """A response body with what legitimately differs (CSRF token, typed address) masked."""
    text = _CSRF.sub('name="csrfmiddlewaretoken" value="…"', body.decode())
    for email in emails:
        text = text.replace(email, "EMAIL")
    return text


@pytest.fixture
def logged_in(client: Client, user: User) -> Callable[..., Client]:
    """A fresh, really logged-in client (through the login page, not force_login)."""

    def make(who: User = user, password: str = PASSWORD, **extra: Any) -> Client:
        c = Client(**extra)
        response = login(c, who.email, password)
        assert response.status_code == 302, response.content.decode()[:2000]
        return c

    return make
