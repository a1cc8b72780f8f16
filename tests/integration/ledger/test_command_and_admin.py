"""``urikake ledger check|trial-balance`` and the read-only admin."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test import Client

from tests.integration.ledger.conftest import post_book
from tests.integration.ledger.test_integrity import _insert_entry, _insert_leg
from urikake.ledger import services

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("ledger", *args, stdout=out)
    return out.getvalue()


def test_check_passes_on_posted_books_and_prints_the_trial_balance() -> None:
    post_book()
    assert "OK" in _run("check")
    text = _run("trial-balance")
    assert "fee_income" in text
    assert "貸借一致" in text
    assert "1,000,330" in _run("trial-balance", "--as-of", "2026-04-30")


def test_check_finds_entries_written_around_the_service() -> None:
    post_book()
    # Raw rows: SQLite has no balance trigger; PostgreSQL's runs only at commit, which this
    # savepoint never reaches.
    with transaction.atomic():
        with connection.cursor() as cur:
            lonely = _insert_entry(cur, "raw:lonely")
            _insert_leg(cur, lonely, 0, "suspense", 10)
            _insert_entry(cur, "raw:empty")
        assert services.unbalanced_entries() == ["raw:lonely", "raw:empty"]
        with pytest.raises(CommandError, match="2 unbalanced entries: raw:lonely, raw:empty"):
            _run("check")
        transaction.set_rollback(True)
    assert services.unbalanced_entries() == []


def test_admin_lists_entries_read_only(django_user_model: Any) -> None:
    post_book()
    admin = django_user_model.objects.create_superuser(
        email="root@staff.example", password="x" * 20, staff_role="admin"
    )
    TOTP.activate(admin, generate_totp_secret())
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/ledger/ledgerentry/")
    assert page.status_code == 200
    assert "purchase:1" in page.content.decode()
    assert client.get("/admin/ledger/ledgerentry/add/").status_code == 403
