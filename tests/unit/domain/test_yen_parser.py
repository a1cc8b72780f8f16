"""One yen parser (money.yen) behind every typed or imported amount."""

from __future__ import annotations

import pytest

from urikake.domain.errors import DomainError
from urikake.domain.money import yen
from urikake.domain.statement_csv import parse_amount


def test_a_shift_jis_backslash_is_a_yen_mark() -> None:
    assert yen("\\1,234") == 1234
    assert parse_amount("\\1,234円") == 1234


def test_errors_from_a_file_carry_the_line() -> None:
    with pytest.raises(DomainError) as exc:
        yen("12a", field="amount", line=7)
    assert (exc.value.code, exc.value.field, exc.value.line) == (
        "money.invalid_format",
        "amount",
        7,
    )


def test_statement_amounts_are_bounded_and_told_as_csv_errors() -> None:
    assert parse_amount("999,999,999,999,999") == 10**15 - 1
    with pytest.raises(DomainError) as exc:
        parse_amount("1,000,000,000,000,000", field="お預り金額", line=3)
    assert (exc.value.code, exc.value.line) == ("csv.bad_amount", 3)
