"""The port through which treasury reaches the positions it does not own.

Treasury keeps the cash (payout batches and 全銀 files, statements, deposits, matching, bank
pulls); the financed positions belong to :mod:`urikake.servicing`, which may import treasury
but not the reverse. Where treasury needs positions — the open items a deposit is matched
against, applying a deposit, funding a deal, the dashboard's figures — it calls this
:class:`PositionBook`, which servicing implements and registers in its ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from urikake.domain import reconciliation as engine
from urikake.domain.ledger import Leg

if TYPE_CHECKING:
    from urikake.receivables.models import FinancingApplication
    from urikake.treasury.models import Deposit, Payout

__all__ = ["AppliedCollection", "PositionBook", "position_book", "register_position_book"]


@dataclass(frozen=True)
class AppliedCollection:
    """A deposit applied to positions: the ledger legs of the positions' side (the deposit's
    suspense leg is added by treasury), and ``close`` — run once the deposit is recorded — which
    closes the positions now paid in full (holdback release, deal settlement)."""

    legs: list[Leg]
    close: Callable[[], None]


class PositionBook(Protocol):
    def fund(self, application: FinancingApplication, *, acting_user: Any) -> Payout:
        """Buy the deal's invoices into positions and queue the advance payout."""
        ...

    def open_items(self) -> list[engine.OpenItem]:
        """Every collectible position as the matching engine sees it (id = position id)."""
        ...

    def apply(
        self,
        deposit: Deposit,
        allocations: Sequence[tuple[int, int]],
        fee_deducted: int,
        *,
        acting_user: Any,
    ) -> AppliedCollection:
        """Credit ``allocations`` (position id, yen) of ``deposit`` to the positions (locked,
        checked, updated and allocated inside the caller's transaction)."""
        ...

    def collectible(self, ids: Sequence[int]) -> list[tuple[int, int]]:
        """(id, residual) of the collectible positions among ``ids``, by id."""
        ...

    def direct_payer_debtors(self, ids: Iterable[int]) -> set[int]:
        """Debtor ids of those positions whose debtor pays the platform directly."""
        ...

    def collectible_positions(self) -> Sequence[Any]:
        """Collectible positions (with debtor, organisation and invoice) for an operator's
        choice."""
        ...

    def of_application(self, application: FinancingApplication) -> Sequence[Any]:
        """The positions a deal was funded into (with debtor and invoice)."""
        ...

    def open_summary(self, today: date, days: int) -> dict[str, Any]:
        """The dashboard's figures: open count and face, and the positions due within
        ``days`` days of ``today``."""
        ...


_book: PositionBook | None = None


def register_position_book(book: PositionBook) -> None:
    global _book
    _book = book


def position_book() -> PositionBook:
    if _book is None:
        raise ImproperlyConfigured("urikake.servicing is not installed (no PositionBook)")
    return _book
