"""Bank statements as the domain sees them, whatever file or API they came from.

Parsers (全銀 入出金取引明細 / 振込入金通知 files, net-banking CSV, the bank API) produce a
:class:`Statement`; screening (transaction reality) and reconciliation (消込) consume it.
Amounts are yen as ``int`` and always positive; :class:`Direction` says which way the money
went. ``fingerprint`` identifies the statement's content so that importing the same file
twice is recognised.
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date
from itertools import repeat

from urikake.domain.errors import DomainError


class Direction(enum.Enum):
    DEPOSIT = "deposit"  # 入金
    WITHDRAWAL = "withdrawal"  # 出金


class SourceFormat(enum.Enum):
    ZENGIN_STATEMENT = "zengin_03"  # 入出金取引明細 (種別コード 03)
    ZENGIN_DEPOSIT_NOTICE = "zengin_01"  # 振込入金通知 (種別コード 01)
    CSV = "csv"  # net-banking CSV with a column mapping
    BANK_API = "bank_api"


@dataclass(frozen=True, slots=True)
class StatementLine:
    value_date: date  # 勘定日 (the day the money moved on the account)
    direction: Direction
    amount: int  # yen, > 0
    counterparty: str  # 振込依頼人名 (half-width kana as the bank wrote it) or 摘要
    description: str = ""  # 摘要 / 取引名
    reference: str = ""  # 照会番号 or the bank's own line id
    balance_after: int | None = None  # 残高, when the source gives it
    edi: str = ""  # EDI情報 (often carries an invoice number)
    line_number: int = 0  # where it was in the source file (for error messages)
    # How many identical lines came before this one in the same statement (set by
    # :class:`Statement`): two equal deposits on one day are two movements, not one.
    occurrence: int = 0

    def identity(self) -> tuple[object, ...]:
        """What the bank says about the movement (the fields of :meth:`key`, unhashed)."""
        return (
            self.value_date,
            self.direction,
            self.amount,
            self.counterparty,
            self.description,
            self.reference,
            self.balance_after,
        )

    def key(self) -> str:
        """A stable identity of the movement (used to recognise duplicates across imports).

        The n-th repeat of an identical line within one statement gets its own key (the
        first keeps the plain one), so an overlapping later file that holds the same repeats
        adds nothing while every line of one file is kept.
        """
        parts = [
            self.value_date.isoformat(),
            self.direction.value,
            str(self.amount),
            self.counterparty,
            self.description,
            self.reference,
            "" if self.balance_after is None else str(self.balance_after),
        ]
        if self.occurrence:
            parts.append(f"#{self.occurrence}")
        return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Statement:
    source: SourceFormat
    bank_code: str  # 4 digits ("" when the source does not say)
    branch_code: str  # 3 digits
    account_type: int | None  # 1 普通, 2 当座, 4 貯蓄, 9 その他
    account_number: str  # 7 digits
    account_name: str  # 口座名 (kana)
    period_start: date | None
    period_end: date | None
    lines: tuple[StatementLine, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", number_occurrences(self.lines))

    @property
    def deposits(self) -> tuple[StatementLine, ...]:
        return tuple(line for line in self.lines if line.direction is Direction.DEPOSIT)

    def fingerprint(self) -> str:
        """Same account and same movements → same fingerprint, whatever the file looked like."""
        digest = hashlib.sha256()
        digest.update(f"{self.bank_code}|{self.branch_code}|{self.account_number}".encode())
        for line in self.lines:
            digest.update(line.key().encode())
        return digest.hexdigest()


_LINE_FIELDS = tuple(f.name for f in fields(StatementLine))


def lines_from_columns(count: int, columns: dict[str, Iterable[object]]) -> list[StatementLine]:
    """``count`` lines from one iterable per field (a missing field takes its default).

    What ``[StatementLine(**row) for row in rows]`` makes, for parsers that hold their lines
    as columns: each field is stored by its slot's own setter over the whole column (a
    loop in C) instead of one ``__init__`` call per line, about twice as fast. The caller
    gives values of the declared types, as it would to the constructor.
    """
    defaults = {f.name: f.default for f in fields(StatementLine)}
    lines: list[StatementLine] = list(map(object.__new__, repeat(StatementLine, count)))
    for name in _LINE_FIELDS:
        column = columns.get(name)
        values = repeat(defaults[name], count) if column is None else column
        setter = getattr(StatementLine, name).__set__
        deque(map(setter, lines, values), maxlen=0)
    return lines


def statement_of_distinct_lines(lines: Sequence[StatementLine], **header: object) -> Statement:
    """A :class:`Statement` of lines known to hold no two identical movements (their
    ``occurrence`` all 0), without numbering them again: a parser that has compared the
    lines' contents column-wise calls this instead of the constructor."""
    statement: Statement = object.__new__(Statement)
    for name, value in header.items():
        object.__setattr__(statement, name, value)
    object.__setattr__(statement, "lines", tuple(lines))
    return statement


def number_occurrences(lines: Iterable[StatementLine]) -> tuple[StatementLine, ...]:
    """``lines`` with each repeat of an identical line numbered (0 for the first)."""
    seen: Counter[tuple[object, ...]] = Counter()
    out = []
    for line in lines:
        ident = line.identity()
        n = seen[ident]
        seen[ident] += 1
        out.append(line if line.occurrence == n else replace(line, occurrence=n))
    return tuple(out)


def refuse_future_lines(statement: Statement, *, today: date) -> None:
    """Refuse a statement with a movement dated after ``today`` (the business date in Japan).

    A bank statement reports money that has moved; a line dated later has not happened yet
    (a typo, a forged file, or a 先日付 notice) and must never be booked or reconciled
    silently. The whole file is refused so that nothing of it is stored.
    """
    late = [line for line in statement.lines if line.value_date > today]
    if not late:
        return
    first = late[0]
    raise DomainError(
        "statement.future_date",
        f"勘定日 {first.value_date.isoformat()} の明細は本日（{today.isoformat()}）より後の日付です"
        f"（未来日付の明細 {len(late)}件）。まだ入出金されていない明細は取り込めません。"
        "日付を確認し、入出金の確定後の明細を取り込んでください（このファイルは取り込んでいません）。",
        line=first.line_number or None,
    )
