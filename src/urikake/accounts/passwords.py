"""Password rules (filled in by the login-security work)."""

from __future__ import annotations

from typing import Any


class LengthForMFAValidator:
    def validate(self, password: str, user: Any = None) -> None:
        return None

    def get_help_text(self) -> str:
        return ""


class BlocklistValidator:
    def validate(self, password: str, user: Any = None) -> None:
        return None

    def get_help_text(self) -> str:
        return ""
