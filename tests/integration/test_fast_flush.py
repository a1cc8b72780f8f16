"""The flush between transactional tests (tests/fixtures/flush.py) leaves every table empty."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from tests.fixtures.flush import _nonempty_tables
from tests.integration.ledger.conftest import post_book


@pytest.mark.django_db(transaction=True)
def test_the_fast_flush_empties_every_table() -> None:
    get_user_model().objects.create_user("flush@example.com", password="x" * 16)
    post_book()  # append-only ledger rows, which refuse DELETE outside the flush
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    assert len(_nonempty_tables(connection, tables)) >= 3

    sql = connection.ops.sql_flush(no_style(), tables)
    if connection.vendor == "postgresql":
        # The fixture is really in force: rows are deleted, not truncated table by table.
        assert sql[0] == "SET LOCAL session_replication_role = replica"
        assert not any(statement.startswith("TRUNCATE") for statement in sql)
    # As TransactionTestCase calls it: sequences are not reset (that path is Django's TRUNCATE).
    call_command(
        "flush", interactive=False, reset_sequences=False, inhibit_post_migrate=True, verbosity=0
    )

    assert _nonempty_tables(connection, tables) == []
