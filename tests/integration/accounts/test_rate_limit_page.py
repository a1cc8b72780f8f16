"""allauth's own rate limit (30 logins a minute per IP by default) answers like every other
refusal: the site's Japanese page with status 429, recorded in the audit trail."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.integration.accounts.conftest import login
from urikake.accounts.lockout import email_digest
from urikake.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_the_ip_rate_limit_is_a_japanese_audited_429(client: Client, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    for n in range(3):  # different addresses: our own per-address throttle stays out of it
        assert login(client, f"guess{n}@example.com", "wrong password").status_code == 200
    before = AuditRecord.objects.count()
    response = login(client, "victim@example.com", "wrong password")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    html = response.content.decode()
    assert "しばらくしてからお試しください" in html
    assert 'class="site-header"' in html  # the site shell, not a bare page
    assert "Too Many Requests" not in html
    assert "no-store" in response["Cache-Control"]
    refused = AuditRecord.objects.filter(seq__gt=before).get()
    assert refused.action == "auth.login_throttled"
    assert refused.payload["reason"] == "rate_limited_ip"
    assert refused.payload["email_hmac"] == email_digest("victim@example.com")
    assert "@" not in str(refused.payload)


def test_the_page_is_english_in_english_mode(client: Client, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "1/m/ip"}
    login(client, "a@example.com", "wrong password")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = login(client, "b@example.com", "wrong password")
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please try again later" in html
    assert "wait about a minute" in html
