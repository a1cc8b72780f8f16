"""Open items as columns: the CSV read column by column gives exactly the items (and the
errors) of the row-by-row reader, and the engine indexes columns as it indexes objects."""

from __future__ import annotations

import csv
import io
import random
from datetime import date

import pytest

from urikake.domain.errors import DomainError
from urikake.domain.reconciliation import Deposit, OpenItem, csvio, engine, reconcile
from urikake.domain.reconciliation.synthetic import generate
from urikake.domain.reconciliation.types import OpenItems

HEADER = "item_id,debtor_id,debtor_name,debtor_kana,amount,due_date,invoice_number\n"


def row_by_row(text: str) -> list[OpenItem]:
    return csvio._unique_items(csvio._item_rows(io.StringIO(text, newline="")))


def book_csv(n: int, seed: int = 3) -> str:
    book = generate(n, n, seed=seed, crowded=True)
    out = io.StringIO(newline="")
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER.strip().split(","))
    for it in book.items:
        w.writerow(
            (
                it.id,
                it.debtor_id,
                it.debtor_name,
                it.debtor_kana,
                it.amount,
                it.due_date,
                it.invoice_number,
            )
        )
    return out.getvalue()


def test_plain_file_is_read_by_columns_and_equals_the_row_reader() -> None:
    text = book_csv(3_000)
    columns = csvio._plain_item_columns(io.StringIO(text, newline=""))
    assert columns is not None  # the column path took it
    assert list(columns) == row_by_row(text)
    assert list(csvio.read_open_items(text.encode())) == row_by_row(text)


@pytest.mark.parametrize(
    ("text", "column_path"),
    [
        # plain; debtor_id absent or empty (the name, else the kana, stands in for it)
        (HEADER + "I1,D1,山田商事,ヤマダ,1000,2026-11-30,A\n", True),
        (
            "item_id,debtor_name,debtor_kana,amount,due_date,invoice_number\nI1,,ﾔﾏﾀﾞ,5,2026-11-30,\n",
            True,
        ),
        (HEADER + "I1,,山田商事,ヤマダ,1000,2026-11-30,A\nI2,,,ｻｸﾗ,7,2026-11-30,\n", True),
        # spaces around cells, leading zeros, a quoted comma in a name
        (HEADER + ' I1 , D1 ,"山田, 商事", ヤマダ ,0001000, 2026-11-30 , A \n', True),
        # what only the row reader reads: amounts with commas or a yen sign, Japanese dates,
        # blank rows, short rows, amounts with spaces
        (HEADER + 'I1,D1,山田,ヤマダ,"55,000",2026-11-30,A\n', False),
        (HEADER + "I1,D1,山田,ヤマダ,￥1000,令和8年11月30日,A\n", False),
        (
            HEADER
            + "I1,D1,山田,ヤマダ,1000,2026-11-30,A\n\n , ,,,,,\nI2,D1,山田,ヤマダ,5,2026-11-30,B\n",
            False,
        ),
        (HEADER + "I1,D1,山田,ヤマダ, 1000,2026-11-30\n", False),
    ],
)
def test_every_reading_equals_the_row_reader(text: str, column_path: bool) -> None:
    columns = csvio._plain_item_columns(io.StringIO(text, newline=""))
    assert (columns is not None) == column_path
    assert list(csvio.read_open_items(text.encode())) == row_by_row(text)


@pytest.mark.parametrize(
    ("body", "code", "line", "field"),
    [
        (
            "I1,D1,山田,ヤマダ,1000,2026-11-30,A\nI1,D1,山田,ヤマダ,5,2026-11-30,B\n",
            "csv.duplicate_id",
            3,
            "item_id",
        ),
        (
            "I1,D1,山田,ヤマダ,1000,2026-11-30,A\n ,D1,山田,ヤマダ,5,2026-11-30,B\n",
            "csv.required",
            3,
            "item_id",
        ),
        ("I1,D1,,,1000,2026-11-30,A\n", "csv.required", 2, "debtor_name"),
        ("I1,D1,山田,ヤマダ,0,2026-11-30,A\n", "csv.bad_amount", 2, "amount"),
        ("I1,D1,山田,ヤマダ,1000000000000,2026-11-30,A\n", "csv.bad_amount", 2, "amount"),
        (
            "I1,D1,山田,ヤマダ,1000,2026-11-30,A\nI2,D1,山田,ヤマダ,5,11月30日,B\n",
            "csv.bad_date",
            3,
            "due_date",
        ),
        ("I1,D1,山田,ヤマダ,1000,2026-11-30,A,X\n", "csv.too_many_cells", 2, None),
    ],
)
def test_errors_name_the_row_as_the_row_reader_does(
    body: str, code: str, line: int, field: str | None
) -> None:
    text = HEADER + body
    with pytest.raises(DomainError) as expected:
        row_by_row(text)
    with pytest.raises(DomainError) as exc:
        csvio.read_open_items(text.encode())
    assert (exc.value.code, exc.value.line, exc.value.field) == (
        expected.value.code,
        expected.value.line,
        expected.value.field,
    )
    assert (exc.value.code, exc.value.line, exc.value.field) == (code, line, field)


def test_open_items_is_a_sequence_of_open_items() -> None:
    items = [
        OpenItem("I1", "D1", "山田", "ヤマダ", 1000, date(2026, 11, 30), "A"),
        OpenItem("I2", "D2", "桜", "サクラ", 2000, date(2026, 12, 31)),
    ]
    columns = OpenItems.of(items)
    assert OpenItems.of(columns) is columns
    assert len(columns) == 2
    assert list(columns) == items
    assert columns[1] == items[1]
    assert columns[-1] == items[-1]
    assert list(columns[:1]) == items[:1]
    with pytest.raises(ValueError, match="differ in length"):
        OpenItems(["I1"], [], [], [], [], [], [])


def test_index_by_amount_sorts_by_due_date_then_id_whatever_the_id_order() -> None:
    book = generate(2_000, 3_000, seed=8, crowded=True)
    ids = [it.id for it in book.items]
    due = [it.due_date.toordinal() for it in book.items]
    amounts = [it.amount for it in book.items]
    random.Random(1).shuffle(ids)  # not ascending: the ids are ranked
    for order in (sorted(ids), ids):
        expected = engine._by_amount_lists(amounts, due, order)
        assert engine._by_amount(amounts, due, order) == expected
        assert list(expected) != sorted(expected)  # the lists version keeps file order
    assert engine._by_amount([], [], []) == {}


def test_amounts_beyond_numpy_integers_are_indexed_too() -> None:
    huge = 10**20
    items = [
        OpenItem("I1", "D1", "山田", "ヤマダ", huge, date(2026, 11, 30)),
        OpenItem("I2", "D2", "桜", "サクラ", 5_000, date(2026, 11, 30)),
    ]
    (m,) = reconcile([Deposit("P1", date(2026, 11, 30), huge, "ｽｽﾞｷ")], items)
    assert m.item_ids == ("I1",)  # a third-party suggestion, by amount alone
    (m,) = reconcile([Deposit("P1", date(2026, 11, 30), huge, "ｽｽﾞｷ")], OpenItems.of(items))
    assert m.item_ids == ("I1",)


def test_columns_and_objects_give_the_same_matches() -> None:
    book = generate(3_000, 3_000, seed=21, crowded=True)
    objects = reconcile(book.deposits, book.items, payer_links=book.payer_links, workers=1)
    columns = reconcile(
        book.deposits, OpenItems.of(book.items), payer_links=book.payer_links, workers=1
    )
    assert columns == objects
