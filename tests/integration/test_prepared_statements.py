"""On PostgreSQL a query that a connection runs again and again becomes a prepared statement
(settings: server-side binding, ``URIKAKE_DB_PREPARE_THRESHOLD``): parsed and planned once per
connection instead of on every request."""

import pytest
from django.conf import settings
from django.db import connection

from urikake.accounts.models import User


def _prepared(fragment: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall() if fragment in row[0]]


@pytest.mark.django_db
def test_a_repeated_query_is_prepared_on_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (SQLite has no such setting)")
    threshold = settings.DATABASES["default"]["OPTIONS"].get("prepare_threshold", 5)
    assert _prepared('"accounts_user"') == []

    for n in range(threshold + 1):
        # the same SQL each time, other parameters: the values are not in the statement
        list(User.objects.filter(email=f"nobody-{n}@example.com").values_list("pk"))

    statements = _prepared('"accounts_user"')
    assert len(statements) == 1
    assert "$1" in statements[0]
    assert "nobody" not in statements[0]
