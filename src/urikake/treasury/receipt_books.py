"""Other books a deposit on the collection account may repay (a port, like PositionBook).

Purchased receivables are reached through :mod:`urikake.treasury.positions`. A product
whose money also arrives on the collection account — a receivables-backed loan, repaid from
the collections into its designated account (指定口座) or repayment account (返済専用口座) —
registers a :class:`ReceiptBook` in its ``AppConfig.ready``. Its open items go into the same
engine run as the purchases (one matcher, so a payment that could be either is seen as
ambiguous instead of being taken by whichever product asked first); item ids start with the
book's ``prefix`` so treasury knows whose an item is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Protocol

from urikake.audit.actors import Actor
from urikake.domain import reconciliation as engine

if TYPE_CHECKING:
    from urikake.treasury.models import Deposit

__all__ = ["ReceiptBook", "book_of", "receipt_books", "register_receipt_book"]


class ReceiptBook(Protocol):
    #: Every item id of this book starts with it (``"loan:"``); purchase ids are digits.
    prefix: str

    def open_items(self, today: date) -> list[engine.OpenItem]:
        """What this book expects to be paid on the collection account."""
        ...

    def apply(
        self,
        deposit: Deposit,
        allocations: Sequence[tuple[str, int]],
        *,
        acting_user: Actor,
    ) -> None:
        """Apply the whole ``deposit`` to ``allocations`` (item id, yen the item is settled
        by) inside the caller's transaction: post the entry that moves the money out of
        suspense (仮受金). Raise ``DomainError`` when it cannot (the deposit then goes to the
        operator's queue with the message)."""
        ...

    def describe(self, item_ids: Sequence[str]) -> str:
        """The operator's words for the items (in the queue): what and where to apply."""
        ...


_books: dict[str, ReceiptBook] = {}


def register_receipt_book(book: ReceiptBook) -> None:
    _books[book.prefix] = book


def receipt_books() -> list[ReceiptBook]:
    return list(_books.values())


def book_of(item_id: str) -> ReceiptBook | None:
    """The book an engine item id belongs to; None for a purchased receivable."""
    return next((b for prefix, b in _books.items() if item_id.startswith(prefix)), None)
