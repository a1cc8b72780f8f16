"""Shared test configuration.

Layout: ``tests/unit`` (pure domain, no database), ``tests/integration`` (Django + database),
``tests/e2e`` (a real Chromium driven by Playwright against a live server). Under pytest the
settings put keys, mail and artifacts in ``./var/test`` (see ``urikake.settings.VAR_DIR``).
Fixtures shared across layers live in ``tests/fixtures/`` and are registered here.
"""

import os

from hypothesis import settings as hypothesis_settings

pytest_plugins = [
    "tests.fixtures.smtp",
    "tests.fixtures.ekyc",
    "tests.fixtures.bank",
    "tests.fixtures.tsa",
    "tests.fixtures.connections",
    "tests.fixtures.screening_vendors",
    "tests.fixtures.sms",
]

# CI explores the same examples on every run (a red build must be reproducible); developers'
# runs keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")
