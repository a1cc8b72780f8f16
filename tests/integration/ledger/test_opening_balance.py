"""資本金の払込・期首残高: the operator's own money on its operating account, as balanced
entries from a domain recipe, through an audited service and a back-office form; the demo
starts with a funded operating account."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.integration.ledger.conftest import staff_client
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.domain.ledger import EquityFunding
from urikake.ledger import services
from urikake.ledger.models import LedgerEntry

pytestmark = pytest.mark.django_db

FUNDING = "/backoffice/ledger/funding/"


def test_capital_and_opening_balance_are_balanced_audited_entries() -> None:
    cash = services.operating_cash_account()
    capital = services.fund_operating_account(
        kind=EquityFunding.CAPITAL, amount=50_000_000, on=date(2026, 4, 1), acting_user="cli:x"
    )
    services.fund_operating_account(
        kind=EquityFunding.OPENING, amount=1_234_567, on=date(2026, 4, 1), acting_user="cli:x"
    )
    assert capital.description == "資本金の払込"
    assert services.balance(cash) == 51_234_567
    assert services.balance("capital") == -50_000_000
    assert services.balance("retained_earnings") == -1_234_567
    assert services.trial_balance().balanced
    funded = AuditRecord.objects.filter(action="ledger.equity_funded")
    assert [r.payload["kind"] for r in funded.order_by("seq")] == ["capital", "opening"]
    # A fixed entry id makes a repeat harmless (the demo's case).
    for _ in range(2):
        services.fund_operating_account(
            kind=EquityFunding.CAPITAL,
            amount=10,
            on=date(2026, 4, 1),
            entry_id="equity:capital:fixed",
            acting_user="cli:x",
        )
    assert LedgerEntry.objects.filter(entry_id="equity:capital:fixed").count() == 1
    assert funded.count() == 3


@pytest.mark.parametrize("amount", [0, -5, 1.5])
def test_bad_amounts_are_refused_and_change_nothing(amount: Any) -> None:
    with pytest.raises(DomainError):
        services.fund_operating_account(
            kind=EquityFunding.CAPITAL, amount=amount, on=date(2026, 4, 1), acting_user="cli:x"
        )
    assert not LedgerEntry.objects.exists()
    assert not AuditRecord.objects.filter(action="ledger.equity_funded").exists()


def test_the_treasury_role_books_capital_from_the_back_office(django_user_model: Any) -> None:
    client = staff_client(django_user_model, "treasury")
    page = client.get(FUNDING).content.decode()
    assert "資本金・期首残高の計上" in page
    refused = client.post(FUNDING, {"kind": "capital", "amount": "0", "on": "2026-04-01"})
    assert refused.status_code == 200
    assert not LedgerEntry.objects.exists()
    done = client.post(
        FUNDING, {"kind": "capital", "amount": "30000000", "on": "2026-04-01"}, follow=True
    )
    assert "仕訳を計上しました" in done.content.decode()
    entry = LedgerEntry.objects.get()
    assert entry.entry_id.startswith("equity:capital:20260401:")
    assert services.balance(services.operating_cash_account()) == 30_000_000
    assert AuditRecord.objects.get(action="ledger.equity_funded").actor.startswith("user:")
    assert entry.entry_id in client.get(FUNDING).content.decode()


@pytest.mark.parametrize("role", ["reviewer", "compliance", "admin"])
def test_other_roles_cannot_book_capital(django_user_model: Any, role: str) -> None:
    client = staff_client(django_user_model, role)
    assert client.get(FUNDING).status_code == 403
    assert (
        client.post(FUNDING, {"kind": "capital", "amount": "1", "on": "2026-04-01"}).status_code
        == 403
    )
    assert not LedgerEntry.objects.exists()


def test_after_the_demo_the_cash_balance_is_positive_and_the_books_balance(
    tmp_path: Path, settings, django_user_model: Any
) -> None:
    from urikake.treasury import collections
    from urikake.treasury.models import PayoutBatch

    settings.VAR_DIR = tmp_path
    call_command("demo")
    call_command("demo")  # idempotent: the capital is booked once
    cash = services.operating_cash_account()
    assert LedgerEntry.objects.filter(entry_id="equity:capital:demo").count() == 1
    assert services.balance(cash) > 0
    # Every demo batch (the treasury demo's, the newer products') went through dual control.
    for batch in PayoutBatch.objects.all():
        assert batch.created_by.email == "treasury@demo.urikake.example"
        assert batch.approved_by.email == "treasury2@demo.urikake.example"
    assert PayoutBatch.objects.count() == 2
    # The operator imports the debtor's payment the demo left, and it stays positive.
    content = (tmp_path / "demo" / "collection-statement.txt").read_bytes()
    collections.import_collection_statement(content, filename="demo.txt", acting_user="system:t")
    collections.run_reconciliation()
    assert services.balance(cash) > 0
    client = staff_client(django_user_model, "treasury")
    page = client.get(reverse("ledger_backoffice:trial_balance")).content.decode()
    assert "貸借一致" in page
    assert "貸借不一致" not in page
    assert services.trial_balance().balanced


def test_the_ledger_command_books_capital(django_user_model: Any) -> None:
    import io

    from django.core.management import CommandError

    out = io.StringIO()
    call_command(
        "ledger",
        "fund",
        "--kind",
        "opening",
        "--amount",
        "2500000",
        "--date",
        "2026-03-31",
        stdout=out,
    )
    assert "2,500,000円" in out.getvalue()
    assert services.balance("retained_earnings") == -2_500_000
    assert AuditRecord.objects.get(action="ledger.equity_funded").actor == "cli:ledger"
    for bad in (["--amount", "0"], ["--amount", "1.5"], ["--amount", "-3"]):
        with pytest.raises((CommandError, SystemExit)):
            call_command("ledger", "fund", "--kind", "capital", *bad, stdout=io.StringIO())
    reviewer = staff_client(django_user_model, "reviewer")  # creates reviewer@staff.example
    assert reviewer is not None
    with pytest.raises(CommandError, match="資金管理の権限"):
        call_command(
            "ledger",
            "fund",
            "--kind",
            "capital",
            "--amount",
            "1",
            "--user",
            "reviewer@staff.example",
            stdout=io.StringIO(),
        )
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize("role", ["admin", "compliance"])
def test_roles_that_may_not_fund_are_not_offered_the_link(
    django_user_model: Any, role: str
) -> None:
    # They may read the books (VIEW_AUDIT) but funding is treasury's: no link to a 403.
    client = staff_client(django_user_model, role)
    page = client.get("/backoffice/ledger/").content.decode()
    assert "残高試算表" in page
    assert FUNDING not in page
    assert client.get(FUNDING).status_code == 403
