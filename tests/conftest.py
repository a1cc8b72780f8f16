"""Shared test configuration.

Layout: ``tests/unit`` (pure domain, no database), ``tests/integration`` (Django + database),
``tests/e2e`` (a real Chromium driven by Playwright against a live server). Under pytest the
settings put keys, mail and artifacts in ``./var/test`` (see ``urikake.settings.VAR_DIR``).
Fixtures shared across layers live in ``tests/fixtures/`` and are registered here.

Three settings make the suite fast without changing what it checks:

* passwords are hashed with Argon2id at cheap parameters (``tests.fixtures.hashers``;
  production's cost ~0.3 s and 100 MiB a hash, and the suite creates and logs in thousands of
  users). ``test_settings_defaults`` checks production's own list, and any Argon2 hash
  verifies under either (the parameters are in the hash).
* on PostgreSQL, the test database does not wait for the WAL flush at each commit
  (``synchronous_commit = off``: a crash of the server may lose the last commits, never
  corrupt; the suite never crashes the shared server — the fault test runs its own cluster).
  A commit costs ~7 ms with it on this machine's disk and ~0.6 ms without, and the
  transactional tests (browser journeys, workers, the flush after each) commit thousands of times.

A third does the same for the flush after each transactional test on PostgreSQL: only the tables
that hold rows are emptied (``tests.fixtures.flush``; TRUNCATE of all ~100 tables cost ~1.4 s a
test, the delete ~0.1 s).
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

from tests.fixtures.hashers import FAST_HASHER

pytest_plugins = [
    "tests.fixtures.smtp",
    "tests.fixtures.ekyc",
    "tests.fixtures.bank",
    "tests.fixtures.tsa",
    "tests.fixtures.connections",
    "tests.fixtures.screening_vendors",
    "tests.fixtures.sms",
    "tests.fixtures.walker",
    "tests.fixtures.flush",
]

# CI explores the same examples on every run (a red build must be reproducible); developers'
# runs keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

NO_COMMIT_WAIT = "-c synchronous_commit=off"


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    from django.conf import settings
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=[FAST_HASHER, *settings.PASSWORD_HASHERS]):
        yield


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """The test database's connections (migrations included) do not wait for WAL flushes."""
    from django.db import connections

    for alias in connections:
        settings_dict: dict[str, Any] = connections[alias].settings_dict
        if settings_dict["ENGINE"] == "django.db.backends.postgresql":
            options = settings_dict.setdefault("OPTIONS", {})
            options["options"] = f"{options.get('options', '')} {NO_COMMIT_WAIT}".strip()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Processes the tests start (workers, servers) connect without the options above: the
    database itself carries the setting for them."""
    from django.db import connections

    with django_db_blocker.unblock():
        for alias in connections:
            connection = connections[alias]
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    name = connection.ops.quote_name(connection.settings_dict["NAME"])
                    cursor.execute(f"ALTER DATABASE {name} SET synchronous_commit = off")


@pytest.fixture(autouse=True)
def _language_back_to_default() -> Iterator[None]:
    """Each test starts in the default language. A request in English leaves English active
    in the thread (LocaleMiddleware does not deactivate), so a later test that reads Japanese
    headers would fail only when run after it."""
    yield
    from django.utils import translation

    translation.deactivate()
