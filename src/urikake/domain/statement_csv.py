"""Net-banking CSV statements (入出金明細のCSVダウンロード) → :class:`Statement`.

Banks' CSV exports differ (column names and order, Shift_JIS or UTF-8, one signed amount
column or separate お支払/お預り columns, 西暦 or 和暦 dates). There is no common public
standard, so a :class:`CsvMapping` says where everything is, and :data:`PRESETS` holds a few
*generic* mappings shaped like typical exports — they are not any particular bank's
documented format; check a real export before relying on one and write a mapping if needed.

Rules:

* Columns are named by header text (matched after trimming, in the last header row) or by
  0-based index.
* Dates: ``2026/11/01``, ``2026-11-01``, ``2026.11.1``, ``20261101``, ``2026年11月1日``,
  ``R8.11.1`` / ``R08/11/01`` / ``H31.4.30``, ``令和8年11月1日`` / ``令和元年5月1日`` /
  ``平成31年4月30日`` (full-width digits accepted). An explicit era must contain the date
  (平成 until 2019-04-30, 令和 from 2019-05-01).
* Amounts: ``1234``, ``1,234``, ``￥1,234``, ``¥1,234円``, ``+1,234``, ``-1,234``, ``△1,234`` /
  ``▲1,234`` (Japanese minus); an empty cell is "no amount". With separate deposit /
  withdrawal columns exactly one must hold a positive amount (the other empty or 0).
* Blank rows are skipped; every other row is a line. Parsing is all-or-nothing: the first
  problem raises :class:`DomainError` with ``line`` (the physical line in the file, from 1)
  and ``field`` (the column).
"""

from __future__ import annotations

import csv
import enum
import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from itertools import repeat

import numpy as np
import numpy.typing as npt

from urikake.domain.errors import DomainError
from urikake.domain.money import yen
from urikake.domain.statements import (
    Direction,
    SourceFormat,
    Statement,
    StatementLine,
    lines_from_columns,
)

__all__ = [
    "PRESETS",
    "CsvColumns",
    "CsvMapping",
    "SignConvention",
    "parse_amount",
    "parse_csv",
    "parse_csv_columns",
    "parse_jp_date",
]

Column = int | str


class SignConvention(enum.Enum):
    """How a single signed amount column says which way the money went."""

    POSITIVE_IS_DEPOSIT = "positive_is_deposit"
    POSITIVE_IS_WITHDRAWAL = "positive_is_withdrawal"


@dataclass(frozen=True, slots=True)
class CsvMapping:
    """Where a CSV export keeps each piece of a statement line.

    Give either ``deposit_column`` and/or ``withdrawal_column``, or ``amount_column`` (signed,
    read with ``sign``), or ``amount_column`` plus ``direction_column`` (an unsigned amount and
    a cell saying 入金/deposit or 出金/withdrawal).
    """

    name: str
    date_column: Column
    encoding: str = "utf-8-sig"  # "utf-8-sig" (also reads plain UTF-8) or "cp932"
    delimiter: str = ","
    header_rows: int = 1
    deposit_column: Column | None = None
    withdrawal_column: Column | None = None
    amount_column: Column | None = None
    sign: SignConvention = SignConvention.POSITIVE_IS_DEPOSIT
    direction_column: Column | None = None
    counterparty_column: Column | None = None
    description_column: Column | None = None
    balance_column: Column | None = None
    reference_column: Column | None = None

    def __post_init__(self) -> None:
        split = self.deposit_column is not None or self.withdrawal_column is not None
        if split == (self.amount_column is not None):
            raise DomainError(
                "csv.bad_mapping",
                "入金・出金の列か、金額の列のどちらか一方を指定してください",
                field="amount_column",
            )
        if self.direction_column is not None and self.amount_column is None:
            raise DomainError(
                "csv.bad_mapping",
                "入出金区分の列は金額の列と一緒に指定してください",
                field="direction_column",
            )
        if self.header_rows < 0 or len(self.delimiter) != 1:
            raise DomainError(
                "csv.bad_mapping", "見出し行数または区切り文字が不正です", field="delimiter"
            )
        try:
            "".encode(self.encoding)
        except LookupError:
            raise DomainError(
                "csv.bad_mapping", f"文字コード「{self.encoding}」は使えません", field="encoding"
            ) from None


PRESETS: dict[str, CsvMapping] = {
    # A generic Shift_JIS export with separate お支払/お預り columns, as many Japanese banks
    # offer (日付,摘要,お支払金額,お預り金額,差引残高). Not a specific bank's documented format.
    "generic_jp_bank": CsvMapping(
        name="generic_jp_bank",
        encoding="cp932",
        date_column="日付",
        counterparty_column="摘要",
        withdrawal_column="お支払金額",
        deposit_column="お預り金額",
        balance_column="差引残高",
    ),
    # A generic export with one signed amount column (取引日,内容,金額,残高); + = 入金.
    "generic_signed": CsvMapping(
        name="generic_signed",
        date_column="取引日",
        counterparty_column="内容",
        amount_column="金額",
        sign=SignConvention.POSITIVE_IS_DEPOSIT,
        balance_column="残高",
    ),
    # Urikake's own minimal CSV (value_date,amount,payer_kana,direction), UTF-8.
    "urikake_simple": CsvMapping(
        name="urikake_simple",
        date_column="value_date",
        amount_column="amount",
        counterparty_column="payer_kana",
        direction_column="direction",
    ),
}


# ---------------------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------------------

_ERAS = {"R": (2018, date(2019, 5, 1), None), "H": (1988, date(1989, 1, 8), date(2019, 4, 30))}
_ERA_NAMES = {"令和": "R", "平成": "H"}
_ISO_LIKE = re.compile(r"(\d{4})[/\-.](\d{1,2})[/\-.](\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_KANJI = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")
_ERA_SHORT = re.compile(r"([RH])(\d{1,2}|元)[/\-.](\d{1,2})[/\-.](\d{1,2})")
_ERA_KANJI = re.compile(r"(令和|平成)(\d{1,2}|元)年(\d{1,2})月(\d{1,2})日")


def parse_jp_date(text: str, *, field: str | None = None, line: int | None = None) -> date:
    """Parse the date spellings Japanese bank exports use (see the module docstring)."""

    def bad(why: str) -> DomainError:
        return DomainError(
            "csv.bad_date", f"日付「{text}」を読めません({why})", field=field, line=line
        )

    if (  # the common spelling, 2026-11-01 or 2026/11/01: read without normalising
        len(text) == 10
        and text.isascii()
        and text[4] in "/-."
        and text[7] in "/-."
        and text[:4].isdigit()
        and text[5:7].isdigit()
        and text[8:].isdigit()
    ):
        try:
            return date(int(text[:4]), int(text[5:7]), int(text[8:]))
        except ValueError:
            pass  # the general path below says why
    s = unicodedata.normalize("NFKC", text).strip().upper()
    era: str | None = None
    m = _ERA_SHORT.fullmatch(s)
    if m:
        era, y, mo, d = m.groups()
    elif m := _ERA_KANJI.fullmatch(s):
        name, y, mo, d = m.groups()
        era = _ERA_NAMES[name]
    elif m := (_ISO_LIKE.fullmatch(s) or _COMPACT.fullmatch(s) or _KANJI.fullmatch(s)):
        y, mo, d = m.groups()
    else:
        raise bad("形式が不明です")
    year = 1 if y == "元" else int(y)
    if era is not None:
        offset, first, last = _ERAS[era]
        year += offset
    try:
        result = date(year, int(mo), int(d))
    except ValueError:
        raise bad("存在しない日付です") from None
    if era is not None:
        _, first, last = _ERAS[era]
        if result < first or (last is not None and result > last):
            raise bad("元号の期間外です")
    return result


# No bank statement line moves a quadrillion yen: a longer number is a misread column.
AMOUNT_MAX = 10**15 - 1


def parse_amount(text: str, *, field: str | None = None, line: int | None = None) -> int | None:
    """``"1,234"`` / ``"￥1,234"`` / ``"-1,234"`` / ``"△1,234"`` → int; empty → None.

    The one yen parser (:func:`urikake.domain.money.yen`), with an empty cell allowed and the
    error told as a CSV error of this line."""
    value: int | None
    if text.isascii() and text.isdigit():  # the common cell, as yen() reads it: int(text)
        value = int(text)
    else:
        if not text.strip():
            return None
        try:
            value = yen(text, field=field, line=line)
        except DomainError:
            value = None
    if value is None or abs(value) > AMOUNT_MAX:
        raise DomainError("csv.bad_amount", f"金額「{text}」を読めません", field=field, line=line)
    return value


_DEPOSIT_WORDS = {"入金", "DEPOSIT", "IN", "+", "1"}
_WITHDRAWAL_WORDS = {"出金", "WITHDRAWAL", "OUT", "-", "2"}


# ---------------------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------------------


def _decode(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        raise DomainError(
            "csv.bad_encoding",
            f"文字コード{encoding}として読めないバイトがあります",
            field="encoding",
            line=line,
        ) from None


def _resolve(mapping: CsvMapping, header: list[str], line: int) -> dict[str, int | None]:
    wanted = {
        "date": mapping.date_column,
        "deposit": mapping.deposit_column,
        "withdrawal": mapping.withdrawal_column,
        "amount": mapping.amount_column,
        "direction": mapping.direction_column,
        "counterparty": mapping.counterparty_column,
        "description": mapping.description_column,
        "balance": mapping.balance_column,
        "reference": mapping.reference_column,
    }
    names = [unicodedata.normalize("NFKC", h).strip() for h in header]
    out: dict[str, int | None] = {}
    for key, col in wanted.items():
        if col is None or isinstance(col, int):
            out[key] = col
            continue
        target = unicodedata.normalize("NFKC", col).strip()
        if target not in names:
            raise DomainError(
                "csv.missing_column", f"列「{col}」が見出しにありません", field=col, line=line
            )
        out[key] = names.index(target)
    return out


def parse_csv(
    data: bytes,
    mapping: CsvMapping,
    *,
    bank_code: str = "",
    branch_code: str = "",
    account_type: int | None = None,
    account_number: str = "",
    account_name: str = "",
) -> Statement:
    """Parse a net-banking CSV with ``mapping``; all-or-nothing (raise :class:`DomainError`).

    The account is not in the CSV: pass it in. The period is the first and last value date.
    The lines are read as columns (:func:`parse_csv_columns`), then made objects.
    """
    columns = parse_csv_columns(data, mapping)
    return columns.statement(
        bank_code=bank_code,
        branch_code=branch_code,
        account_type=account_type,
        account_number=account_number,
        account_name=account_name,
    )


@dataclass(frozen=True, eq=False)
class CsvColumns:
    """The lines of a net-banking CSV, one array or list per field (texts stay ``str``:
    a CSV may hold any character). ``value_date`` is ``datetime64[D]``; ``deposit`` True
    for 入金; ``balance_after`` holds the balance where ``has_balance`` (0 elsewhere);
    ``line_number`` the physical line in the file."""

    value_date: npt.NDArray[np.datetime64]
    deposit: npt.NDArray[np.bool_]
    amount: npt.NDArray[np.int64]
    balance_after: npt.NDArray[np.int64]
    has_balance: npt.NDArray[np.bool_]
    counterparty: list[str]
    description: list[str]
    reference: list[str]
    line_number: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return len(self.amount)

    @staticmethod
    def of_lines(lines: list[StatementLine]) -> CsvColumns:
        balances = [x.balance_after for x in lines]
        return CsvColumns(
            value_date=np.array([x.value_date for x in lines], dtype="datetime64[D]"),
            deposit=np.array([x.direction is Direction.DEPOSIT for x in lines], dtype=np.bool_),
            amount=np.array([x.amount for x in lines], dtype=np.int64),
            balance_after=np.array([b or 0 for b in balances], dtype=np.int64),
            has_balance=np.array([b is not None for b in balances], dtype=np.bool_),
            counterparty=[x.counterparty for x in lines],
            description=[x.description for x in lines],
            reference=[x.reference for x in lines],
            line_number=np.array([x.line_number for x in lines], dtype=np.int64),
        )

    def lines(self) -> list[StatementLine]:
        """Every line as an object (occurrences not yet numbered: :meth:`statement` does)."""
        n = len(self)
        days, inverse = np.unique(self.value_date, return_inverse=True)
        made = days.astype(object).tolist()  # datetime64[D] → datetime.date
        balances = [
            b if has else None
            for b, has in zip(self.balance_after.tolist(), self.has_balance.tolist(), strict=True)
        ]
        return lines_from_columns(
            n,
            {
                "value_date": map(made.__getitem__, inverse.reshape(-1).tolist()),
                "direction": map(_DIRECTIONS.__getitem__, self.deposit.tolist()),
                "amount": self.amount.tolist(),
                "counterparty": self.counterparty,
                "description": self.description,
                "reference": self.reference,
                "balance_after": balances,
                "line_number": self.line_number.tolist(),
            },
        )

    def statement(self, **account: str | int | None) -> Statement:
        days = self.value_date
        return Statement(
            source=SourceFormat.CSV,
            period_start=days.min().astype(object) if len(days) else None,
            period_end=days.max().astype(object) if len(days) else None,
            lines=tuple(self.lines()),
            **account,  # type: ignore[arg-type]
        )


_DIRECTIONS = (Direction.WITHDRAWAL, Direction.DEPOSIT)  # indexed by the deposit flag


def parse_csv_columns(data: bytes, mapping: CsvMapping) -> CsvColumns:
    """The lines of a net-banking CSV as columns; the errors of :func:`parse_csv`.

    A plain file — no quotes, every record on one line with the same number of cells, dates
    written ``2026-11-01`` (or with ``/`` ``.``), amounts as ASCII digits (a ``-`` in a signed
    column), known direction words — is read column by column; anything else row by row
    (:func:`_parse_rows`), which also finds and reports every problem."""
    text = _decode(data, mapping.encoding)
    try:
        fast = _plain_columns(text, mapping)
    except DomainError:  # e.g. a column missing from the header: the rows say where
        fast = None
    return fast if fast is not None else CsvColumns.of_lines(_parse_rows(text, mapping))


def _parse_rows(text: str, mapping: CsvMapping) -> list[StatementLine]:
    """The reader row by row (the parser before the column-wise one, and its reference)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True)
    lines: list[StatementLine] = []
    cols = _resolve(mapping, [], 1) if mapping.header_rows == 0 else None
    record = 0
    try:
        for row in reader:
            record += 1
            line = reader.line_num
            if record < mapping.header_rows:
                continue
            if cols is None:
                cols = _resolve(mapping, row, line)
                continue
            if not any(cell.strip() for cell in row):
                continue
            lines.append(_parse_row(row, cols, mapping, line))
    except csv.Error as e:
        raise DomainError(
            "csv.bad_syntax", f"CSVの形式が不正です({e})", line=max(reader.line_num, 1)
        ) from None
    if cols is None and text.strip():
        raise DomainError(
            "csv.missing_header", "見出し行が足りません", line=max(reader.line_num, 1)
        )
    return lines


# ---------------------------------------------------------------------------------------
# Column-wise reading of plain files
# ---------------------------------------------------------------------------------------

_FIELD_LIMIT = 131072  # csv's default field size limit: longer cells take the row path
_BLOCK = 1 << 20  # units scanned at a time for the cells' ends
_ROWS = 65536  # text cells are decoded this many at a time (the temporaries stay small)

_Units = npt.NDArray[np.uint16]
_Ints = npt.NDArray[np.int64]
_Bools = npt.NDArray[np.bool_]


def _plain_columns(text: str, mapping: CsvMapping) -> CsvColumns | None:
    """The columns of a plain file (see :func:`parse_csv_columns`), or None.

    The records are read on the text's UTF-16 code units in numpy, with no ``str`` per cell:
    the cell boundaries are where the delimiters and line ends are; dates, amounts and
    direction words are read from fixed-width windows of units at those boundaries; only
    the text columns are made ``str`` (a chunk of cells at a time, joined and split once)."""
    delim = mapping.delimiter
    if delim in '"\r\n' or '"' in text:
        return None
    if not (0 < ord(delim) < 0xD800 or 0xE000 <= ord(delim) <= 0xFFFF):  # one code unit
        return None
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    header = mapping.header_rows
    start = 0  # where the records after the header rows begin
    for _ in range(header):
        end = text.find("\n", start)
        if end < 0:
            return None
        header_line, start = text[start:end], end + 1
    cols = _resolve(mapping, header_line.split(delim) if header else [], max(header, 1))
    closed = text.endswith("\n")  # the last line has its line end
    if start >= len(text) - closed:  # no records
        return None
    # The whole text as UTF-16 code units (the records from unit ``first``): no copy of it
    # without its header.
    units: _Units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype="<u2")
    first = len(text[:start].encode("utf-16-le", "surrogatepass")) // 2
    if not units[first:].all():  # a NUL (numpy finds it faster than str.find)
        return None
    n = text.count("\n", start) + (0 if closed else 1)
    # Every cell ends at a delimiter or a line end (found a block at a time: the temporary
    # masks stay small). There are n line ends (the last one may be the text's end); the
    # lines hold the same number of cells exactly when every width-th end is a line end.
    found = []
    for at in range(first, len(units), _BLOCK):
        block = units[at : at + _BLOCK]
        is_end = block == ord(delim)
        is_end |= block == 0x0A
        found.append(np.flatnonzero(is_end) + at)
    if not closed:
        found.append(np.array([len(units)], dtype=np.int64))
    ends = np.concatenate(found)
    width, rest = divmod(len(ends), n)
    if rest or any(i is not None and i >= width for i in cols.values()):
        return None
    table = ends.reshape(n, width)
    if not (units[table[: n if closed else n - 1, -1]] == 0x0A).all():
        return None

    def bounds(i: int) -> tuple[_Ints, _Ints]:
        """Where the cells of column i begin and end (exclusive), in units."""
        if i:
            return table[:, i - 1] + 1, table[:, i]
        begin = np.empty(n, dtype=np.int64)
        begin[0] = first
        begin[1:] = table[:-1, -1] + 1
        return begin, table[:, i]

    # csv refuses a cell longer than its field limit: the row path reports it. (Dates and
    # amounts are checked to be short below. A cell's units are at least its characters.)
    free = set(range(width)) - {cols[k] for k in ("date", "amount", "deposit", "withdrawal")}
    for i in free:
        begin, stop = bounds(i)
        if int((stop - begin).max()) > _FIELD_LIMIT:
            return None

    def column(key: str) -> tuple[_Ints, _Ints] | None:
        i = cols[key]
        return None if i is None else bounds(i)

    def numbers(key: str, *, signed: bool) -> tuple[_Ints, _Bools] | None:
        where = column(key)
        if where is None:  # no such column: every cell empty
            return np.zeros(n, dtype=np.int64), np.ones(n, dtype=np.bool_)
        return _digit_values(units, *where, signed=signed)

    def texts(key: str) -> list[str]:
        where = column(key)
        return list(repeat("", n)) if where is None else _stripped_texts(units, *where)

    days = _iso_days(units, *bounds(cols["date"]))  # type: ignore[arg-type]
    if days is None:
        return None
    balance_after, has_balance = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.bool_)
    if cols["balance"] is not None:
        read = numbers("balance", signed=True)
        if read is None:
            return None
        balance_after, empty = read
        has_balance = ~empty
    if mapping.amount_column is None:
        dep = numbers("deposit", signed=False)
        wd = numbers("withdrawal", signed=False)
        if dep is None or wd is None or ((dep[0] > 0) == (wd[0] > 0)).any():
            return None
        deposit = dep[0] > 0
        amount = np.where(deposit, dep[0], wd[0])
    else:
        read = numbers("amount", signed=mapping.direction_column is None)
        if read is None or read[1].any() or not read[0].all():
            return None
        value = read[0]
        if mapping.direction_column is not None:
            flags = _direction_flags(units, *bounds(cols["direction"]))  # type: ignore[arg-type]
            if flags is None:
                return None
            deposit = flags
        else:
            positive_is_deposit = mapping.sign is SignConvention.POSITIVE_IS_DEPOSIT
            deposit = (value > 0) == positive_is_deposit
        amount = np.abs(value)
    return CsvColumns(
        value_date=days,
        deposit=deposit,
        amount=amount,
        balance_after=balance_after,
        has_balance=has_balance,
        counterparty=texts("counterparty"),
        description=texts("description"),
        reference=texts("reference"),
        line_number=np.arange(header + 1, header + 1 + n, dtype=np.int64),
    )


def _windows(units: _Units, starts: _Ints, size: int) -> _Units:
    """The ``size`` units from each of ``starts``, as an (n, size) array (a copy); units
    before the text's start or past its end read as 0 (the text holds no NUL)."""
    if len(units) < size:
        units = np.concatenate([units, np.zeros(size, dtype=np.uint16)])
    inside = np.clip(starts, 0, len(units) - size)
    result: _Units = np.lib.stride_tricks.sliding_window_view(units, size)[inside]
    for r in np.flatnonzero(inside != starts).tolist():  # a cell at the text's very ends
        s = int(starts[r])
        result[r] = [units[s + k] if 0 <= s + k < len(units) else 0 for k in range(size)]
    return result


def _first_units(units: _Units, starts: _Ints) -> _Units:
    """The unit at each of ``starts`` (0 past the text's end: an empty last cell)."""
    result: _Units = units[np.minimum(starts, len(units) - 1)]
    result[starts >= len(units)] = 0
    return result


def _iso_days(units: _Units, begin: _Ints, stop: _Ints) -> npt.NDArray[np.datetime64] | None:
    """Dates written ``YYYY-MM-DD`` (``/`` or ``.`` between, as :func:`parse_jp_date`'s
    common case reads them) as ``datetime64[D]``, or None if any is not such a real date."""
    if not ((stop - begin) == 10).all():
        return None
    text = _windows(units, begin, 10)
    digits = text[:, [0, 1, 2, 3, 5, 6, 8, 9]] - np.uint16(0x30)
    seps = text[:, [4, 7]]
    if not (
        (digits < 10).all()  # (a unit below "0" wraps around to a large one)
        and ((seps == 0x2D) | (seps == 0x2F) | (seps == 0x2E)).all()
    ):
        return None
    d = digits.astype(np.int32)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 4] * 10 + d[:, 5]
    day = d[:, 6] * 10 + d[:, 7]
    if not ((year >= 1).all() and (month >= 1).all() and (month <= 12).all() and (day >= 1).all()):
        return None
    # Each month's first day from a table of the months the file spans (numpy's own
    # conversions between months and days work out the calendar for every element).
    months = (year - 1970) * 12 + month - 1
    low, high = int(months.min()), int(months.max())
    starts = np.arange(low, high + 2).astype("datetime64[M]").astype("datetime64[D]")
    first = starts.astype(np.int64)
    at = months - low
    if not (day <= (first[1:] - first[:-1])[at]).all():  # 31 November and the like
        return None
    result: npt.NDArray[np.datetime64] = (first[at] + (day - 1)).astype("datetime64[D]")
    return result


def _digit_values(
    units: _Units, begin: _Ints, stop: _Ints, *, signed: bool
) -> tuple[_Ints, _Bools] | None:
    """Cells of ASCII digits (a leading ``-`` when ``signed``; empty allowed) as int64 and
    which were empty, or None when any is something else, longer than 16 digits or beyond
    :data:`AMOUNT_MAX`."""
    negative = None
    if signed:
        negative = (_first_units(units, begin) == 0x2D) & (stop > begin)
        if negative.any():
            begin = begin + negative
        else:
            negative = None
    length = stop - begin
    width = int(length.max())
    empty = length == 0
    if width > 16:
        return None
    values = np.zeros(len(begin), dtype=np.int64)
    if width:
        # Each cell right-aligned in a window of the longest cell's width; what lies before
        # a shorter cell counts as zeros.
        digits = _windows(units, stop - width, width) - np.uint16(0x30)
        digits[np.arange(width) < (width - length)[:, None]] = 0
        if not (digits < 10).all():
            return None
        for k in range(width):  # (numpy's integer matmul is several times slower)
            values *= 10
            values += digits[:, k]
    if (values > AMOUNT_MAX).any() or (negative is not None and (negative & empty).any()):
        return None
    return (np.where(negative, -values, values) if negative is not None else values), empty


def _cell_texts(units: _Units, begin: _Ints, stop: _Ints) -> list[str]:
    """The cells as ``str``: a chunk of cells gathered with a line end after each, decoded
    and split at once."""
    out: list[str] = []
    for at in range(0, len(begin), _ROWS):
        b, e = begin[at : at + _ROWS], stop[at : at + _ROWS]
        size = e - b + 1  # the cell and one more unit: its delimiter or line end
        first = np.cumsum(size) - size  # where each cell begins in the chunk's text
        # (The unit after the last cell is past the text when it has no final line end.)
        index = np.repeat(b - first, size) + np.arange(int(size.sum()))
        gathered = units[np.minimum(index, len(units) - 1)]
        gathered[first + size - 1] = 0x0A
        parts = gathered.tobytes().decode("utf-16-le", "surrogatepass").split("\n")
        parts.pop()
        out += parts
    return out


# Code units that str.strip() removes (whitespace; no character beyond the BMP is).
_SPACE_UNITS = np.array([chr(u).isspace() for u in range(0x10000)], dtype=np.bool_)


def _stripped_texts(units: _Units, begin: _Ints, stop: _Ints) -> list[str]:
    """:func:`_cell_texts`, each ``str.strip``-ped (only those that begin or end with
    whitespace)."""
    texts = _cell_texts(units, begin, stop)
    last = _first_units(units, np.maximum(stop - 1, 0))
    spaced = (stop > begin) & (_SPACE_UNITS[_first_units(units, begin)] | _SPACE_UNITS[last])
    for i in np.flatnonzero(spaced).tolist():
        texts[i] = texts[i].strip()
    return texts


# Direction cells are told apart by their first units, when every cell is that short;
# worked out one distinct cell at a time while there are few.
_WORD_UNITS = 4
_WORDS_MAX = 16


def _direction_flags(units: _Units, begin: _Ints, stop: _Ints) -> _Bools | None:
    """Each direction cell as True (入金) / False (出金), or None if one is not a known word."""
    length = stop - begin
    if int(length.max()) <= _WORD_UNITS:
        cells = _windows(units, begin, _WORD_UNITS)
        cells[np.arange(_WORD_UNITS) >= length[:, None]] = 0  # (the text holds no NUL)
        keys = cells.view(np.uint64)[:, 0]
        deposit = np.zeros(len(begin), dtype=np.bool_)
        todo = np.ones(len(begin), dtype=np.bool_)
        for _ in range(_WORDS_MAX):
            i = int(np.argmax(todo))
            if not todo[i]:
                return deposit
            cell = units[begin[i] : stop[i]].tobytes().decode("utf-16-le", "surrogatepass")
            word = _DIRECTION_WORDS[cell]
            if word is None:
                return None
            same = keys == keys[i]
            deposit[same] = word
            todo &= ~same
    words = list(map(_DIRECTION_WORDS.__getitem__, _cell_texts(units, begin, stop)))
    if None in words:
        return None
    return np.array(words, dtype=np.bool_)


class _DirectionWords(dict[str, "bool | None"]):
    """Direction cell → True (入金) / False (出金) / None (not a direction word), as
    :func:`_parse_row` reads it, worked out once per distinct cell."""

    _MAX = 4096

    def __missing__(self, cell: str) -> bool | None:
        word = unicodedata.normalize("NFKC", cell.strip()).strip().upper()
        value = True if word in _DEPOSIT_WORDS else False if word in _WITHDRAWAL_WORDS else None
        if len(self) < self._MAX:
            self[cell] = value
        return value


_DIRECTION_WORDS = _DirectionWords()


def _column_name(mapping: CsvMapping, key: str) -> str:
    col: Column | None = getattr(mapping, f"{key}_column")
    return str(col)


def _parse_row(
    row: list[str], cols: dict[str, int | None], mapping: CsvMapping, line: int
) -> StatementLine:
    def cell(key: str) -> str:
        i = cols[key]
        return row[i].strip() if i is not None and i < len(row) else ""

    def name(key: str) -> str:
        return _column_name(mapping, key)

    raw_date = cell("date")
    if not raw_date:
        raise DomainError("csv.missing_date", "日付が空です", field=name("date"), line=line)
    value_date = parse_jp_date(raw_date, field=name("date"), line=line)

    if mapping.amount_column is None:
        dep = parse_amount(cell("deposit"), field=name("deposit"), line=line) or 0
        wd = parse_amount(cell("withdrawal"), field=name("withdrawal"), line=line) or 0
        if dep < 0 or wd < 0:
            bad = "deposit" if dep < 0 else "withdrawal"
            raise DomainError("csv.bad_amount", "金額がマイナスです", field=name(bad), line=line)
        if (dep > 0) == (wd > 0):
            raise DomainError(
                "csv.bad_amount",
                "入金額と出金額のどちらか一方だけを書いてください",
                field=name("deposit" if mapping.deposit_column is not None else "withdrawal"),
                line=line,
            )
        direction = Direction.DEPOSIT if dep > 0 else Direction.WITHDRAWAL
        amount = dep or wd
    else:
        value = parse_amount(cell("amount"), field=name("amount"), line=line)
        if not value:
            raise DomainError("csv.bad_amount", "金額が空か0です", field=name("amount"), line=line)
        if mapping.direction_column is not None:
            if value < 0:
                raise DomainError(
                    "csv.bad_amount", "金額がマイナスです", field=name("amount"), line=line
                )
            word = unicodedata.normalize("NFKC", cell("direction")).strip().upper()
            if word in _DEPOSIT_WORDS:
                direction = Direction.DEPOSIT
            elif word in _WITHDRAWAL_WORDS:
                direction = Direction.WITHDRAWAL
            else:
                raise DomainError(
                    "csv.bad_direction",
                    f"入出金区分「{cell('direction')}」が不明です(入金/出金)",
                    field=name("direction"),
                    line=line,
                )
        else:
            positive = Direction.DEPOSIT
            if mapping.sign is SignConvention.POSITIVE_IS_WITHDRAWAL:
                positive = Direction.WITHDRAWAL
            negative = Direction.WITHDRAWAL if positive is Direction.DEPOSIT else Direction.DEPOSIT
            direction = positive if value > 0 else negative
        amount = abs(value)

    balance = (
        parse_amount(cell("balance"), field=name("balance"), line=line)
        if cols["balance"] is not None
        else None
    )
    return StatementLine(
        value_date=value_date,
        direction=direction,
        amount=amount,
        counterparty=cell("counterparty"),
        description=cell("description"),
        reference=cell("reference"),
        balance_after=balance,
        line_number=line,
    )
