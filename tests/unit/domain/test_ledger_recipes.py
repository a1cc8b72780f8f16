"""The posting recipes of every business event of a position, from numbers (issue 9, item 3)."""

from __future__ import annotations

from datetime import date

import pytest

from urikake.domain import ledger as book
from urikake.domain.errors import DomainError

ON = date(2026, 7, 1)
CASH = "cash:0001-001-1234567"


def test_a_deposit_lands_in_suspense() -> None:
    entry = book.deposit_received("deposit:7:received", ON, cash_account=CASH, amount=99_560)
    assert entry.legs == (book.Leg(CASH, 99_560), book.Leg("suspense", -99_560))
    with pytest.raises(DomainError):
        book.deposit_received("d", ON, cash_account=CASH, amount=0)


def test_collection_legs_split_the_payer_fee_between_holdback_and_expense() -> None:
    # 100,000 applied, of which the payer deducted 440: 300 from the client's holdback.
    legs = book.collection_legs(
        client="O1", debtor="D2", amount=100_000, fee_deducted=440, fee_from_reserve=300
    )
    assert legs == [
        book.Leg("reserve:O1", 300),
        book.Leg("transfer_fee", 140),
        book.Leg("receivable:O1:D2", -100_000),
    ]
    # Platform bears it all / no fee: zero legs are left out.
    assert book.collection_legs(client="O1", debtor="D2", amount=5) == [
        book.Leg("receivable:O1:D2", -5)
    ]
    with pytest.raises(DomainError):
        book.collection_legs(client="O1", debtor="D2", amount=100, fee_deducted=101)
    with pytest.raises(DomainError):
        book.collection_legs(
            client="O1", debtor="D2", amount=100, fee_deducted=10, fee_from_reserve=11
        )


def test_an_applied_deposit_merges_accounts_and_takes_the_rest_from_suspense() -> None:
    legs = [
        *book.collection_legs(client="O1", debtor="D2", amount=60_000, fee_deducted=440),
        *book.collection_legs(client="O1", debtor="D2", amount=40_000),
        *book.collection_legs(client="O3", debtor="D4", amount=1_000),
    ]
    entry = book.deposit_applied("deposit:7:applied", ON, legs=legs, description="消込 カ)ウリカケ")
    assert entry.legs == (
        book.Leg("suspense", 100_560),  # what arrived: 101,000 − the 440 deducted
        book.Leg("transfer_fee", 440),
        book.Leg("receivable:O1:D2", -100_000),
        book.Leg("receivable:O3:D4", -1_000),
    )
    assert entry.id == "deposit:7:applied"
    assert entry.description == "消込 カ)ウリカケ"


def test_write_off_uses_the_holdback_first_then_books_the_loss() -> None:
    entries, offset, loss = book.write_off_entries(
        "9", ON, client="O1", debtor="D2", residual=250_000, holdback_available=200_000
    )
    assert (offset, loss) == (200_000, 50_000)
    assert [e.id for e in entries] == ["reserve_offset:9", "write_off:9"]
    assert book.balances(entries) == {
        "reserve:O1": 200_000,
        "receivable:O1:D2": -250_000,
        "write_off": 50_000,
    }
    # Covered by the holdback: no loss entry; no holdback left: all loss.
    entries, offset, loss = book.write_off_entries(
        "9", ON, client="O1", debtor="D2", residual=1_000, holdback_available=5_000
    )
    assert ([e.id for e in entries], offset, loss) == (["reserve_offset:9"], 1_000, 0)
    entries, offset, loss = book.write_off_entries(
        "9", ON, client="O1", debtor="D2", residual=1_000, holdback_available=0
    )
    assert ([e.id for e in entries], offset, loss) == (["write_off:9"], 0, 1_000)


def test_reserve_offset_and_release() -> None:
    offset = book.reserve_offset("r", ON, client="O1", debtor="D2", amount=10)
    assert book.balances([offset]) == {"reserve:O1": 10, "receivable:O1:D2": -10}
    release = book.release_reserve("reserve:9:release", ON, client="O1", amount=10)
    assert book.balances([release]) == {"reserve:O1": 10, "payable:O1": -10}
