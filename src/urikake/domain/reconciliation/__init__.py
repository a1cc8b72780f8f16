"""Reconciliation (消込): matching deposits on our bank account to open receivables.

:func:`reconcile` is the engine (:mod:`.engine`), :mod:`.types` its inputs and outputs,
:mod:`.csvio` reads and writes the files of ``urikake reconcile``, and :mod:`.synthetic`
generates realistic test data with its ground truth. See docs/reconciliation.md.
"""

from urikake.domain.reconciliation.engine import payer_key, reconcile
from urikake.domain.reconciliation.types import (
    DEFAULT_FEE_AMOUNTS,
    REASONS_JA,
    Deposit,
    Match,
    MatchPolicy,
    MatchStatus,
    OpenItem,
    Reason,
)

__all__ = [
    "DEFAULT_FEE_AMOUNTS",
    "REASONS_JA",
    "Deposit",
    "Match",
    "MatchPolicy",
    "MatchStatus",
    "OpenItem",
    "Reason",
    "payer_key",
    "reconcile",
]
