"""The one e-mail normaliser: one spelling per address, wherever addresses are stored,
compared or turned into a key (the login throttle's HMAC, sign-up, invitations, users)."""

from __future__ import annotations

import unicodedata


def normalise_email(email: str | None) -> str:
    """NFKC (full-width → ASCII), surrounding white space stripped, case folded.

    Addresses are compared case-insensitively everywhere in Urikake (a mailbox's local part is
    case-sensitive in theory, never in practice), so the whole address is folded.
    """
    return unicodedata.normalize("NFKC", email or "").strip().casefold()
