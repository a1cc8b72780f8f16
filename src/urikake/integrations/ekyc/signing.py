"""Signing and verifying eKYC webhook calls (HMAC-SHA256 over timestamp + body).

The vendor sends two headers with every webhook::

    X-Ekyc-Timestamp: 1767225600                 (unix seconds when the call was signed)
    X-Ekyc-Signature: v1=<hex HMAC-SHA256>       (one or more, comma-separated)

The signed message is ``f"{timestamp}.".encode() + body`` — the raw body bytes exactly as
received, never a re-serialised JSON. Signing the timestamp together with the body means an
old call cannot be replayed with a fresh timestamp; the receiver additionally refuses
timestamps outside a tolerance window and remembers event ids (see ``urikake.kyc.services``).

Several ``v1=`` entries are accepted so that a vendor can sign with an old and a new secret
while the secret is being rotated.

This module is pure standard library: the simulator imports it without Django.
"""

from __future__ import annotations

import hashlib
import hmac

TIMESTAMP_HEADER = "X-Ekyc-Timestamp"
SIGNATURE_HEADER = "X-Ekyc-Signature"
SCHEME = "v1"
# A signature header longer than this is not something a vendor sends: refuse it before
# doing any work on it.
_MAX_SIGNATURE_HEADER = 1024


class SignatureError(Exception):
    """The webhook call cannot be trusted. ``code`` is stable; ``message`` is for logs."""

    code = "ekyc.signature"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MissingHeader(SignatureError):
    code = "ekyc.signature_missing"


class MalformedHeader(SignatureError):
    code = "ekyc.signature_malformed"


class BadSignature(SignatureError):
    code = "ekyc.signature_invalid"


class StaleTimestamp(SignatureError):
    """The timestamp is too far in the past (a replay) or in the future (a forged clock)."""

    code = "ekyc.timestamp_out_of_tolerance"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``f"{timestamp}.".encode() + body`` under ``secret``."""
    if not secret:
        # An empty key would make every signature trivially forgeable.
        raise ValueError("the eKYC webhook secret is empty")
    message = f"{int(timestamp)}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of ``X-Ekyc-Signature`` for this call: ``v1=<hex>``."""
    return f"{SCHEME}={sign(secret, timestamp, body)}"


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """Both headers, ready to send."""
    return {
        TIMESTAMP_HEADER: str(int(timestamp)),
        SIGNATURE_HEADER: signature_header(secret, timestamp, body),
    }


def _parse_timestamp(value: str | None) -> int:
    if value is None or not value.strip():
        raise MissingHeader(f"{TIMESTAMP_HEADER} header is missing")
    value = value.strip()
    # Plain decimal digits only: int() would also accept "+1_700_000_000" or " 17 ".
    if not value.isascii() or not value.isdigit() or len(value) > 12:
        raise MalformedHeader(f"{TIMESTAMP_HEADER} is not unix seconds")
    return int(value)


def _parse_signatures(value: str | None) -> list[str]:
    if value is None or not value.strip():
        raise MissingHeader(f"{SIGNATURE_HEADER} header is missing")
    if len(value) > _MAX_SIGNATURE_HEADER:
        raise MalformedHeader(f"{SIGNATURE_HEADER} is too long")
    found = []
    for part in value.split(","):
        scheme, sep, digest = part.strip().partition("=")
        if not sep:
            raise MalformedHeader(f"{SIGNATURE_HEADER} entries look like v1=<hex>")
        if scheme != SCHEME:
            continue  # an unknown future scheme next to v1 is fine; v1 alone decides
        found.append(digest)
    if not found:
        raise MalformedHeader(f"{SIGNATURE_HEADER} has no {SCHEME}= entry")
    return found


def verify(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now: int,
    tolerance: int,
) -> int:
    """Raise a :class:`SignatureError` subclass unless the call is authentic and fresh.

    The signature is checked before the timestamp, so that only a holder of the secret ever
    learns that their clock is off. Returns the verified timestamp.
    """
    timestamp = _parse_timestamp(timestamp_header)
    candidates = _parse_signatures(signature_header)
    expected = sign(secret, timestamp, body)
    # Compare against every candidate (no early exit) in constant time per comparison.
    matched = False
    for candidate in candidates:
        if hmac.compare_digest(expected.encode("ascii"), candidate.encode("ascii", "replace")):
            matched = True
    if not matched:
        raise BadSignature("signature does not match the body and timestamp")
    if abs(int(now) - timestamp) > tolerance:
        raise StaleTimestamp(
            f"timestamp is {int(now) - timestamp:+d}s from now (tolerance {tolerance}s)"
        )
    return timestamp
