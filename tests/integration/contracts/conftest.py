"""Fixtures for the contracts tests: the platform's collection account, a logged-in owner."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.fixtures.clients import accept_current_terms
from tests.fixtures.deals import Deal

PASSWORD = "x" * 20  # what tests.fixtures.deals gives its users
PLATFORM_ACCOUNT = {
    "ZENGIN_REQUESTER_NAME": "ｶ)ｳﾘｶｹ",
    "ZENGIN_BANK_CODE": "0001",
    "ZENGIN_BRANCH_CODE": "001",
    "ZENGIN_ACCOUNT_TYPE": "1",
    "ZENGIN_ACCOUNT_NUMBER": "7654321",
    "CONTRACT_ASSIGNEE_NAME": "株式会社ウリカケ",
    "CONTRACT_ASSIGNEE_ADDRESS": "東京都港区六本木1-1-1",
    "CONTRACT_ASSIGNEE_CORPORATE_NUMBER": "4010001234567",
}


@pytest.fixture(autouse=True)
def platform_settings(settings: Any) -> None:
    for name, value in PLATFORM_ACCOUNT.items():
        setattr(settings, name, value)
    cache.clear()  # allauth's rate limits (re-authentication attempts) count in the cache


def owner_client(deal: Deal) -> Client:
    """The deal's owner, logged in with a password (so re-authentication can be done), having
    accepted the current terms."""
    accept_current_terms(deal.user)
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (contracts-test)")
    assert client.login(email=deal.user.email, password=PASSWORD)
    return client
