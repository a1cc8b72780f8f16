"""Positions sold on to an SPV (securitization) keep being serviced by the platform.

Servicing sits below ``urikake.securitization`` and cannot import it; the securitization app
registers, at ``ready()``, a lookup from a position id to the code of the pool it was sold in
(or ``None``). A collection on a sold position is then owed to the SPV: its legs credit
``spv_payable:<pool>`` instead of the receivable account the true sale already emptied
(docs/securitization.md).
"""

from __future__ import annotations

from collections.abc import Callable

from urikake.domain import ledger as book

_lookup: Callable[[int], str | None] | None = None


def register_sold_lookup(fn: Callable[[int], str | None]) -> None:
    global _lookup
    _lookup = fn


def sold_in(position_id: int) -> str | None:
    """The pool code a position was sold in, or ``None`` (no securitization installed)."""
    return _lookup(position_id) if _lookup is not None else None


def redirect_to_spv(legs: list[book.Leg], *, receivable: str, pool: str) -> list[book.Leg]:
    """The same legs with the receivable's credit owed to the SPV instead."""
    target = book.spv_account("spv_payable", pool)
    return [book.Leg(target, leg.amount) if leg.account == receivable else leg for leg in legs]
