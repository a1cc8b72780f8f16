"""The pure cash tie-out rules (urikake.domain.ledger_tieout); no database needed."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urikake.domain.errors import DomainError
from urikake.domain.ledger_tieout import Movement, tie_out

D1, D2, D3 = date(2026, 4, 1), date(2026, 4, 2), date(2026, 4, 3)


def test_matching_items_tie_and_leftovers_are_unexplained() -> None:
    report = tie_out(
        "cash:x",
        [(D1, 1000, "e:1"), (D1, -500, "e:2"), (D2, 700, "e:3")],
        [(D1, -500, "振込"), (D1, 1000, "入金"), (D2, 600, "入金"), (D3, -440, "手数料")],
        date_from=D1,
        date_to=D3,
    )
    first, second, third = report.days
    assert first.tied
    assert first.difference == 0
    assert second.difference == -100
    assert not second.tied
    assert second.unexplained_ledger == (Movement(D2, 700, "e:3"),)
    assert second.unexplained_bank == (Movement(D2, 600, "入金"),)
    assert third.ledger_total == 0
    assert third.difference == -440
    assert report.difference == -540
    assert not report.tied


def test_duplicate_amounts_pair_one_to_one() -> None:
    report = tie_out(
        "cash:x",
        [(D1, 100, "a"), (D1, 100, "b")],
        [(D1, 100, "x")],
        date_from=D1,
        date_to=D1,
    )
    (day,) = report.days
    assert [m.reference for m in day.unexplained_ledger] == ["b"]
    assert day.difference == -100


def test_period_and_input_checks() -> None:
    report = tie_out(
        "cash:x", [(D1, 5, "e")], [(D3, 5, "late"), (D2, 0, "memo")], date_from=D1, date_to=D2
    )
    assert [d.date for d in report.days] == [D1]  # no day for the late line or the 0-yen memo
    assert report.bank_total == 0
    for bad, code in [
        ([(D1, 1.5, "f")], "tieout.invalid_amount"),
        ([(D1, True, "b")], "tieout.invalid_amount"),
        ([(datetime(2026, 4, 1), 1, "dt")], "date.datetime_not_allowed"),
    ]:
        with pytest.raises(DomainError) as exc:
            tie_out("cash:x", bad, [], date_from=D1, date_to=D2)
        assert exc.value.code == code
    with pytest.raises(DomainError) as exc:
        tie_out("cash:x", [], [], date_from=D2, date_to=D1)
    assert exc.value.code == "tieout.invalid_period"


movements = st.lists(
    st.tuples(
        st.sampled_from([D1, D2, D3]),
        st.integers(min_value=-(10**6), max_value=10**6).filter(bool),
        st.text(max_size=3),
    ),
    max_size=12,
)


@given(ledger=movements, bank=movements)
def test_tie_out_properties(ledger, bank) -> None:
    report = tie_out("cash:x", ledger, bank, date_from=D1, date_to=D3)
    assert report.ledger_total == sum(a for _, a, _ in ledger)
    assert report.bank_total == sum(a for _, a, _ in bank)
    for day in report.days:
        # What is unexplained accounts for the whole difference of the day.
        assert day.difference == sum(m.amount for m in day.unexplained_bank) - sum(
            m.amount for m in day.unexplained_ledger
        )
        assert not (
            {m.amount for m in day.unexplained_bank} & {m.amount for m in day.unexplained_ledger}
        )
    # Identical sides always tie.
    assert tie_out("cash:x", ledger, ledger, date_from=D1, date_to=D3).tied
