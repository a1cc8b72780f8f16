"""Shared test configuration.

Layout: ``tests/unit`` (pure domain, no database), ``tests/integration`` (Django + database),
``tests/e2e`` (a real Chromium driven by Playwright against a live server). Under pytest the
settings put keys, mail and artifacts in ``./var/test`` (see ``urikake.settings.VAR_DIR``).
Fixtures shared across layers live in ``tests/fixtures/`` and are registered here.
"""

pytest_plugins = ["tests.fixtures.smtp"]
