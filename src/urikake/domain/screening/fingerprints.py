"""Invoice fingerprints for detecting double assignment (二重譲渡) across applications.

An invoice offered in two applications (to us twice, or to us and — via the marketplace —
to a partner) is the classic factoring fraud of seed 004 (「既に譲渡されているリスク」).
The platform stores, for every application, :func:`invoice_fingerprint` (exact identity)
and :func:`near_duplicate_keys` (the same debtor and amount and due date under another
number; the same debtor and number with another amount or date). The screening of a new
invoice is given the stored values and compares.

Identity parts are normalised so that trivial re-typing does not evade the check:
the debtor is its 法人番号 when known, else the matching key of its kana name
(:func:`~urikake.domain.name_matching.normalize_name`, without ﾞ/ﾟ); invoice numbers are
NFKC-normalised, upper-cased and stripped of spaces, hyphens and slashes.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from urikake.domain.invoices import InvoiceData
from urikake.domain.name_matching import normalize_name

__all__ = [
    "debtor_key",
    "has_kanji",
    "invoice_fingerprint",
    "near_duplicate_keys",
    "normalize_invoice_number",
]

_VERSION = "v1"
_NUMBER_DROP = re.compile(r"[\s\-‐‑–—―ー_/.#№]")


def has_kanji(name: str) -> bool:
    """Whether ``name`` has characters a bank cannot print (kanji): its match key is partial."""
    return any(unicodedata.name(ch, "").startswith("CJK") for ch in name)


def normalize_invoice_number(number: str) -> str:
    """``"INV-0001"``, ``"ｉｎｖ 0001"`` and ``"INV/0001"`` all become ``"INV0001"``."""
    return _NUMBER_DROP.sub("", unicodedata.normalize("NFKC", number).upper())


def debtor_key(invoice: InvoiceData, debtor_names: Sequence[str] = ()) -> str:
    """A stable key for the debtor: ``"cn:"`` + 法人番号, else ``"nm:"`` + name key."""
    digits = "".join(
        ch for ch in unicodedata.normalize("NFKC", invoice.debtor_corporate_number) if ch.isdigit()
    )
    if len(digits) == 13:
        return "cn:" + digits
    for name in (*debtor_names, invoice.debtor_name):
        # A name with kanji converts only partly (株式会社ヤマダ商事 → ﾔﾏﾀﾞ): such a key
        # would collide across debtors, so only fully convertible names give a name key.
        if has_kanji(name):
            continue
        key = normalize_name(name).loose_key
        if key:
            return "nm:" + key
    # Kanji only: no kana key; fall back to the NFKC text without spaces.
    return "tx:" + "".join(unicodedata.normalize("NFKC", invoice.debtor_name).split())


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join((_VERSION, *parts)).encode("utf-8")).hexdigest()


def invoice_fingerprint(invoice: InvoiceData, debtor_key: str) -> str:
    """Exact identity: debtor + issuer T番号 + invoice number + amount + due date."""
    return _digest(
        "fp",
        debtor_key,
        invoice.issuer_registration_number.strip().upper(),
        normalize_invoice_number(invoice.invoice_number),
        str(invoice.total_amount),
        invoice.due_date.isoformat(),
    )


def near_duplicate_keys(invoice: InvoiceData, debtor_key: str) -> frozenset[str]:
    """Keys shared by near-duplicates: (debtor, amount, due date) and (debtor, number)."""
    return frozenset(
        {
            "amt:"
            + _digest("amt", debtor_key, str(invoice.total_amount), invoice.due_date.isoformat()),
            "num:" + _digest("num", debtor_key, normalize_invoice_number(invoice.invoice_number)),
        }
    )
