"""Secret link tokens (sign-up and invitation links): only their SHA-256 is ever stored.

A database leak then reveals no usable link. SHA-256 without a salt is enough here because
the token itself has 256 bits of randomness: there is nothing to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh ``(raw token for the link, its hash for the database)``."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()
