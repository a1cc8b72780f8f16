"""Encryption at rest for sensitive fields (bank account numbers, eKYC documents).

Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) with a key ring: the first key of
``FIELD_ENCRYPTION_KEYS`` encrypts, every key decrypts (MultiFernet), so keys can be rotated
without downtime: put a new key first, deploy, run ``urikake security rotate-keys``, then drop
the old key. In development a key is generated once into ``./var/field_encryption_keys``.

Use :class:`EncryptedTextField` on models and :func:`encrypt_bytes` / :func:`decrypt_bytes`
for files. Encrypted values cannot be searched or compared in SQL: keep a separate,
non-sensitive column (e.g. the last four digits) for display and lookups.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

from urikake.devsecrets import read_or_create

PREFIX = "fernet:"


def _dev_keys() -> list[str]:
    stored = read_or_create(Path(settings.VAR_DIR) / "field_encryption_keys", Fernet.generate_key)
    return [k.strip() for k in stored.decode().split(",") if k.strip()]


def configured_keys() -> list[str]:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        if settings.PRODUCTION:
            raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is required in production")
        keys = _dev_keys()
    return keys


@functools.cache
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(k.encode()) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid key: {exc}") from exc


def fernet() -> MultiFernet:
    return _fernet_for(tuple(configured_keys()))


def encrypt_bytes(data: bytes) -> bytes:
    return fernet().encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    return fernet().decrypt(token)


def encrypt_text(value: str) -> str:
    return PREFIX + fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt_text(stored: str) -> str:
    if not stored.startswith(PREFIX):
        raise ValueError("value is not encrypted with urikake.security.crypto")
    try:
        return fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("cannot decrypt: no configured key matches") from exc


def rotate_text(stored: str) -> str:
    """Re-encrypt a stored value with the first (current) key."""
    return PREFIX + fernet().rotate(stored[len(PREFIX) :].encode("ascii")).decode("ascii")


def generate_key() -> str:
    return Fernet.generate_key().decode()


class EncryptedTextField(models.TextField):  # type: ignore[type-arg]
    """A text column stored encrypted; Python code sees plain ``str``.

    Every model using it is found by ``urikake security rotate-keys``.
    """

    description = "Text encrypted at rest (Fernet)"

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        return decrypt_text(value)

    def to_python(self, value: Any) -> str | None:
        if value is None or not isinstance(value, str) or not value.startswith(PREFIX):
            return value  # type: ignore[no-any-return]
        return decrypt_text(value)

    def get_prep_value(self, value: Any) -> str | None:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        return encrypt_text(str(value))


def encrypted_fields() -> list[tuple[type[models.Model], EncryptedTextField]]:
    from django.apps import apps

    found = []
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedTextField):
                found.append((model, field))
    return found
