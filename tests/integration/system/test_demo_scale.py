"""``urikake demo --scale N`` at a tiny N: the volume it promises, deals in many states,
books that balance (``urikake ledger check``) with cash never below zero, the same data for
the same seed, a clear refusal the second time, and the pages open on it."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client

from urikake.accounts.models import User
from urikake.audit.models import AuditRecord
from urikake.ledger import services as ledger
from urikake.receivables.models import FinancingApplication, Invoice, StatementEntry
from urikake.servicing.models import Position
from urikake.system.demo_scale import AlreadyScaled, make_scale
from urikake.treasury.policy import platform_cash_account

pytestmark = pytest.mark.django_db

N = 12


class _Rollback(Exception):
    pass


def _snapshot() -> list[tuple[Any, ...]]:
    return list(
        Invoice.objects.filter(invoice_number__startswith="S")
        .order_by("organization_id", "invoice_number")
        .values_list("total_amount", "issue_date", "due_date", "status")
    )


def test_the_scale_demo_is_consistent_and_deterministic() -> None:
    with pytest.raises(_Rollback), transaction.atomic():
        make_scale(N, seed=7)
        first = _snapshot()
        raise _Rollback
    report = make_scale(N, seed=7)
    assert _snapshot() == first
    assert report.applicants == N
    assert report.invoices == Invoice.objects.count() == 10 * N
    assert StatementEntry.objects.count() == report.statement_lines > 12 * N
    states = set(FinancingApplication.objects.values_list("status", flat=True))
    assert {"draft", "offered", "declined", "funded", "settled"} <= states
    assert len(states) >= 8
    assert Position.objects.count() == report.positions > 0
    assert Position.objects.filter(status="open").exists()
    assert Position.objects.filter(status="collected").exists()
    # The books: every entry balances, the trial balance balances, cash never negative.
    assert ledger.unbalanced_entries() == []
    tb = ledger.trial_balance()
    assert tb.balanced
    assert tb.total_debits == tb.total_credits > 0
    assert ledger.balance(platform_cash_account()) > 0
    out = StringIO()
    call_command("ledger", "check", stdout=out)
    assert out.getvalue().startswith("OK")
    assert AuditRecord.objects.filter(action="demo.scaled").count() == 1
    with pytest.raises(AlreadyScaled):
        make_scale(N, seed=8)
    assert Invoice.objects.count() == 10 * N


def test_the_command_refuses_a_second_run_with_a_clear_message(
    settings: Any, tmp_path: Any
) -> None:
    settings.VAR_DIR = tmp_path
    make_scale(2, seed=1)
    with pytest.raises(CommandError, match="規模デモのデータはすでにあります"):
        call_command("demo", "--scale", "2", stdout=StringIO())


def test_pages_open_on_scale_data() -> None:
    make_scale(N, seed=3)
    staff = User.objects.create_user(
        email="admin@staff.example", password="x" * 20, is_staff=True, staff_role="admin"
    )
    TOTP.activate(staff, generate_totp_secret())
    treasury = User.objects.create_user(
        email="treasury@staff.example", password="x" * 20, is_staff=True, staff_role="treasury"
    )
    TOTP.activate(treasury, generate_totp_secret())
    reviewer = User.objects.create_user(
        email="reviewer@staff.example", password="x" * 20, is_staff=True, staff_role="reviewer"
    )
    TOTP.activate(reviewer, generate_totp_secret())
    for user, urls in (
        (staff, ["/backoffice/", "/backoffice/ledger/"]),
        (treasury, ["/backoffice/treasury/", "/backoffice/treasury/overdue/"]),
        (reviewer, ["/backoffice/screening/"]),
    ):
        client = Client()
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 200, url
    owner = User.objects.filter(email__startswith="scale-").order_by("email").first()
    client = Client()
    client.force_login(owner)
    assert client.get("/my/").status_code == 200
    assert client.get("/my/invoices/").status_code == 200
    assert client.get("/my/applications/").status_code == 200
    for app in FinancingApplication.objects.filter(organization__memberships__user=owner):
        response = client.get(f"/my/applications/{app.pk}/")
        assert response.status_code == 200, (app.status, app.pk)
