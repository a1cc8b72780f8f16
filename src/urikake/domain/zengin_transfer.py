"""全銀協規定形式 総合振込 (種別コード 21) files: write and parse.

Layout: /work/shared/FORMATS.md ("Zengin bulk transfer"), as published by banks, e.g.
群馬銀行「全銀協制定ファイルフォーマット【総合振込】」(120 bytes, +CRLF = 122; N right-aligned
zero-filled, C left-aligned space-filled), mirrored at
https://expydoc.com/doc/11700435/ .

Records: header 1, data 2…, trailer 8, end 9. Text is JIS X0201, written with cp932.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import compress, repeat

import numpy as np
import numpy.typing as npt

from urikake.domain.bank_codes import find_bank, find_branch
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import (
    AccountType,
    parse_account_number,
    parse_bank_code,
    parse_branch_code,
)
from urikake.domain.zengin_charset import to_zengin, truncate_zengin
from urikake.domain.zengin_columnar import (
    U8,
    Bools,
    Ints,
    bulk_zengin_names,
    put_digits,
    put_right_digits,
)

RECORD_LENGTH = 120
MAX_AMOUNT = 9_999_999_999
MAX_TOTAL = 999_999_999_999
MAX_COUNT = 999_999


@dataclass(frozen=True, slots=True)
class Originator:
    """振込依頼人 (the header record)."""

    requester_code: str
    requester_name: str
    bank_code: str
    branch_code: str
    account_type: AccountType
    account_number: str
    bank_name: str | None = None
    branch_name: str | None = None


@dataclass(frozen=True, slots=True)
class Transfer:
    """One 振込 (a data record)."""

    bank_code: str
    branch_code: str
    account_type: AccountType
    account_number: str
    holder_name: str
    amount: int
    customer_code: str | None = None
    edi: str | None = None


class TransferFileError(DomainError):
    """Every problem found in a transfer file at once (no file is written)."""

    def __init__(self, problems: list[DomainError]) -> None:
        self.problems = problems
        lines = "\n".join(str(p) for p in problems)
        super().__init__(
            "zengin_transfer.invalid", f"振込データに{len(problems)}件の誤りがあります\n{lines}"
        )


def _n(value: int | str, width: int) -> str:
    s = str(value)
    if not s.isascii() or not s.isdigit() or len(s) > width:
        raise ValueError(f"N{width}: {value!r}")
    return s.zfill(width)


def _c(value: str, width: int) -> str:
    return truncate_zengin(value, width).ljust(width)


def _name(text: str, width: int, field: str) -> str:
    return truncate_zengin(to_zengin(text, abbreviate_legal_form=True, field=field), width)


# 受取人名 in a data record: 30 characters; longer names are cut as banks cut them.
HOLDER_NAME_WIDTH = 30

_bank_cache: dict[str, str] = {}
_branch_cache: dict[tuple[str, str], str] = {}


def _bank_kana(code: str) -> str:
    if code not in _bank_cache:
        info = find_bank(code)
        _bank_cache[code] = _name(info.kana, 15, "bank_name") if info else ""
    return _bank_cache[code]


def _branch_kana(bank: str, branch: str) -> str:
    key = (bank, branch)
    if key not in _branch_cache:
        info = find_branch(bank, branch)
        _branch_cache[key] = _name(info.kana, 15, "branch_name") if info else ""
    return _branch_cache[key]


def _at(err: DomainError, line: int) -> DomainError:
    err.line = line
    return err


def _customer_code(code: str | None, line: int) -> str:
    if code is None or code == "":
        return "0" * 10
    if not (code.isascii() and code.isdigit() and len(code) <= 10):
        raise DomainError(
            "customer_code.format",
            "顧客コードは10桁以内の数字です",
            field="customer_code",
            line=line,
        )
    return code.zfill(10)


# Caches of the fast path (_data_record_fast): values already checked and formatted. Payout
# files repeat banks, branches and payees; a bound keeps hostile input from growing them.
_CACHE_LIMIT = 200_000
_bank_fields: dict[tuple[str, str], str] = {}  # (bank, branch) as given → record[1:38]
_holder_fields: dict[str, str] = {}  # holder name as given → the 30-character field
_ACCOUNT_DIGIT = {t: str(int(t)) for t in AccountType}
_NO_CODES = "0" * 20 + "7 " + " " * 7  # no customer code, no EDI: record[91:120]


def _data_record_fast(t: Transfer) -> str | None:
    """The record of a plain transfer from cached, already checked fields, or None when any
    field is new or unusual (then :func:`_data_record` checks and formats it, and reports
    every problem). Byte-identical to it: a unit test compares the two on many transfers."""
    bank = _bank_fields.get((t.bank_code, t.branch_code))
    holder = _holder_fields.get(t.holder_name)
    account, amount, customer = t.account_number, t.amount, t.customer_code
    if customer:
        if not (customer.isascii() and customer.isdigit() and len(customer) <= 10):
            return None
        codes = f"{customer:0>10}{_NO_CODES[10:]}"
    else:
        codes = _NO_CODES
    if (
        bank is None
        or holder is None
        or t.edi
        or type(amount) is not int
        or not 0 < amount <= MAX_AMOUNT
        or not (account.isascii() and account.isdigit() and len(account) <= 7)
        or not account.strip("0")
    ):
        return None
    kind = _ACCOUNT_DIGIT.get(t.account_type)
    if kind is None:
        return None
    return f"2{bank}0000{kind}{account.zfill(7)}{holder}{amount:010d}0{codes}"


def _remember(t: Transfer, record: str) -> None:
    """Cache the checked fields of a record :func:`_data_record` wrote."""
    if len(_bank_fields) >= _CACHE_LIMIT:
        _bank_fields.clear()
    if len(_holder_fields) >= _CACHE_LIMIT:
        _holder_fields.clear()
    _bank_fields[(t.bank_code, t.branch_code)] = record[1:38]
    _holder_fields[t.holder_name] = record[50:80]


def _bank_field(bank: str, branch: str) -> bytes | None:
    """record[1:38] (被仕向銀行番号・銀行名・支店番号・支店名) as :func:`_data_record` writes
    it, or None when either code does not check out (that path then reports it)."""
    try:
        b, br = parse_bank_code(bank), parse_branch_code(branch)
    except DomainError:
        return None
    return (b + _c(_bank_kana(b), 15) + br + _c(_branch_kana(b, br), 15)).encode("cp932")


_ACCOUNT_BYTE: dict[AccountType | int, int] = {t: ord(str(int(t))) for t in AccountType}


def _data_record(t: Transfer, line: int, problems: list[DomainError]) -> str | None:
    before = len(problems)
    fields: dict[str, str] = {}
    for key, parse in (
        ("bank_code", parse_bank_code),
        ("branch_code", parse_branch_code),
        ("account_number", parse_account_number),
    ):
        try:
            fields[key] = parse(getattr(t, key))
        except DomainError as e:
            problems.append(_at(e, line))
    try:
        holder = _name(t.holder_name, HOLDER_NAME_WIDTH, "holder_name")
        if not holder:
            raise DomainError(
                "holder_name.required", "受取人名を入力してください", field="holder_name"
            )
    except DomainError as e:
        problems.append(_at(e, line))
    if (
        isinstance(t.amount, bool)
        or not isinstance(t.amount, int)
        or not 0 < t.amount <= MAX_AMOUNT
    ):
        problems.append(
            DomainError(
                "amount.range",
                "振込金額は1円以上9,999,999,999円以下です",
                field="amount",
                line=line,
            )
        )
    try:
        customer = _customer_code(t.customer_code, line)
    except DomainError as e:
        problems.append(e)
    edi = None
    if t.edi:
        try:
            edi = to_zengin(t.edi, field="edi")
            if len(edi) > 20:
                raise DomainError("edi.too_long", "EDI情報は20文字以内です", field="edi")
        except DomainError as e:
            problems.append(_at(e, line))
    if len(problems) > before:
        return None
    bank, branch = fields["bank_code"], fields["branch_code"]
    if edi is not None:
        codes, flag = edi.ljust(20), "Y"
    else:
        codes, flag = customer + "0" * 10, " "
    return (
        "2"
        + bank
        + _c(_bank_kana(bank), 15)
        + branch
        + _c(_branch_kana(bank, branch), 15)
        + "0000"
        + _n(int(t.account_type), 1)
        + fields["account_number"]
        + _c(holder, HOLDER_NAME_WIDTH)
        + _n(t.amount, 10)
        + "0"
        + codes
        + "7"
        + flag
        + " " * 7
    )


def _header(o: Originator, transfer_date: date, problems: list[DomainError]) -> str | None:
    before = len(problems)
    if not (
        o.requester_code.isascii() and o.requester_code.isdigit() and len(o.requester_code) <= 10
    ):
        problems.append(
            DomainError(
                "requester_code.format",
                "依頼人コードは10桁以内の数字です",
                field="requester_code",
                line=1,
            )
        )
    parsed: dict[str, str] = {}
    for key, parse in (
        ("bank_code", parse_bank_code),
        ("branch_code", parse_branch_code),
        ("account_number", parse_account_number),
    ):
        try:
            parsed[key] = parse(getattr(o, key))
        except DomainError as e:
            problems.append(_at(e, 1))
    try:
        name = _name(o.requester_name, 40, "requester_name")
        if not name:
            raise DomainError(
                "requester_name.required", "依頼人名を入力してください", field="requester_name"
            )
        bank_name = _name(o.bank_name, 15, "bank_name") if o.bank_name else None
        branch_name = _name(o.branch_name, 15, "branch_name") if o.branch_name else None
    except DomainError as e:
        problems.append(_at(e, 1))
    if len(problems) > before:
        return None
    bank, branch = parsed["bank_code"], parsed["branch_code"]
    return (
        "1210"
        + o.requester_code.zfill(10)
        + _c(name, 40)
        + f"{transfer_date.month:02d}{transfer_date.day:02d}"
        + bank
        + _c(bank_name if bank_name is not None else _bank_kana(bank), 15)
        + branch
        + _c(branch_name if branch_name is not None else _branch_kana(bank, branch), 15)
        + _n(int(o.account_type), 1)
        + parsed["account_number"]
        + " " * 17
    )


def write_transfer_file_per_record(
    originator: Originator,
    transfers: Iterable[Transfer],
    *,
    transfer_date: date,
    newline: bytes = b"\r\n",
) -> bytes:
    """The writer record by record (the implementation before the column-wise one): kept as
    the reference that :func:`write_transfer_file` must equal byte for byte (a property test
    compares the two on random transfers, errors included)."""
    problems: list[DomainError] = []
    header = _header(originator, transfer_date, problems)
    transfers = transfers if isinstance(transfers, list | tuple) else list(transfers)
    count = len(transfers)
    # Known payees and banks first, from the caches; the rest checked and formatted in full.
    maybe = [_data_record_fast(t) for t in transfers]
    if None in maybe:
        for i, rec in enumerate(maybe):
            if rec is None:
                t = transfers[i]
                rec = maybe[i] = _data_record(t, i + 2, problems)
                if rec is not None:
                    _remember(t, rec)
    if problems:
        total = sum(t.amount for t, r in zip(transfers, maybe, strict=True) if r is not None)
    else:
        total = sum(t.amount for t in transfers)
    records = [r for r in maybe if r is not None]
    if count == 0:
        problems.append(DomainError("zengin_transfer.empty", "振込データが1件もありません"))
    if count > MAX_COUNT or total > MAX_TOTAL:
        problems.append(
            DomainError("zengin_transfer.too_large", "件数または合計金額が上限を超えます")
        )
    if problems or header is None:
        raise TransferFileError(problems)
    trailer = "8" + _n(count, 6) + _n(total, 12) + " " * 101
    end = "9" + " " * 119
    nl = newline.decode("ascii")
    text = nl.join([header, *records, trailer, end]) + nl
    return text.encode("cp932")


@dataclass(frozen=True)
class TransferColumns:
    """Transfers as columns, one sequence per :class:`Transfer` field: what the column-wise
    writer reads (e.g. filled straight from a database query's rows, no object per row).

    ``account_type`` may be :class:`AccountType` members or their int codes (a list or an
    integer numpy array); ``amount`` ints (a list or an int64 array). ``customer_code`` and
    ``edi`` may be None for "none on any row". A row is written exactly as the
    :class:`Transfer` of the same fields (:meth:`transfer`), errors included."""

    bank_code: Sequence[str]
    branch_code: Sequence[str]
    account_type: Sequence[AccountType | int] | npt.NDArray[np.integer]
    account_number: Sequence[str]
    holder_name: Sequence[str]
    amount: Sequence[int] | npt.NDArray[np.integer]
    customer_code: Sequence[str | None] | None = None
    edi: Sequence[str | None] | None = None

    def __post_init__(self) -> None:
        sizes = {
            len(c)
            for c in (
                self.bank_code,
                self.branch_code,
                self.account_type,
                self.account_number,
                self.holder_name,
                self.amount,
                *(c for c in (self.customer_code, self.edi) if c is not None),
            )
        }
        if len(sizes) > 1:
            raise ValueError(f"TransferColumns: columns of different lengths {sorted(sizes)}")

    def __len__(self) -> int:
        return len(self.bank_code)

    @staticmethod
    def of(transfers: Iterable[Transfer]) -> TransferColumns:
        """The columns of some :class:`Transfer` objects."""
        ts = transfers if isinstance(transfers, list | tuple) else list(transfers)
        return TransferColumns(
            bank_code=[t.bank_code for t in ts],
            branch_code=[t.branch_code for t in ts],
            account_type=[t.account_type for t in ts],
            account_number=[t.account_number for t in ts],
            holder_name=[t.holder_name for t in ts],
            amount=[t.amount for t in ts],
            customer_code=[t.customer_code for t in ts],
            edi=[t.edi for t in ts],
        )

    def rows(self, start: int, stop: int) -> TransferColumns:
        """Rows ``start`` to ``stop`` (a slice of every column)."""
        part = slice(start, stop)
        return TransferColumns(
            bank_code=self.bank_code[part],
            branch_code=self.branch_code[part],
            account_type=self.account_type[part],
            account_number=self.account_number[part],
            holder_name=self.holder_name[part],
            amount=self.amount[part],
            customer_code=None if self.customer_code is None else self.customer_code[part],
            edi=None if self.edi is None else self.edi[part],
        )

    def transfer(self, i: int) -> Transfer:
        """Row ``i`` as a :class:`Transfer` (numpy scalars as Python ints)."""
        kind = self.account_type[i]
        amount = self.amount[i]
        return Transfer(
            bank_code=self.bank_code[i],
            branch_code=self.branch_code[i],
            account_type=kind.item() if isinstance(kind, np.generic) else kind,  # type: ignore[arg-type]
            account_number=self.account_number[i],
            holder_name=self.holder_name[i],
            amount=amount.item() if isinstance(amount, np.generic) else amount,
            customer_code=None if self.customer_code is None else self.customer_code[i],
            edi=None if self.edi is None else self.edi[i],
        )


_DATA_TEMPLATE = np.frombuffer(
    ("2" + " " * 37 + "0000" + " " * 48 + "0" + "0" * 20 + "7" + " " * 8).encode("ascii"),
    dtype=np.uint8,
)

# 預金種目 code → its digit byte (0: not a 預金種目 the fast path writes).
_KIND_BYTES = np.zeros(10, dtype=np.uint8)
for _kind in AccountType:
    _KIND_BYTES[int(_kind)] = ord(str(int(_kind)))


def _kind_bytes(kinds: Sequence[AccountType | int] | npt.NDArray[np.integer]) -> U8:
    if isinstance(kinds, np.ndarray) and np.issubdtype(kinds.dtype, np.integer):
        codes = kinds.astype(np.int64)
        inside = (codes >= 0) & (codes < len(_KIND_BYTES))
        result: U8 = np.where(inside, _KIND_BYTES[np.where(inside, codes, 0)], 0).astype(np.uint8)
        return result
    # AccountType is an IntEnum: its members and their int codes hash alike.
    return np.array(list(map(_ACCOUNT_BYTE.get, kinds, repeat(0))), dtype=np.uint8)


def _amount_values(amounts: Sequence[int] | npt.NDArray[np.integer]) -> tuple[Ints, bool]:
    """The amounts as int64 (0 where one is not an int in range: the per-record path
    reports it), and whether every amount was an int64 that fits."""
    if isinstance(amounts, np.ndarray):
        if np.issubdtype(amounts.dtype, np.integer) and amounts.dtype != np.uint64:
            values = amounts.astype(np.int64)
        else:
            return _amount_values(amounts.tolist())
    elif set(map(type, amounts)) <= {int}:  # not bool, Decimal or float: those take the path
        try:
            values = np.array(amounts, dtype=np.int64)
        except OverflowError:
            values = np.array([a if 0 < a <= MAX_AMOUNT else 0 for a in amounts], np.int64)
    else:
        values = np.array(
            [a if type(a) is int and 0 < a <= MAX_AMOUNT else 0 for a in amounts], np.int64
        )
    values[(values <= 0) | (values > MAX_AMOUNT)] = 0
    return values, bool(values.all())


def _digit_codes(codes: Sequence[str], width: int) -> Ints | None:
    """Codes that are all ``width`` ASCII digits as ints, or None.

    One join with line ends and one reshape: the text is then every code's digits, each
    followed by a line end, exactly when the line ends fall every ``width + 1`` bytes."""
    joined = "\n".join(codes) + "\n"
    if len(joined) != len(codes) * (width + 1) or not joined.isascii():
        return None
    text = np.frombuffer(joined.encode("ascii"), dtype=np.uint8).reshape(-1, width + 1)
    digits = text[:, :width] - np.uint8(0x30)
    if not ((text[:, width] == 0x0A).all() and (digits < 10).all()):
        return None
    result: Ints = digits[:, 0].astype(np.int64)
    for k in range(1, width):  # in place: a new array per step cost more than the sums
        result *= 10
        result += digits[:, k]
    return result


def _bank_pairs(
    banks: Sequence[str], branches: Sequence[str]
) -> tuple[Ints, list[tuple[str, str]]]:
    """Each row's (bank, branch) as an index into the distinct pairs, and those pairs.

    Column-wise when every code is 4 / 3 ASCII digits (the pair as one number below 10⁷,
    distinct ones found with a table); by dictionaries otherwise."""
    n = len(banks)
    bank_ints, branch_ints = _digit_codes(banks, 4), _digit_codes(branches, 3)
    if bank_ints is not None and branch_ints is not None:
        key = bank_ints * 1000 + branch_ints
        seen = np.zeros(10**7, dtype=np.bool_)
        seen[key] = True
        distinct = np.flatnonzero(seen)
        index = np.zeros(10**7, dtype=np.int64)
        index[distinct] = np.arange(len(distinct))
        pairs = [(f"{k // 1000:04d}", f"{k % 1000:03d}") for k in distinct.tolist()]
        return index[key], pairs
    bank_ids = {b: i for i, b in enumerate(dict.fromkeys(banks))}
    branch_ids = {b: i for i, b in enumerate(dict.fromkeys(branches))}
    code = np.fromiter(map(bank_ids.__getitem__, banks), np.int64, n) * len(branch_ids)
    code += np.fromiter(map(branch_ids.__getitem__, branches), np.int64, n)
    used, pair = np.unique(code, return_inverse=True)
    bank_list, branch_list = list(bank_ids), list(branch_ids)
    return pair.reshape(-1), [
        (bank_list[c // len(branch_ids)], branch_list[c % len(branch_ids)]) for c in used.tolist()
    ]


@dataclass(frozen=True)
class _BankFields:
    """record[1:38] of every row: each row's (bank, branch) pair as an index into the
    distinct pairs' fields, and whether the pair checks out (worked out once for the whole
    file: the pairs are few, and their table is scanned once, not once per chunk)."""

    pair: Ints
    fields: U8  # (pairs, 37): each pair's field as _data_record writes it
    ok: Bools  # the pair's codes check out

    @staticmethod
    def of(banks: Sequence[str], branches: Sequence[str]) -> _BankFields:
        pair, field_of = _bank_pairs(banks, branches)
        fields = np.full((len(field_of), 37), 0x20, dtype=np.uint8)
        ok = np.zeros(len(field_of), dtype=np.bool_)
        for p, (bank, branch) in enumerate(field_of):
            field = _bank_field(bank, branch)
            if field is not None:
                fields[p] = np.frombuffer(field, dtype=np.uint8)
                ok[p] = True
        return _BankFields(pair, fields, ok)


def _plain_rows(
    columns: TransferColumns, banks: _BankFields, pair: Ints, out: U8
) -> tuple[Bools, Ints]:
    """Data records of every plain transfer, column by column, and which rows were written.

    A row is left to the per-record path (:func:`_data_record`, which formats or reports it)
    when anything about it is out of the ordinary: a bank or branch code or a holder name
    that does not check out, an account number that is not 1–7 ASCII digits (or all zeros),
    an amount out of range or not an ``int``, a customer code that is not ASCII digits, an
    EDI text, or an unknown 預金種目. Every field written here is what that path writes.
    Writes into ``out`` (N rows of at least 120 bytes, the fixed fields of
    ``_DATA_TEMPLATE`` already there: only the varying fields are written); ``pair`` is
    the rows' index into ``banks``. Returns which rows were written and the amounts (0 for
    a row left to the per-record path).
    """
    n = len(columns)
    # Rows of 37 bytes as single items: numpy copies each with one move.
    row = np.dtype((np.void, 37))
    np.take(banks.fields.view(row).reshape(-1), pair, out=out[:, 1:38].view(row)[:, 0], mode="clip")
    ok = banks.ok[pair]
    kinds = _kind_bytes(columns.account_type)
    out[:, 42] = kinds
    ok &= kinds != 0
    ok &= put_right_digits(out, 43, 7, columns.account_number)
    # Not empty, not all zeros: the 7 digits and a "0" as one 8-byte word (a reduction along
    # rows of 7 bytes costs numpy a loop per row).
    account = np.full((n, 8), 0x30, dtype=np.uint8)
    account[:, :7] = out[:, 43:50]
    ok &= account.view(np.uint64)[:, 0] != np.uint64(0x3030303030303030)
    _, named = bulk_zengin_names(columns.holder_name, HOLDER_NAME_WIDTH, out[:, 50:80])
    ok &= named
    values, _ = _amount_values(columns.amount)
    ok &= values > 0
    put_digits(out, 80, 10, values)
    out[:, 91:101] = 0x30  # 顧客コード1: zeros unless given
    if columns.customer_code is not None:
        # Only the rows with a code (None and "" leave zeros), found in C.
        codes = columns.customer_code
        given = np.fromiter(compress(range(n), codes), np.int64)
        if given.size:
            code_fields = np.empty((len(given), 10), dtype=np.uint8)
            written = put_right_digits(code_fields, 0, 10, list(filter(None, codes)))
            out[given, 91:101] = code_fields
            ok[given] &= written
    if columns.edi is not None:
        ok[np.fromiter(compress(range(n), columns.edi), np.int64)] = False
    return ok, values


# Records formatted a chunk at a time into one reused buffer, then appended to the file's
# bytes: a chunk (≈ 4 MB, as many rows as a block of names) stays in the processor's caches
# while every field is written into it, the temporary arrays stay small, and the file is
# built in one buffer of its own size (a buffer of every record and then its copy as bytes
# made the first call at a million records pay the kernel for twice the file's pages).
_CHUNK = 32768


def write_transfer_file(
    originator: Originator,
    transfers: Iterable[Transfer],
    *,
    transfer_date: date,
    newline: bytes = b"\r\n",
) -> bytes:
    """The bytes of a 総合振込 file; same input → same bytes.

    Raises :class:`TransferFileError` listing every problem (line = record number in the
    file: header 1, first transfer 2, …). The transfers are written as columns
    (:func:`write_transfer_columns`, the same bytes and errors).
    """
    return write_transfer_columns(
        originator, TransferColumns.of(transfers), transfer_date=transfer_date, newline=newline
    )


def write_transfer_columns(
    originator: Originator,
    columns: TransferColumns,
    *,
    transfer_date: date,
    newline: bytes = b"\r\n",
) -> bytes:
    """:func:`write_transfer_file` of transfers given as columns.

    Plain transfers are formatted column by column (:func:`_plain_rows`); the rest record
    by record (the row's :class:`Transfer`), which also finds every problem.
    """
    problems: list[DomainError] = []
    header = _header(originator, transfer_date, problems)
    count = len(columns)
    file = io.BytesIO()
    if header is not None:
        file.write(_record_bytes(header) + newline)
    banks = _BankFields.of(columns.bank_code, columns.branch_code)
    chunk = np.empty((min(count, _CHUNK), RECORD_LENGTH + len(newline)), dtype=np.uint8)
    chunk[:, :RECORD_LENGTH] = _DATA_TEMPLATE
    chunk[:, RECORD_LENGTH:] = np.frombuffer(newline, dtype=np.uint8)
    total = 0  # Σ of the written rows (values < 10¹⁰, at most 10⁶ rows: no int64 overflow)
    odd = np.empty(0, dtype=np.int64)  # rows of the last chunk written record by record
    for start in range(0, count, _CHUNK):
        stop = min(start + _CHUNK, count)
        rows = chunk[: stop - start]
        chunk[odd, :RECORD_LENGTH] = _DATA_TEMPLATE  # their fixed fields may differ
        plain, values = _plain_rows(columns.rows(start, stop), banks, banks.pair[start:stop], rows)
        total += int(values[plain].sum())
        odd = np.flatnonzero(~plain)
        for i in odd.tolist():
            t = columns.transfer(start + i)
            rec = _data_record(t, start + i + 2, problems)
            if rec is not None:
                rows[i, :RECORD_LENGTH] = np.frombuffer(rec.encode("cp932"), dtype=np.uint8)
                total += t.amount
        if not problems:  # (with a problem nothing is written: only the problems matter)
            file.write(rows.data)
    if count == 0:
        problems.append(DomainError("zengin_transfer.empty", "振込データが1件もありません"))
    if count > MAX_COUNT or total > MAX_TOTAL:
        problems.append(
            DomainError("zengin_transfer.too_large", "件数または合計金額が上限を超えます")
        )
    if problems or header is None:
        raise TransferFileError(problems)
    newline.decode("ascii")  # as the per-record writer: only ASCII line ends
    trailer = "8" + _n(count, 6) + _n(total, 12) + " " * 101
    end = "9" + " " * 119
    file.write(_record_bytes(trailer) + newline + _record_bytes(end) + newline)
    # The buffer itself when it is exactly the file's size (no copy).
    return file.getvalue()


def _record_bytes(text: str) -> bytes:
    data = text.encode("cp932")
    if len(data) != RECORD_LENGTH:  # pragma: no cover - the fields are cut to their widths
        raise ValueError(f"a record of {len(data)} bytes")
    return data


def _ri(s: str) -> int:
    return int(s) if s.strip() else 0


def parse_transfer_file(data: bytes) -> tuple[Originator, str, list[Transfer]]:
    """Read back a file written by :func:`write_transfer_file` (single group).

    Returns the originator, the 振込指定日 as ``MMDD`` and the transfers. Checks record
    lengths and the trailer count/sum; raises :class:`DomainError` otherwise.
    """
    originator, mmdd, c = parse_transfer_columns(data)
    n = len(c)
    kinds = list(map(AccountType, np.asarray(c.account_type).tolist()))
    amounts = np.asarray(c.amount).tolist()
    transfers = list(
        map(
            Transfer,
            c.bank_code,
            c.branch_code,
            kinds,
            c.account_number,
            c.holder_name,
            amounts,
            repeat(None, n) if c.customer_code is None else c.customer_code,
            repeat(None, n) if c.edi is None else c.edi,
        )
    )
    return originator, mmdd, transfers


# The bytes that decode under cp932 to one character each: JIS X0201 text.
_TEXT_BYTES = bytes([*range(0x20, 0x7F), *range(0xA1, 0xE0)])


def parse_transfer_columns(data: bytes) -> tuple[Originator, str, TransferColumns]:
    """:func:`parse_transfer_file` with the transfers as columns (預金種目 and amounts as
    int64 arrays). A plain file — records of one byte a character, each followed by the
    same line end, data records with digits where numbers are read — is read column by
    column; anything else record by record, with the same result or error."""
    records = _plain_transfer_records(data)
    if records is None:
        originator, mmdd, transfers = _parse_transfer_records(data)
        return originator, mmdd, TransferColumns.of(transfers)
    n = len(records)
    header = records[0].tobytes().decode("cp932")
    body = records[1:-2]
    kinds = body[:, 42]
    edi = body[:, 112] == ord("Y")
    digits = np.concatenate([body[:, 80:90], body[:, 91:101]], axis=1) - np.uint8(0x30)
    plain = (
        n >= 3
        and header[:3] == "121"
        and records[-1, 0] == ord("9")
        and records[-2, 0] == ord("8")
        and bool((body[:, 0] == ord("2")).all())
        and bool(np.isin(kinds, np.frombuffer(b"1249", dtype=np.uint8)).all())
        and bool(((digits[:, :10] <= 9).all(axis=1)).all())
        and bool(((digits[:, 10:] <= 9).all(axis=1) | edi).all())
    )
    if not plain:
        originator, mmdd, transfers = _parse_transfer_records(data)
        return originator, mmdd, TransferColumns.of(transfers)
    originator = _originator(header)
    amounts = digits[:, :10].astype(np.int64) @ (10 ** np.arange(9, -1, -1, dtype=np.int64))
    codes = _ascii_rows(body[:, 91:101])
    zero = ~(digits[:, 10:] != 0).any(axis=1)
    customer: list[str | None] = [
        None if skip else code for code, skip in zip(codes, (zero | edi).tolist(), strict=True)
    ]
    edis: list[str | None] | None = None
    if edi.any():
        texts = _text_rows(body[:, 91:111])
        edis = [t if e else None for t, e in zip(texts, edi.tolist(), strict=True)]
    columns = TransferColumns(
        bank_code=_ascii_rows(body[:, 1:5]),
        branch_code=_ascii_rows(body[:, 20:23]),
        account_type=(kinds - np.uint8(0x30)).astype(np.int64),
        account_number=_ascii_rows(body[:, 43:50]),
        holder_name=_text_rows(body[:, 50:80]),
        amount=amounts,
        customer_code=customer,
        edi=edis,
    )
    trailer = records[-2].tobytes().decode("cp932")
    if _ri(trailer[1:7]) != len(body) or _ri(trailer[7:19]) != int(amounts.sum()):
        raise DomainError("zengin_transfer.trailer", "トレーラーの件数・合計金額が一致しません")
    return originator, header[54:58], columns


def _plain_transfer_records(data: bytes) -> U8 | None:
    """The records of an evenly laid out file of one byte a character as an (n, 120)
    array, or None (the record-by-record reader then reads it)."""
    if data[RECORD_LENGTH : RECORD_LENGTH + 2] == b"\r\n":
        sep = b"\r\n"
    elif data[RECORD_LENGTH : RECORD_LENGTH + 1] == b"\n":
        sep = b"\n"
    else:
        sep = b""
    stride = RECORD_LENGTH + len(sep)
    n, rest = divmod(len(data), stride)
    # One pass in C: without its text bytes, the file must be its line ends and nothing else.
    if not n or rest or data.translate(None, _TEXT_BYTES) != sep * n:
        return None
    records = np.frombuffer(data, dtype=np.uint8).reshape(n, stride)
    if sep and not (records[:, RECORD_LENGTH:] == np.frombuffer(sep, dtype=np.uint8)).all():
        return None
    return records[:, :RECORD_LENGTH]


def _ascii_rows(col: U8) -> list[str]:
    """Each row of a byte column as its text (one decode and one split for all rows)."""
    rows, width = col.shape
    buf = np.empty((rows, width + 1), dtype=np.uint8)
    buf[:, :width] = col
    buf[:, width] = 0x0A
    parts = buf.tobytes().decode("cp932").split("\n")
    parts.pop()
    return parts


def _text_rows(col: U8) -> list[str]:
    """:func:`_ascii_rows` with trailing whitespace removed (JIS X0201 text: spaces)."""
    return list(map(str.rstrip, _ascii_rows(col)))


def _originator(h: str) -> Originator:
    return Originator(
        requester_code=h[4:14],
        requester_name=h[14:54].rstrip(),
        bank_code=h[58:62],
        bank_name=h[62:77].rstrip() or None,
        branch_code=h[77:80],
        branch_name=h[80:95].rstrip() or None,
        account_type=AccountType(int(h[95])),
        account_number=h[96:103],
    )


def _parse_transfer_records(data: bytes) -> tuple[Originator, str, list[Transfer]]:
    """The reader record by record: the path for files that are not plain, and the
    reference a property test compares :func:`parse_transfer_columns` with."""
    text = data.decode("cp932")
    body = text.replace("\r\n", "").replace("\n", "") if "\n" in text else text
    if len(body) % RECORD_LENGTH:
        raise DomainError("zengin_transfer.length", "レコード長が120バイトではありません")
    recs = [body[i : i + RECORD_LENGTH] for i in range(0, len(body), RECORD_LENGTH)]
    if not recs or recs[0][0] != "1" or recs[0][1:3] != "21" or recs[-1][0] != "9":
        raise DomainError("zengin_transfer.structure", "総合振込ファイルの構成が正しくありません")
    h = recs[0]
    originator = _originator(h)
    transfers: list[Transfer] = []
    for r in recs[1:-1]:
        if r[0] == "2":
            edi = r[91:111].rstrip() if r[112] == "Y" else None
            cc = None if edi is not None or int(r[91:101]) == 0 else r[91:101]
            transfers.append(
                Transfer(
                    bank_code=r[1:5],
                    branch_code=r[20:23],
                    account_type=AccountType(int(r[42])),
                    account_number=r[43:50],
                    holder_name=r[50:80].rstrip(),
                    amount=int(r[80:90]),
                    customer_code=cc,
                    edi=edi,
                )
            )
        elif r[0] == "8":
            if _ri(r[1:7]) != len(transfers) or _ri(r[7:19]) != sum(t.amount for t in transfers):
                raise DomainError(
                    "zengin_transfer.trailer", "トレーラーの件数・合計金額が一致しません"
                )
        else:
            raise DomainError(
                "zengin_transfer.structure", "総合振込ファイルの構成が正しくありません"
            )
    return originator, h[54:58], transfers


__all__: Sequence[str] = [
    "Originator",
    "Transfer",
    "TransferColumns",
    "TransferFileError",
    "parse_transfer_columns",
    "parse_transfer_file",
    "write_transfer_columns",
    "write_transfer_file",
    "write_transfer_file_per_record",
]
