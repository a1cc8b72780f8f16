from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture
def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture
def postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL-specific behaviour; CI runs the suite on PostgreSQL too")
