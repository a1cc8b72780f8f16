"""Test-only password hashers: real Argon2id, cheap parameters (the suite logs in hundreds of
times; production's parameters cost ~0.3 s per hash), plus one that counts its work."""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 64
    parallelism = 1


class CountingArgon2PasswordHasher(FastArgon2PasswordHasher):
    """Counts every hash computation: encode (set_password) and verify (check_password)."""

    calls: ClassVar[int] = 0

    def encode(self, password: str, salt: str) -> str:
        type(self).calls += 1
        return super().encode(password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        type(self).calls += 1
        return super().verify(password, encoded)

    @classmethod
    def reset(cls) -> Any:
        cls.calls = 0
