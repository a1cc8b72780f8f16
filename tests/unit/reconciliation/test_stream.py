"""Streaming reconciliation: the same matches as ``reconcile``, memory bounded by the items."""

from __future__ import annotations

import csv
import io
import tracemalloc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from urikake.domain.errors import DomainError
from urikake.domain.reconciliation import Deposit, OpenItem, reconcile
from urikake.domain.reconciliation.csvio import iter_deposits, read_deposits
from urikake.domain.reconciliation.stream import DuplicateFinder, reconcile_stream
from urikake.domain.reconciliation.synthetic import SyntheticBook, generate


@pytest.fixture(scope="module")
def book() -> SyntheticBook:
    return generate(6_000, 6_000, seed=14)


@pytest.mark.parametrize("workers", [1, 2])
def test_same_matches_as_reconcile(book: SyntheticBook, workers: int) -> None:
    expected = reconcile(book.deposits, book.items, payer_links=book.payer_links, workers=1)
    streamed = list(
        reconcile_stream(
            iter(book.deposits),
            book.items,
            payer_links=book.payer_links,
            workers=workers,
            chunk_size=700,  # many chunks, competing matches across chunk borders
        )
    )
    assert streamed == expected
    assert any(m.reason == "competing_deposits" for m in streamed)


def test_progress_counts_every_deposit(book: SyntheticBook) -> None:
    done: list[int] = []
    list(reconcile_stream(iter(book.deposits), book.items, progress=done.append, chunk_size=1000))
    assert sum(done) == len(book.deposits)


ITEM = OpenItem("I1", "D1", "株式会社山田商事", "ヤマダショウジ", 110_000, date(2026, 11, 30))


def test_bad_deposit_raises_before_anything_is_yielded() -> None:
    deposits = [Deposit(f"P{k}", date(2026, 11, 30), 110_000, "ﾔﾏﾀﾞ") for k in range(50)]
    deposits.append(Deposit("BAD", date(2026, 11, 30), 0, "ﾔﾏﾀﾞ"))
    matches = reconcile_stream(iter(deposits), [ITEM], chunk_size=10)
    with pytest.raises(DomainError) as exc:
        next(matches)
    assert exc.value.code == "reconciliation.bad_deposit"
    assert exc.value.line == 51


def test_duplicate_deposit_found_exactly() -> None:
    deposits = [Deposit(f"P{k}", date(2026, 11, 30), 1000 + k, "ﾔﾏﾀﾞ") for k in range(100)]
    deposits.insert(70, Deposit("P12", date(2026, 11, 30), 5, "ﾔﾏﾀﾞ"))
    with pytest.raises(DomainError) as exc:
        list(reconcile_stream(iter(deposits), [ITEM], chunk_size=16))
    assert exc.value.code == "reconciliation.duplicate_deposit"
    assert exc.value.line == 71


def test_duplicate_finder_only_suspects_shared_hashes() -> None:
    finder = DuplicateFinder()
    for key in ["a", "b", "c", "b", "d", "a"]:
        finder.add(key)
    assert finder.suspects() == {hash("a"), hash("b")}
    keys = ["a", "b", "c", "b", "d", "a"]
    assert DuplicateFinder.first_duplicate(keys, finder.suspects()) == (3, "b")
    assert DuplicateFinder().suspects() == frozenset()


# ---- memory ------------------------------------------------------------------------------


def _endless(book: SyntheticBook, n: int) -> Iterator[Deposit]:
    """``n`` deposits made up on the fly (fresh ids, the book's payers and amounts)."""
    deps = book.deposits
    for k in range(n):
        d = deps[k % len(deps)]
        yield Deposit(f"S{k:09d}", d.value_date, d.amount, d.payer_kana)


def _peak(book: SyntheticBook, n: int) -> int:
    tracemalloc.start()
    try:
        count = 0
        for _ in reconcile_stream(_endless(book, n), book.items, workers=1, chunk_size=2000):
            count += 1
        assert count == n
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_with_the_items_not_the_deposits() -> None:
    small = generate(2_000, 2_000, seed=3)
    few, many = _peak(small, 4_000), _peak(small, 32_000)
    # 8× the deposits: the peak stays within 1.5× (the in-memory path grows ~linearly: a
    # deposit and its match are ~1 kB each, 28,000 more would add ~28 MB).
    assert many < few * 1.5, (few, many)
    in_memory = generate(2_000, 2_000, seed=3)
    tracemalloc.start()
    try:
        deps = list(_endless(in_memory, 32_000))
        reconcile(deps, in_memory.items, workers=1)
        whole = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert whole > many * 2, (whole, many)  # the test can tell the two apart


# ---- CSV files ------------------------------------------------------------------------------


def _write_deposits(path: Path, deposits: list[Deposit], encoding: str = "utf-8") -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["deposit_id", "value_date", "amount", "payer_kana"])
        for d in deposits:
            w.writerow([d.id, d.value_date.isoformat(), d.amount, d.payer_kana])


@pytest.mark.parametrize("encoding", ["utf-8", "cp932"])
def test_iter_deposits_reads_like_read_deposits(
    tmp_path: Path, book: SyntheticBook, encoding: str
) -> None:
    path = tmp_path / "deposits.csv"
    _write_deposits(path, book.deposits[:3000], encoding)
    assert list(iter_deposits(path)) == read_deposits(path.read_bytes())


def test_iter_deposits_duplicate_names_the_line(tmp_path: Path, book: SyntheticBook) -> None:
    deps = book.deposits[:500]
    path = tmp_path / "deposits.csv"
    _write_deposits(path, [*deps[:300], deps[42], *deps[300:]])
    with pytest.raises(DomainError) as exc:
        list(iter_deposits(path))
    assert exc.value.code == "csv.duplicate_id"
    assert exc.value.line == 302  # header + 300 rows + the repeated one
    with pytest.raises(DomainError) as again:
        read_deposits(path.read_bytes())
    assert (again.value.code, again.value.line) == ("csv.duplicate_id", 302)


def test_iter_deposits_bad_row_and_bad_encoding(tmp_path: Path) -> None:
    path = tmp_path / "deposits.csv"
    path.write_text(
        "deposit_id,value_date,amount,payer_kana\nP1,2026-11-30,1000,ﾔﾏﾀﾞ\nP2,2026-11-30,-5,ﾔﾏﾀﾞ\n",
        encoding="utf-8",
    )
    with pytest.raises(DomainError) as exc:
        list(iter_deposits(path))
    assert (exc.value.code, exc.value.line, exc.value.field) == ("csv.bad_amount", 3, "amount")
    path.write_bytes(b"deposit_id,value_date,amount,payer_kana\nP1,2026-11-30,1,\x81\x20\n")
    with pytest.raises(DomainError) as enc:
        list(iter_deposits(path))
    assert (enc.value.code, enc.value.line) == ("csv.bad_encoding", 2)
    with pytest.raises(DomainError) as same:
        read_deposits(path.read_bytes())
    assert (same.value.code, same.value.line) == ("csv.bad_encoding", 2)


# ---- the result lines -------------------------------------------------------------------


def test_match_lines_are_the_lines_of_write_matches() -> None:
    """MatchLines joins a plain line itself: byte for byte what the safe writer writes, and
    the writer's (quoting, formula escape) for every other line."""
    from decimal import Decimal

    from urikake.domain.reconciliation import Match, MatchStatus
    from urikake.domain.reconciliation.csvio import MatchLines, write_matches

    def match(dep_id: str, items: tuple[str, ...], difference: int = 0) -> Match:
        return Match(
            deposit_id=dep_id,
            status=MatchStatus.AUTO,
            item_ids=items,
            allocations=tuple((i, 1000) for i in items),
            difference=difference,
            fee_deducted=0,
            reason="exact",
            reason_ja="振込依頼人名と金額が1件の請求に一致しました",
            score=Decimal("0.95"),
        )

    matches = [
        match("P1", ("I1", "I2")),
        match("P2", (), -330),
        match('=HYPERLINK("http://x")', ("I1",)),
        match("P3", ("@SUM(A1)",)),
        match("P,4", ("I\n5",)),
        match("-12", ("+3",)),
        match("\tP6", ("I6",)),
        match('P"7', ("I7",)),
        match("P8\r", ("I8",)),
    ]
    expected = io.StringIO(newline="")
    write_matches(matches, expected)
    lines = MatchLines()
    assert lines.header + "".join(lines(m) for m in matches) == expected.getvalue()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_file_written_by_every_process_equals_write_matches(
    book: SyntheticBook, workers: int
) -> None:
    """reconcile_to_file: each process writes the lines it judged to a spool of its own and
    the spools are copied in input order — the bytes of write_matches over reconcile(), with
    the competing matches (downgraded after every process is done) rendered again, and the
    summary counted over all processes."""
    from urikake.domain.reconciliation import MatchStatus
    from urikake.domain.reconciliation.csvio import MatchLines, write_matches
    from urikake.domain.reconciliation.stream import reconcile_to_file

    expected = reconcile(book.deposits, book.items, payer_links=book.payer_links, workers=1)
    text = io.StringIO(newline="")
    write_matches(expected, text)
    out = io.BytesIO()
    lines = MatchLines()
    out.write(lines.header.encode())
    counts, fees = reconcile_to_file(
        iter(book.deposits),
        book.items,
        lines,
        out,
        payer_links=book.payer_links,
        workers=workers,
        chunk_size=700,  # many chunks, competing matches across chunk borders
    )
    assert out.getvalue() == text.getvalue().encode()
    assert any(m.reason == "competing_deposits" for m in expected)
    assert counts == {s: sum(m.status is s for m in expected) for s in MatchStatus}
    assert fees == sum(m.fee_deducted for m in expected if m.status is MatchStatus.AUTO)


def test_file_of_a_bad_statement_is_not_written() -> None:
    from urikake.domain.reconciliation.csvio import MatchLines
    from urikake.domain.reconciliation.stream import reconcile_to_file

    deposits = [Deposit(f"P{k}", date(2026, 11, 30), 110_000, "ﾔﾏﾀﾞ") for k in range(50)]
    deposits.append(Deposit("P3", date(2026, 11, 30), 110_000, "ﾔﾏﾀﾞ"))
    out = io.BytesIO()
    with pytest.raises(DomainError) as exc:
        reconcile_to_file(iter(deposits), [ITEM], MatchLines(), out, chunk_size=10, workers=2)
    assert (exc.value.code, exc.value.line) == ("reconciliation.duplicate_deposit", 51)
    assert out.getvalue() == b""
