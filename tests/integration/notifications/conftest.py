from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from tests.integration.contracts.conftest import PLATFORM_ACCOUNT


@pytest.fixture(autouse=True)
def platform_settings(settings: Any) -> None:
    for name, value in PLATFORM_ACCOUNT.items():
        setattr(settings, name, value)
    cache.clear()
