"""Statement lines held as columns: what the 全銀 parsers produce, objects only on demand.

A parsed 全銀 file of a million lines is a handful of numpy arrays — dates, directions,
amounts, balances, line numbers — and its texts as the fixed-width bytes the bank wrote
(:class:`FixedText`). Building one :class:`~urikake.domain.statements.StatementLine` per line
(and decoding every name) is what made the parsers slow; here it happens only when someone
asks: :meth:`StatementColumns.line` for one line, :meth:`StatementColumns.lines` for all of
them. Consumers that only need some fields (the reconciliation's deposit reader needs the
deposits' dates, amounts and names) read the columns directly.

Texts are JIS X0201, one byte a character (ASCII and half-width kana), space-padded: the
bytes decode under cp932 exactly as the 全銀 parsers map them, and a decoded text encodes
back to the same bytes, so lines from the per-record path can be stored as columns too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from urikake.domain.statements import (
    Direction,
    SourceFormat,
    Statement,
    StatementLine,
    lines_from_columns,
    number_occurrences,
    statement_of_distinct_lines,
)

__all__ = ["FixedText", "ReceiptColumns", "StatementColumns"]

U8 = npt.NDArray[np.uint8]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Days = npt.NDArray[np.datetime64]

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DIRECTIONS = (Direction.WITHDRAWAL, Direction.DEPOSIT)  # indexed by the deposit flag


@dataclass(frozen=True, eq=False)
class FixedText:
    """N texts as an ``(N, width)`` array of space-padded JIS X0201 bytes."""

    data: U8

    def __len__(self) -> int:
        return len(self.data)

    @property
    def width(self) -> int:
        return int(self.data.shape[1])

    def __getitem__(self, i: int) -> str:
        text: str = self.data[i].tobytes().decode("cp932")
        return text.rstrip(" ")

    def tolist(self) -> list[str]:
        """Every text decoded, trailing spaces removed (one decode and one split for all).

        The only whitespace byte among checked JIS X0201 bytes is the space, so
        ``str.rstrip`` removes exactly what ``rstrip(" ")`` would."""
        rows, width = self.data.shape
        if not rows or (self.data == 0x20).all():
            return list(repeat("", rows))
        buf = np.empty((rows, width + 1), dtype=np.uint8)
        buf[:, :width] = self.data
        buf[:, width] = 0x0A
        parts = buf.tobytes().decode("cp932").split("\n")
        parts.pop()
        return list(map(str.rstrip, parts))

    def lengths(self) -> Ints:
        """Each text's length without its trailing spaces."""
        rows, width = self.data.shape
        if not width:
            return np.zeros(rows, dtype=np.int64)
        filled = self.data[:, ::-1] != 0x20
        last = np.argmax(filled, axis=1)
        return np.where(filled.any(axis=1), width - last, 0).astype(np.int64)

    def take(self, rows: Ints | Bools | slice) -> FixedText:
        return FixedText(self.data[rows])

    @staticmethod
    def of(texts: Sequence[str], width: int) -> FixedText:
        """Texts (each at most ``width`` JIS X0201 characters) as fixed-width bytes."""
        joined = "".join(t.ljust(width) for t in texts).encode("cp932")
        return FixedText(np.frombuffer(joined, dtype=np.uint8).reshape(len(texts), width).copy())

    @staticmethod
    def concat(parts: Sequence[FixedText], width: int) -> FixedText:
        if not parts:
            return FixedText(np.zeros((0, width), dtype=np.uint8))
        if len(parts) == 1:
            return parts[0]
        return FixedText(np.concatenate([p.data for p in parts]))


@dataclass(frozen=True, eq=False)
class StatementColumns:
    """The lines of a statement, one array per field.

    ``value_date`` is ``datetime64[D]``; ``deposit`` True for 入金, False for 出金;
    ``balance_after`` holds the running balance where ``has_balance`` is True (0 elsewhere);
    ``occurrence`` numbers repeats of identical lines (see :class:`Statement`) and is
    ``None`` until :meth:`numbered` fills it."""

    value_date: Days
    deposit: Bools
    amount: Ints
    balance_after: Ints
    has_balance: Bools
    reference: FixedText
    counterparty: FixedText
    description: FixedText
    edi: FixedText
    line_number: Ints
    occurrence: Ints | None = None

    def __len__(self) -> int:
        return len(self.amount)

    # -- building -------------------------------------------------------------------------
    @staticmethod
    def empty(widths: tuple[int, int, int, int]) -> StatementColumns:
        return StatementColumns.concat([], widths)

    @staticmethod
    def of_lines(
        lines: Sequence[StatementLine], widths: tuple[int, int, int, int]
    ) -> StatementColumns:
        """Lines (read record by record) as columns; ``widths`` of reference, counterparty,
        description and EDI as in the file."""
        ref_w, name_w, desc_w, edi_w = widths
        ordinals = np.array([x.value_date.toordinal() for x in lines], dtype=np.int64)
        balances = [x.balance_after for x in lines]
        return StatementColumns(
            value_date=(ordinals - _EPOCH_ORDINAL).astype("datetime64[D]"),
            deposit=np.array([x.direction is Direction.DEPOSIT for x in lines], dtype=np.bool_),
            amount=np.array([x.amount for x in lines], dtype=np.int64),
            balance_after=np.array([b or 0 for b in balances], dtype=np.int64),
            has_balance=np.array([b is not None for b in balances], dtype=np.bool_),
            reference=FixedText.of([x.reference for x in lines], ref_w),
            counterparty=FixedText.of([x.counterparty for x in lines], name_w),
            description=FixedText.of([x.description for x in lines], desc_w),
            edi=FixedText.of([x.edi for x in lines], edi_w),
            line_number=np.array([x.line_number for x in lines], dtype=np.int64),
        )

    @staticmethod
    def concat(
        parts: Sequence[StatementColumns], widths: tuple[int, int, int, int]
    ) -> StatementColumns:
        if len(parts) == 1:
            return parts[0]
        ref_w, name_w, desc_w, edi_w = widths

        def cat(name: str, dtype: str) -> npt.NDArray[Any]:
            arrays = [getattr(p, name) for p in parts]
            return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)

        return StatementColumns(
            value_date=cat("value_date", "datetime64[D]"),
            deposit=cat("deposit", "bool"),
            amount=cat("amount", "int64"),
            balance_after=cat("balance_after", "int64"),
            has_balance=cat("has_balance", "bool"),
            reference=FixedText.concat([p.reference for p in parts], ref_w),
            counterparty=FixedText.concat([p.counterparty for p in parts], name_w),
            description=FixedText.concat([p.description for p in parts], desc_w),
            edi=FixedText.concat([p.edi for p in parts], edi_w),
            line_number=cat("line_number", "int64"),
        )

    def take(self, rows: Ints | Bools | slice) -> StatementColumns:
        """Some of the lines (a mask, indexes or a slice), as columns."""
        return StatementColumns(
            value_date=self.value_date[rows],
            deposit=self.deposit[rows],
            amount=self.amount[rows],
            balance_after=self.balance_after[rows],
            has_balance=self.has_balance[rows],
            reference=self.reference.take(rows),
            counterparty=self.counterparty.take(rows),
            description=self.description.take(rows),
            edi=self.edi.take(rows),
            line_number=self.line_number[rows],
            occurrence=None if self.occurrence is None else self.occurrence[rows],
        )

    # -- identity -------------------------------------------------------------------------
    def row_hashes(self) -> npt.NDArray[np.uint64]:
        """A 64-bit hash per line of what :meth:`StatementLine.identity` holds: identical
        lines have equal hashes (unequal hashes prove two lines differ)."""
        rows = len(self)
        texts = [self.reference.data, self.counterparty.data, self.description.data]
        width = sum(t.shape[1] for t in texts)
        key = np.zeros((rows, -(-width // 8) * 8), dtype=np.uint8)
        at = 0
        for t in texts:
            key[:, at : at + t.shape[1]] = t
            at += t.shape[1]
        h = np.full(rows, 0xCBF29CE484222325, dtype=np.uint64)
        prime = np.uint64(0x100000001B3)
        words = [
            *key.view(np.uint64).T,
            self.value_date.astype(np.int64).astype(np.uint64),
            (self.amount * 4 + self.deposit + self.has_balance * 2).astype(np.uint64),
            np.where(self.has_balance, self.balance_after, 0).astype(np.uint64),
        ]
        for word in words:
            h = (h ^ word) * prime
            h ^= h >> np.uint64(29)
        return h

    def distinct(self) -> bool:
        """Whether no two lines can be identical (then every occurrence is 0)."""
        h = self.row_hashes()
        return len(np.unique(h)) == len(h)

    def numbered(self) -> StatementColumns:
        """These columns with ``occurrence`` filled (zeros when all lines are distinct)."""
        if self.occurrence is not None:
            return self
        if self.distinct():
            occurrence = np.zeros(len(self), dtype=np.int64)
        else:
            occurrence = np.array(
                [x.occurrence for x in number_occurrences(self._lines(None))], dtype=np.int64
            )
        return StatementColumns(**{**self.__dict__, "occurrence": occurrence})

    # -- objects on demand ------------------------------------------------------------------
    def line(self, i: int) -> StatementLine:
        """Line ``i`` as an object."""
        day = date.fromordinal(int(self.value_date[i].astype(np.int64)) + _EPOCH_ORDINAL)
        return StatementLine(
            value_date=day,
            direction=_DIRECTIONS[int(self.deposit[i])],
            amount=int(self.amount[i]),
            counterparty=self.counterparty[i],
            description=self.description[i],
            reference=self.reference[i],
            balance_after=int(self.balance_after[i]) if self.has_balance[i] else None,
            edi=self.edi[i],
            line_number=int(self.line_number[i]),
            occurrence=0 if self.occurrence is None else int(self.occurrence[i]),
        )

    def lines(self) -> list[StatementLine]:
        """Every line as an object (occurrence as held: 0 before :meth:`numbered`)."""
        return self._lines(self.occurrence)

    def __iter__(self) -> Iterator[StatementLine]:
        return iter(self.lines())

    def dates(self) -> list[date]:
        """The value dates as :class:`date` objects (each distinct day made once)."""
        days, inverse = np.unique(self.value_date.astype(np.int64), return_inverse=True)
        made = [date.fromordinal(d + _EPOCH_ORDINAL) for d in days.tolist()]
        return list(map(made.__getitem__, inverse.reshape(-1).tolist()))

    def _lines(self, occurrence: Ints | None) -> list[StatementLine]:
        n = len(self)
        balances: Iterable[int | None]
        if self.has_balance.all():
            balances = self.balance_after.tolist()
        elif not self.has_balance.any():
            balances = repeat(None, n)
        else:
            balances = [
                b if has else None
                for b, has in zip(
                    self.balance_after.tolist(), self.has_balance.tolist(), strict=True
                )
            ]
        columns: dict[str, Iterable[object]] = {
            "value_date": self.dates(),
            "direction": map(_DIRECTIONS.__getitem__, self.deposit.tolist()),
            "amount": self.amount.tolist(),
            "counterparty": self.counterparty.tolist(),
            "description": self.description.tolist(),
            "reference": self.reference.tolist(),
            "balance_after": balances,
            "edi": self.edi.tolist(),
            "line_number": self.line_number.tolist(),
        }
        if occurrence is not None and occurrence.any():
            columns["occurrence"] = occurrence.tolist()
        return lines_from_columns(n, columns)


@dataclass(frozen=True, eq=False)
class ReceiptColumns:
    """A parsed 全銀 01/03 file: the account and period of its headers, and its lines as
    columns (:meth:`statement` makes the :class:`Statement` of objects)."""

    source: SourceFormat
    bank_code: str
    branch_code: str
    account_type: int | None
    account_number: str
    account_name: str
    period_start: date | None
    period_end: date | None
    columns: StatementColumns

    def __len__(self) -> int:
        return len(self.columns)

    def deposits(self) -> StatementColumns:
        return self.columns.take(self.columns.deposit)

    def statement(self) -> Statement:
        """The :class:`Statement` (one object per line, repeats numbered)."""
        header = {
            "source": self.source,
            "bank_code": self.bank_code,
            "branch_code": self.branch_code,
            "account_type": self.account_type,
            "account_number": self.account_number,
            "account_name": self.account_name,
            "period_start": self.period_start,
            "period_end": self.period_end,
        }
        cols = self.columns
        # Numbered already, or no two lines alike: the lines' occurrences are right as held.
        if cols.occurrence is not None or cols.distinct():
            return statement_of_distinct_lines(cols.lines(), **header)
        return Statement(lines=tuple(cols.lines()), **header)  # type: ignore[arg-type]
