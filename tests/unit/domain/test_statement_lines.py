"""Identical lines of one statement get distinct keys (the first keeps the plain key)."""

from __future__ import annotations

from datetime import date

import pytest

from urikake.domain.errors import DomainError
from urikake.domain.statements import (
    Direction,
    SourceFormat,
    Statement,
    StatementLine,
    refuse_future_lines,
)

DAY = date(2026, 10, 5)
LINE = StatementLine(DAY, Direction.DEPOSIT, 77_000, "ﾃﾞﾕﾌﾟ")


def _statement(*lines: StatementLine) -> Statement:
    return Statement(SourceFormat.CSV, "", "", None, "", "", None, None, lines)


def test_repeats_are_numbered_and_keep_distinct_keys() -> None:
    other = StatementLine(DAY, Direction.DEPOSIT, 5_000, "ﾍﾞﾂ")
    st = _statement(LINE, other, LINE, LINE)
    assert [ln.occurrence for ln in st.lines] == [0, 0, 1, 2]
    keys = [ln.key() for ln in st.lines]
    assert len(set(keys)) == 4
    assert keys[0] == LINE.key()  # keys stored before the change stay valid
    # Numbering is a property of the statement, not of how the lines were built.
    again = _statement(*st.lines)
    assert [ln.key() for ln in again.lines] == keys


def test_fingerprint_counts_repeats() -> None:
    assert _statement(LINE, LINE).fingerprint() != _statement(LINE).fingerprint()


def test_future_lines_are_refused() -> None:
    st = _statement(
        LINE, StatementLine(date(2026, 12, 7), Direction.DEPOSIT, 1, "ｱ", line_number=4)
    )
    refuse_future_lines(st, today=date(2026, 12, 7))
    with pytest.raises(DomainError) as exc:
        refuse_future_lines(st, today=date(2026, 12, 6))
    assert exc.value.code == "statement.future_date"
    assert exc.value.line == 4
    assert "2026-12-07" in exc.value.message
