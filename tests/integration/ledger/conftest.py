"""Helpers for the ledger tests: a small book of real factoring entries and staff clients."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client

from urikake.domain import ledger as rules
from urikake.ledger import services

BANK = rules.cash("0001", "001", "1234567")
ACTOR = "system:test"


def post_book() -> dict[str, Any]:
    """Purchase, payout, collection, reserve release and payout of the reserve (C1/D1)."""
    entries = [
        rules.purchase_receivable(
            "purchase:1",
            date(2026, 4, 1),
            client="C1",
            debtor="D1",
            face=1_000_000,
            fee=30_000,
            reserve_amount=100_000,
        ),
        rules.payout(
            "payout:1",
            date(2026, 4, 2),
            client="C1",
            cash_account=BANK,
            amount=870_000,
            transfer_fee=330,
        ),
        rules.collection(
            "collection:1",
            date(2026, 5, 31),
            client="C1",
            debtor="D1",
            cash_account=BANK,
            received=999_560,
            payer_deducted_fee=440,
        ),
        rules.release_reserve("release:1", date(2026, 6, 1), client="C1", amount=100_000),
        rules.payout(
            "payout:2",
            date(2026, 6, 2),
            client="C1",
            cash_account=BANK,
            amount=100_000,
            transfer_fee=330,
        ),
    ]
    return {e.id: services.post(e, actor=ACTOR) for e in entries} | {"_entries": entries}


def staff_client(django_user_model: Any, role: str) -> Client:
    user = django_user_model.objects.create_user(
        email=f"{role}@staff.example", password="x" * 20, is_staff=True, staff_role=role
    )
    TOTP.activate(user, generate_totp_secret())  # staff without MFA get nowhere
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def treasury(django_user_model: Any) -> Client:
    return staff_client(django_user_model, "treasury")
