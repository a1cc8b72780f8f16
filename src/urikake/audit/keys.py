"""The Ed25519 key that signs audit checkpoints.

Production: ``AUDIT_SIGNING_KEY`` holds the PEM text of an Ed25519 private key, or the path
of a PEM file (``urikake audit keygen`` prints a new one). Development: a key is generated
once into ``./var/audit_signing_key.pem``.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from urikake.devsecrets import read_or_create


def generate_private_key_pem() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _load_pem(pem: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY must be an Ed25519 private key")
    return key


def signing_key() -> Ed25519PrivateKey:
    configured = settings.AUDIT_SIGNING_KEY.strip()
    if configured:
        if configured.startswith("-----BEGIN"):
            return _load_pem(configured.encode())
        return _load_pem(Path(configured).read_bytes())
    if settings.PRODUCTION:
        raise ImproperlyConfigured("AUDIT_SIGNING_KEY is required in production")
    path = Path(settings.VAR_DIR) / "audit_signing_key.pem"
    return _load_pem(read_or_create(path, generate_private_key_pem))


def public_key_raw_hex(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )
