"""Fixtures for the applicants app: real sign-ups, organisations and members, built through
the same services and pages the product uses (no shortcuts that skip a rule)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client, TestCase

from urikake.accounts.models import User
from urikake.applicants import services, terms
from urikake.applicants.models import Organization

# Long enough for the 15-character rule without MFA and not a blocklisted phrase.
PASSWORD = "kaede-momiji-susuki-2026-aki"
CONSENT_MIDDLEWARE = "urikake.applicants.middleware.TermsConsentMiddleware"


@pytest.fixture(autouse=True)
def _isolation(settings: Any) -> Iterator[None]:
    # allauth's rate limits count in the cache: one test's sign-ups must not throttle the next.
    cache.clear()
    # The consent middleware is this app's; until settings.MIDDLEWARE lists it, add it here
    # so that the re-consent tests exercise it exactly as it will run.
    if CONSENT_MIDDLEWARE not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [*settings.MIDDLEWARE, CONSENT_MIDDLEWARE]
    settings.SITE_URL = "https://urikake.example"
    yield
    cache.clear()


def current_versions() -> dict[str, str]:
    v = terms.current_versions()
    return {"terms_version": v["terms"], "privacy_version": v["privacy"]}


def signup_form(email: str) -> dict[str, str]:
    return {"email": email, "agree_terms": "on", "agree_privacy": "on", **current_versions()}


def link_in(body: str, prefix: str) -> str:
    """The path of the first link in a mail body that starts with SITE_URL + prefix."""
    match = re.search(r"https://urikake\.example(" + re.escape(prefix) + r"[^\s]+)", body)
    assert match, f"no {prefix} link in mail:\n{body}"
    return match.group(1)


def make_user(email: str, password: str = PASSWORD) -> User:
    """An existing applicant account (verified address, current consent), no organisation."""
    user = User.objects.create_user(email=email, password=password)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    v = terms.current_versions()
    services.give_consent(
        acting_user=user, ip="192.0.2.1", terms_version=v["terms"], privacy_version=v["privacy"]
    )
    return user


def corporation_profile(**overrides: Any) -> services.ProfileData:
    values: dict[str, Any] = {
        "kind": Organization.Kind.CORPORATION,
        "name": "株式会社ウリカケ",
        "name_kana": "カブシキガイシャウリカケ",
        "corporate_number": "1180301018771",
        "address": "東京都千代田区丸の内1-1-1",
        "representative_name": "売掛 太郎",
        "industry": "information",
        "established_year": 2015,
        "established_month": 4,
    }
    values.update(overrides)
    return services.ProfileData(**values)


def make_org(email: str = "owner@example.com", **profile: Any) -> tuple[User, Organization]:
    owner = make_user(email)
    org = services.save_profile(None, corporation_profile(**profile), acting_user=owner)
    return owner, org


def add_member(org: Organization, email: str) -> User:
    """A member who joined by accepting an invitation (the real path)."""
    owner = org.memberships.get(role="owner", is_active=True).user
    user = make_user(email)
    raw = invite(org, email, acting_user=owner)
    services.accept_invitation(raw, acting_user=user)
    return user


def invite(org: Organization, email: str, *, acting_user: User) -> str:
    """Invite through the service and return the raw token from the mail it sends."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.invite_member(org, email, acting_user=acting_user)
    path = link_in(mail.outbox[-1].body, "/invitations/")
    return path.split("/")[2]


@pytest.fixture
def logged_in() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
