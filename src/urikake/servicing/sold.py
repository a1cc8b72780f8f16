"""Positions sold on to an SPV (securitization) keep being serviced by the platform.

Servicing sits below ``urikake.securitization`` and cannot import it; the securitization app
registers, at ``ready()``, a lookup from a position id to the code of the pool it was sold in
(or ``None``). A collection on a sold position is then owed to the SPV: its legs credit
``spv_payable:<pool>`` instead of the receivable account the true sale already emptied
(docs/securitization.md).

A default, a write-off or a recovery on a sold position is the SPV's, not the platform's:
servicing reports each to the listener the securitization app registers
(:func:`register_sold_event_listener`), which records it against the pool (its actual
performance, the trigger), and books no 貸倒損失 of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, Literal

from urikake.domain import ledger as book

_lookup: Callable[[int], str | None] | None = None

SoldEventKind = Literal["default", "write_off", "recovery"]
#: (position id, kind, amount in yen, holdback applied, date, actor)
SoldEventListener = Callable[[int, SoldEventKind, int, int, date, Any], None]
_listener: SoldEventListener | None = None


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


def register_sold_event_listener(fn: SoldEventListener) -> None:
    global _listener
    _listener = fn


def report_event(
    position_id: int,
    kind: SoldEventKind,
    amount: int,
    *,
    on: date,
    actor: Any,
    holdback_applied: int = 0,
) -> None:
    """Tell the pool's owner that a sold position defaulted, was written off or recovered.

    Called inside the servicing transaction, so the pool's record and the servicing change
    are committed together or not at all."""
    if _listener is not None:
        _listener(position_id, kind, amount, holdback_applied, on, actor)
