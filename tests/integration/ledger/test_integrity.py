"""Posted entries are immutable, and on PostgreSQL the database refuses unbalanced entries.

Each guarantee is shown with raw SQL, i.e. without the service or the model in the way.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from tests.integration.ledger.conftest import ACTOR, post_book
from urikake.domain import ledger as rules
from urikake.ledger import services
from urikake.ledger.models import ImmutableLedgerError, LedgerEntry, LedgerLeg

pytestmark = pytest.mark.django_db

D = date(2026, 4, 1)
TRIGGERS = {"ledger_entry_balanced", "ledger_leg_balanced"}


def _posted() -> LedgerEntry:
    entry = rules.journal_entry("e:1", D, "テスト", [("suspense", 500), ("fee_income", -500)])
    return services.post(entry, actor=ACTOR)


def _refused(sql: str, params: list[object] | None = None) -> str:
    with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
    return str(exc.value)


def test_the_model_refuses_changes_and_deletes() -> None:
    entry = _posted()
    leg = entry.legs.first()
    assert leg is not None
    entry.description = "改ざん"
    with pytest.raises(ImmutableLedgerError):
        entry.save()
    leg.amount = 1
    with pytest.raises(ImmutableLedgerError):
        leg.save()
    with pytest.raises(ImmutableLedgerError):
        entry.delete()
    with pytest.raises(ImmutableLedgerError):
        leg.delete()
    with pytest.raises(ImmutableLedgerError):
        LedgerLeg.objects.filter(entry=entry).update(amount=1)
    with pytest.raises(ImmutableLedgerError):
        LedgerEntry.objects.all().delete()
    assert LedgerEntry.objects.get().description == "テスト"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_ledgerentry SET description = 'x'",
        "UPDATE ledger_ledgerentry SET date = '2026-01-01'",
        "DELETE FROM ledger_ledgerentry",
        "UPDATE ledger_ledgerleg SET amount = amount * 2",
        "UPDATE ledger_ledgerleg SET account = 'suspense'",
        "DELETE FROM ledger_ledgerleg",
    ],
)
def test_the_database_refuses_update_and_delete(sql: str) -> None:
    _posted()
    message = _refused(sql)
    assert "append-only" in message
    assert sorted(LedgerLeg.objects.values_list("amount", flat=True)) == [-500, 500]
    assert LedgerEntry.objects.get().description == "テスト"


def test_sqlite_triggers_are_installed() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite trigger catalogue")
    with connection.cursor() as cur:
        cur.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cur.fetchall()}
    # Django rebuilds SQLite tables on ALTER and drops their triggers: this catches that.
    assert {
        "ledger_ledgerentry_no_update",
        "ledger_ledgerentry_no_delete",
        "ledger_ledgerleg_no_update",
        "ledger_ledgerleg_no_delete",
    } <= names


def test_only_djangos_flush_may_empty_the_tables_on_sqlite() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL's flush is TRUNCATE, which row triggers do not see")
    _posted()
    _refused("DELETE FROM ledger_ledgerleg")
    # The test runner's flush between transactional tests (the analogue of TRUNCATE) works.
    connection.ops.execute_sql_flush(
        ["DELETE FROM ledger_ledgerleg", "DELETE FROM ledger_ledgerentry"]
    )
    assert not LedgerEntry.objects.exists()
    # … and only while it runs.
    _posted()
    _refused("DELETE FROM ledger_ledgerentry")


# --- PostgreSQL: the deferred balance check ---------------------------------------------------


def _insert_entry(cur, entry_id: str) -> int:
    cur.execute(
        "INSERT INTO ledger_ledgerentry (entry_id, date, description, posted_at, actor)"
        " VALUES (%s, %s, '', %s, 'raw') RETURNING id",
        [entry_id, D, timezone.now()],
    )
    return int(cur.fetchone()[0])


def _insert_leg(cur, entry_pk: int, position: int, account: str, amount: int) -> None:
    cur.execute(
        "INSERT INTO ledger_ledgerleg (entry_id, position, account, amount)"
        " VALUES (%s, %s, %s, %s)",
        [entry_pk, position, account, amount],
    )


def _check_now(cur) -> None:
    # Inside the test's own (never committed) transaction, ask for the commit-time check now.
    cur.execute("SET CONSTRAINTS ledger_entry_balanced, ledger_leg_balanced IMMEDIATE")


@pytest.fixture
def deferred_again():
    yield
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.mark.usefixtures("postgresql_only", "deferred_again")
@pytest.mark.parametrize(
    "legs",
    [
        [("suspense", 100), ("fee_income", -99)],
        [("suspense", 100)],
        [],
    ],
    ids=["unbalanced", "one-leg", "no-legs"],
)
def test_postgresql_refuses_an_unbalanced_entry_at_commit(legs) -> None:
    with pytest.raises(IntegrityError) as exc, transaction.atomic(), connection.cursor() as cur:
        pk = _insert_entry(cur, "raw:1")
        for i, (account, amount) in enumerate(legs):
            _insert_leg(cur, pk, i, account, amount)
        _check_now(cur)
    assert "not balanced" in str(exc.value)
    assert not LedgerEntry.objects.filter(entry_id="raw:1").exists()


@pytest.mark.usefixtures("postgresql_only", "deferred_again")
def test_postgresql_accepts_a_balanced_raw_entry_and_refuses_a_leg_added_later() -> None:
    with transaction.atomic(), connection.cursor() as cur:
        pk = _insert_entry(cur, "raw:ok")
        _insert_leg(cur, pk, 0, "suspense", 100)
        _insert_leg(cur, pk, 1, "fee_income", -100)
        _check_now(cur)
    assert services.balance("suspense") == 100
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        _insert_leg(cur, pk, 2, "suspense", 1)
        _check_now(cur)
    assert services.balance("suspense") == 100


@pytest.mark.usefixtures("postgresql_only")
def test_postgresql_triggers_are_installed() -> None:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT tgname, tgdeferrable, tginitdeferred FROM pg_trigger"
            " WHERE tgrelid IN ('ledger_ledgerentry'::regclass, 'ledger_ledgerleg'::regclass)"
            " AND NOT tgisinternal"
        )
        rows = {name: (deferrable, deferred) for name, deferrable, deferred in cur.fetchall()}
    assert rows["ledger_entry_balanced"] == (True, True)
    assert rows["ledger_leg_balanced"] == (True, True)
    assert {"ledger_entry_append_only", "ledger_leg_append_only"} <= set(rows)


@pytest.mark.django_db(transaction=True)
def test_a_real_commit_of_an_unbalanced_entry_fails(postgresql_only) -> None:
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cur:
        pk = _insert_entry(cur, "raw:commit")
        _insert_leg(cur, pk, 0, "suspense", 100)
        _insert_leg(cur, pk, 1, "fee_income", -1)
        # no SET CONSTRAINTS here: the deferred trigger fires at COMMIT
    assert not LedgerEntry.objects.filter(entry_id="raw:commit").exists()
    # The service's entries commit fine.
    book = post_book()
    assert LedgerEntry.objects.count() == len(book["_entries"])


@pytest.mark.django_db(transaction=True)
def test_transactional_tests_can_flush_posted_entries() -> None:
    """Committed ledger rows must not break the test runner's flush on either database."""
    post_book()
    assert LedgerEntry.objects.count() == 5
