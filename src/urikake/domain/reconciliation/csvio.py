"""Files of ``urikake reconcile``: deposits, open items, payer links in; matches out.

* Deposits: a 全銀 入出金取引明細 (03) or 振込入金通知 (01) file — recognised by its first
  record — or a CSV with at least ``deposit_id,value_date,amount,payer_kana``. From a 全銀
  file only 入金 lines are taken (a cancelled 01 notice is a withdrawal and skipped); the
  deposit id is the 照会番号 when every line has a distinct non-zero one, else ``R`` + the
  record number.
* Open items: CSV with at least ``item_id,debtor_name,debtor_kana,amount,due_date,
  invoice_number``; ``debtor_id`` is optional (default: the debtor name).
* Payer links: CSV ``payer_kana,debtor_id`` (or ``payer_key,debtor_id``).
* Matches: CSV ``deposit_id,status,item_ids,difference,reason`` (item ids joined by ``;``)
  followed by ``fee_deducted,allocations,score,reason_ja`` (allocations ``id:yen;…``).

CSV input is UTF-8 (a BOM is fine) or CP932; dates as :func:`parse_jp_date` reads them
(``2026-11-30``, ``2026/11/30``, ``令和8年11月30日`` …), amounts as :func:`parse_amount`
(``1,234``, ``￥1,234``). Parsing is all-or-nothing: the first problem raises
:class:`DomainError` with the physical line (header = 1) and the column.
"""

from __future__ import annotations

import codecs
import csv
import io
import operator
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from itertools import islice, repeat
from pathlib import Path
from typing import TextIO

from urikake.domain import safe_csv
from urikake.domain.errors import DomainError
from urikake.domain.reconciliation.engine import no_cyclic_gc, payer_key
from urikake.domain.reconciliation.stream import DuplicateFinder
from urikake.domain.reconciliation.types import Deposit, Match, MatchStatus, OpenItem, OpenItems
from urikake.domain.statement_csv import parse_amount, parse_jp_date
from urikake.domain.zengin_statements import parse_receipt_columns

__all__ = [
    "DEPOSIT_COLUMNS",
    "ITEM_COLUMNS",
    "MATCH_COLUMNS",
    "MatchLines",
    "count_lines",
    "decode_text",
    "file_encoding",
    "is_zengin_receipt",
    "iter_deposits",
    "read_deposits",
    "read_open_items",
    "read_open_items_file",
    "read_payer_links",
    "write_matches",
]

DEPOSIT_COLUMNS = ("deposit_id", "value_date", "amount", "payer_kana")
ITEM_COLUMNS = ("item_id", "debtor_name", "debtor_kana", "amount", "due_date", "invoice_number")
MATCH_COLUMNS = (
    "deposit_id",
    "status",
    "item_ids",
    "difference",
    "reason",
    "fee_deducted",
    "allocations",
    "score",
    "reason_ja",
)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else CP932; anything else raises."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as e:
        raise DomainError(
            "csv.bad_encoding",
            "文字コードはUTF-8またはShift_JIS(CP932)にしてください",
            line=data.count(b"\n", 0, e.start) + 1,
        ) from None


def is_zengin_receipt(data: bytes) -> bool:
    """Whether ``data`` starts like a 全銀 01/03 file (header record, 種別コード 01 or 03)."""
    return data[:1] == b"1" and data[1:3] in (b"01", b"03")


def _header(
    reader: Iterator[list[str]], required: Sequence[str], what: str, optional: Sequence[str]
) -> tuple[int, list[int]]:
    """The header's width and the positions of ``required`` then ``optional`` (an absent
    optional column: the width, one past the last cell)."""
    try:
        header = next(reader)
    except StopIteration:
        raise DomainError("csv.empty", f"{what}のCSVが空です", line=1) from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise DomainError(
            "csv.missing_columns",
            f"{what}のCSVに必要な列がありません: {', '.join(missing)}",
            field=missing[0],
            line=1,
        )
    width = len(header)
    positions: dict[str, int] = {}
    for p, name in enumerate(header):
        positions.setdefault(name, p)  # a repeated column name: the first one counts
    return width, [positions.get(name, width) for name in (*required, *optional)]


def _rows(
    source: Iterable[str], required: Sequence[str], what: str, optional: Sequence[str] = ()
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(physical line, cells) per non-blank row: the cells of ``required`` then ``optional``
    (an absent optional column or a short row reads as ``""``), picked by position — no
    dict per row: a million rows."""
    reader = csv.reader(source)
    width, wanted = _header(reader, required, what, optional)
    pick = operator.itemgetter(*wanted)
    padded = width + 1 if width in wanted else width  # an absent optional column reads ""
    padding = [""] * padded
    try:
        for row in reader:
            if len(row) != width or not row[0] or row[0].isspace():
                if not "".join(row).strip():  # blank row: every cell empty or whitespace
                    continue
                if len(row) > width:
                    raise DomainError(
                        "csv.too_many_cells",
                        f"列の数が見出し({width}列)より多くなっています({len(row)}列)",
                        line=reader.line_num,
                    )
            if len(row) < padded:
                row = row + padding[len(row) :]  # short row, absent columns
            cells = pick(row)
            yield reader.line_num, cells if isinstance(cells, tuple) else (cells,)
    except csv.Error as e:
        raise DomainError(
            "csv.malformed", f"CSVの形式が不正です: {e}", line=reader.line_num
        ) from None


# The largest amount one statement line or open item may carry: the 12-digit amount field of
# the 全銀 入出金取引明細 (999,999,999,999 yen). Anything larger is a typo or an attack.
MAX_LINE_YEN = 999_999_999_999


def _text(cell: str, name: str, line: int, label: str) -> str:
    value = cell.strip()
    if not value:
        raise DomainError("csv.required", f"{label}が空です", field=name, line=line)
    return value


def _yen(cell: str, name: str, line: int, label: str) -> int:
    text = cell.strip()
    value = (
        int(text)
        if text.isascii() and text.isdigit()
        else parse_amount(text, field=name, line=line)
    )
    if value is None or value <= 0:
        raise DomainError(
            "csv.bad_amount", f"{label}は1円以上にしてください(「{text}」)", field=name, line=line
        )
    if value > MAX_LINE_YEN:
        raise DomainError(
            "csv.bad_amount",
            f"{label}が大きすぎます(「{text}」)。{MAX_LINE_YEN:,}円以下にしてください",
            field=name,
            line=line,
        )
    return value


class _Dates:
    """Dates of one file's column, each distinct text parsed once (a statement or a book
    of open items has a few hundred distinct dates for a million rows)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen: dict[str, date] = {}

    def __call__(self, cell: str, line: int) -> date:
        day = self.seen.get(cell)
        if day is None:
            text = cell.strip()
            try:
                day = date.fromisoformat(text)  # the common case, fast
            except ValueError:
                day = parse_jp_date(text, field=self.name, line=line)
            if len(self.seen) < 100_000:
                self.seen[cell] = day
        return day


def _unique(seen: set[str], value: str, name: str, line: int, label: str) -> None:
    if value in seen:
        raise DomainError(
            "csv.duplicate_id", f"{label}「{value}」が重複しています", field=name, line=line
        )
    seen.add(value)


def _zengin_deposits(data: bytes) -> list[Deposit]:
    # The deposits' columns only: no StatementLine per line of the file.
    deposits = parse_receipt_columns(data).deposits()
    refs = [r.strip() for r in deposits.reference.tolist()]
    use_refs = all(r.strip("0") for r in refs) and len(set(refs)) == len(refs)
    ids = refs if use_refs else [f"R{n:06d}" for n in deposits.line_number.tolist()]
    return list(
        map(
            Deposit,
            ids,
            deposits.dates(),
            deposits.amount.tolist(),
            map(str.strip, deposits.counterparty.tolist()),
        )
    )


def _deposit_rows(source: Iterable[str]) -> Iterator[tuple[int, Deposit]]:
    """(physical line, deposit) per CSV row, every field checked; ids not yet checked for
    duplicates (the callers do, in memory or by hash)."""
    value_date = _Dates("value_date")
    for line, (dep_id, day, amount, payer) in _rows(source, DEPOSIT_COLUMNS, "入金"):
        yield (
            line,
            Deposit(
                id=_text(dep_id, "deposit_id", line, "入金ID"),
                value_date=value_date(day, line),
                amount=_yen(amount, "amount", line, "入金額"),
                payer_kana=payer.strip(),
            ),
        )


def read_deposits(data: bytes) -> list[Deposit]:
    """Deposits from a 全銀 01/03 file or a deposits CSV (see the module docstring)."""
    if is_zengin_receipt(data):
        return _zengin_deposits(data)
    deposits: list[Deposit] = []
    seen: set[str] = set()
    for line, dep in _deposit_rows(io.StringIO(decode_text(data), newline="")):
        _unique(seen, dep.id, "deposit_id", line, "入金ID")
        deposits.append(dep)
    return deposits


def _item_rows(source: Iterable[str]) -> Iterator[tuple[int, OpenItem]]:
    due_date = _Dates("due_date")
    for line, cells in _rows(source, ITEM_COLUMNS, "未消込明細", ("debtor_id",)):
        item_id, debtor_name, debtor_kana, amount, due, invoice, debtor = cells
        item_id = _text(item_id, "item_id", line, "明細ID")
        name = debtor_name.strip()
        kana = debtor_kana.strip()
        if not name and not kana:
            raise DomainError(
                "csv.required", "売掛先名とカナのどちらかが必要です", field="debtor_name", line=line
            )
        yield (
            line,
            OpenItem(
                id=item_id,
                debtor_id=debtor.strip() or name or kana,
                debtor_name=name,
                debtor_kana=kana,
                amount=_yen(amount, "amount", line, "未消込額"),
                due_date=due_date(due, line),
                invoice_number=invoice.strip(),
            ),
        )


def read_open_items(data: bytes) -> OpenItems:
    """Open items from CSV (see the module docstring), as columns."""
    text = decode_text(data)
    with no_cyclic_gc():
        items = _plain_item_columns(io.StringIO(text, newline=""))
        if items is None:
            items = OpenItems.of(_unique_items(_item_rows(io.StringIO(text, newline=""))))
    return items


_BLOCK_ROWS = 65_536  # rows held as lists at a time while the columns are built
_MAX_DIGITS = 20  # longer amount cells take the row-by-row reader (which names the row)


def _plain_item_columns(source: Iterable[str]) -> OpenItems | None:
    """The open items of a CSV built column by column — or None when any row needs a
    closer look (a blank, short or long row, a cell with spaces around an amount, an amount
    with a comma or yen sign, a bad date, a duplicate id …): then the row-by-row reader
    (:func:`_item_rows`) reads the file again and says where the problem is, or reads what
    this one did not. So both give the same items and the same errors.

    A million rows: a per-row Python step costs about a second, so the rows are turned into
    columns by ``zip`` a block at a time and each column is converted by C-level ``map`` calls;
    no object per item."""
    reader = csv.reader(source)
    width, wanted = _header(reader, ITEM_COLUMNS, "未消込明細", ("debtor_id",))
    columns: list[list[str]] = [[] for _ in wanted]
    try:
        while block := list(islice(reader, _BLOCK_ROWS)):
            if not all(map(width.__eq__, map(len, block))):
                return None
            cells = list(zip(*block, strict=True))
            for column, position in zip(columns, wanted, strict=True):
                if position < width:
                    column.extend(cells[position])
    except csv.Error:
        return None
    id_cells, name_cells, kana_cells, amount_cells, due_cells, invoice_cells, debtor_cells = columns
    ids = list(map(str.strip, id_cells))
    if not all(ids) or len(set(ids)) != len(ids):
        return None
    names = list(map(str.strip, name_cells))
    kanas = list(map(str.strip, kana_cells))
    if "" in names and not all(n or k for n, k in zip(names, kanas, strict=True)):
        return None
    # Plain digits only (no sign, space, comma or yen sign), at most the 12 of MAX_LINE_YEN
    # plus leading zeros: int() reads them as _yen does.
    digits = "".join(amount_cells)
    if ids and not (
        digits.isascii()
        and digits.isdigit()
        and all(amount_cells)
        and max(map(len, amount_cells)) <= _MAX_DIGITS
    ):
        return None
    amounts = list(map(int, amount_cells))
    if ids and (min(amounts) <= 0 or max(amounts) > MAX_LINE_YEN):
        return None
    parse_date = _Dates("due_date")
    days: dict[str, date] = {}
    for cell in set(due_cells):
        try:
            days[cell] = parse_date(cell, 0)
        except DomainError:
            return None
    due_dates = list(map(days.__getitem__, due_cells))
    if wanted[-1] < width:
        debtors = list(map(str.strip, debtor_cells))
        if not all(debtors):
            debtors = [d or n or k for d, n, k in zip(debtors, names, kanas, strict=True)]
    else:
        debtors = [n or k for n, k in zip(names, kanas, strict=True)]
    invoices = list(map(str.strip, invoice_cells))
    return OpenItems(ids, debtors, names, kanas, amounts, due_dates, invoices)


def _unique_items(rows: Iterable[tuple[int, OpenItem]]) -> list[OpenItem]:
    items: list[OpenItem] = []
    seen: set[str] = set()
    for line, item in rows:
        _unique(seen, item.id, "item_id", line, "明細ID")
        items.append(item)
    return items


# ---- streaming: files larger than we want in memory ----------------------------------------

_BLOCK = 1 << 20


def file_encoding(path: str | Path) -> str:
    """``utf-8-sig`` or ``cp932`` for a CSV file, decided by decoding it block by block (no
    more than a block in memory); anything else raises like :func:`decode_text`."""
    for encoding in ("utf-8-sig", "cp932"):
        decoder = codecs.getincrementaldecoder(encoding)()
        lines = 0
        with open(path, "rb") as fh:
            try:
                while block := fh.read(_BLOCK):
                    decoder.decode(block)
                    lines += block.count(b"\n")
                decoder.decode(b"", final=True)
            except UnicodeDecodeError as e:
                if encoding == "cp932":
                    raise DomainError(
                        "csv.bad_encoding",
                        "文字コードはUTF-8またはShift_JIS(CP932)にしてください",
                        line=lines + block.count(b"\n", 0, e.start) + 1,
                    ) from None
                continue
        return encoding
    raise AssertionError("unreachable")  # pragma: no cover


def count_lines(path: str | Path) -> int:
    """Physical lines of a file, read block by block (for a progress bar's total)."""
    lines = 0
    with open(path, "rb") as fh:
        while block := fh.read(_BLOCK):
            lines += block.count(b"\n")
    return lines


def iter_deposits(path: str | Path) -> Iterator[Deposit]:
    """Deposits from a file, as :func:`read_deposits` reads them, without holding the file.

    A deposits CSV is read row by row; duplicate ids are found with 8 bytes per row
    (:class:`~.stream.DuplicateFinder`) and, if any, located exactly by a second pass over the
    file — the error (same as :func:`read_deposits`') is raised when the iteration ends, so a
    consumer that writes nothing before the input is exhausted writes nothing. A 全銀 01/03
    file (fixed-length records, checked as a whole against its trailer) is read at once.
    """
    with open(path, "rb") as fh:
        head = fh.read(3)
    if is_zengin_receipt(head):
        yield from _zengin_deposits(Path(path).read_bytes())
        return
    encoding = file_encoding(path)
    ids = DuplicateFinder()
    with open(path, encoding=encoding, newline="") as fh:
        for _, dep in _deposit_rows(fh):
            ids.add(dep.id)
            yield dep
    suspects = ids.suspects()
    if suspects:
        seen: set[str] = set()
        with open(path, encoding=encoding, newline="") as fh:
            for line, dep in _deposit_rows(fh):
                if hash(dep.id) in suspects:
                    _unique(seen, dep.id, "deposit_id", line, "入金ID")


def read_open_items_file(path: str | Path) -> OpenItems:
    """Open items from a CSV file, as columns (memory: the items, not the file text)."""
    encoding = file_encoding(path)
    with no_cyclic_gc():  # blocks of rows as lists: the collector doubled the time
        with open(path, encoding=encoding, newline="") as fh:
            items = _plain_item_columns(fh)
        if items is None:
            with open(path, encoding=encoding, newline="") as fh:
                items = OpenItems.of(_unique_items(_item_rows(fh)))
    return items


def read_payer_links(data: bytes) -> dict[str, str]:
    """Remembered payer → debtor links: ``payer_kana,debtor_id`` or ``payer_key,debtor_id``."""
    text = decode_text(data)
    first = text.split("\n", 1)[0]
    column = "payer_key" if "payer_key" in [h.strip() for h in first.split(",")] else "payer_kana"
    links: dict[str, str] = {}
    for line, (payer_cell, debtor) in _rows(
        io.StringIO(text, newline=""), (column, "debtor_id"), "振込依頼人の紐付け"
    ):
        payer = _text(payer_cell, column, line, "振込依頼人")
        key = payer if column == "payer_key" else payer_key(payer)
        if not key:
            raise DomainError(
                "csv.bad_payer",
                f"振込依頼人「{payer}」からは照合キーを作れません(カナで指定してください)",
                field=column,
                line=line,
            )
        links[key] = _text(debtor, "debtor_id", line, "売掛先ID")
    return links


def _match_row(m: Match) -> tuple[object, ...]:
    return (
        m.deposit_id,
        m.status.value,
        ";".join(m.item_ids),
        m.difference,
        m.reason,
        m.fee_deducted,
        ";".join(f"{item}:{yen}" for item, yen in m.allocations),
        "" if m.score is None else str(m.score),
        m.reason_ja,
    )


def write_matches(matches: Iterable[Match], out: TextIO) -> None:
    """The matches as CSV (UTF-8; the caller opens ``out`` with ``newline=""``)."""
    writer = safe_csv.writer(out, lineterminator="\n")
    writer.writerow(MATCH_COLUMNS)
    for m in matches:
        writer.writerow(_match_row(m))


class MatchLines:
    """One match as its line of :func:`write_matches`' CSV (for
    :func:`~.stream.reconcile_to_file`, which formats in the worker processes);
    :attr:`header` is the first line."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._writer = safe_csv.writer(self._buffer, lineterminator="\n")
        self.header = self._line(MATCH_COLUMNS)

    def _line(self, row: Iterable[object]) -> str:
        self._writer.writerow(row)
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text

    def __call__(self, m: Match) -> str:
        return self.fields(
            m.deposit_id,
            m.status,
            m.item_ids,
            m.allocations,
            m.difference,
            m.fee_deducted,
            m.reason,
            m.reason_ja,
            m.score,
        )

    def fields(
        self,
        deposit_id: str,
        status: MatchStatus,
        item_ids: tuple[str, ...],
        allocations: tuple[tuple[str, int], ...],
        difference: int,
        fee_deducted: int,
        reason: str,
        reason_ja: str,
        score: Decimal | None,
    ) -> str:
        """The line of the match with these fields (those of :class:`Match`, in its order,
        without ``candidates``): the caller need not build the Match — a frozen dataclass
        of ten fields, for each of a million deposits (:func:`~.stream.reconcile_to_file`
        uses this)."""
        allocated = ";".join([f"{item}:{yen}" for item, yen in allocations])
        score_text = "" if score is None else str(score)
        # The common line needs no quoting and no formula escape: joined directly, it is
        # byte for byte what the writer would write (a test compares the two). Anything else
        # — a comma, quote or line break in a cell, an id starting like a formula — goes
        # through the safe writer. (A StrEnum formats as its value.)
        line = (
            f"{deposit_id},{status},{';'.join(item_ids)},{difference},{reason},"
            f"{fee_deducted},{allocated},{score_text},{reason_ja}"
        )
        if (
            line.count(",") == _SEPARATORS
            and '"' not in line
            and "\r" not in line
            and "\n" not in line
            and not deposit_id.startswith(safe_csv.FORMULA_PREFIXES)
            and not any(map(str.startswith, item_ids, repeat(safe_csv.FORMULA_PREFIXES)))
        ):
            return line + "\n"
        return self._line(
            (
                deposit_id,
                str(status),
                ";".join(item_ids),
                difference,
                str(reason),
                fee_deducted,
                allocated,
                score_text,
                reason_ja,
            )
        )


_SEPARATORS = len(MATCH_COLUMNS) - 1
