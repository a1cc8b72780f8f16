"""Credit-line rules: start from the first approved deal, grow with on-time settlements up
to a cap, hold after late ones, and refer deals above the available line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from urikake.domain.credit_lines import (
    CreditLinePolicy,
    check_against_line,
    growth_on_settlement,
    initial_line,
    manual_line,
    settled_on_time,
)


def test_the_first_line_is_a_multiple_of_the_approved_amount_by_grade() -> None:
    assert initial_line(1_100_000, "A").amount == 3_300_000
    assert initial_line(1_100_000, "C").amount == 2_200_000
    assert initial_line(1_234_567, "B").amount == 3_080_000  # 3,086,417 → ¥10,000 steps down
    change = initial_line(1_100_000, "E")
    assert (change.previous, change.amount, change.code) == (0, 1_100_000, "credit_line.started")
    assert "評価 E" in change.reason


def test_the_first_line_never_goes_below_the_approved_amount_nor_above_the_cap() -> None:
    assert initial_line(5_000, "E").amount == 5_000  # rounding to ¥10,000 would give 0
    assert initial_line(40_000_000, "A").amount == 50_000_000


def test_an_on_time_settlement_adds_ten_percent_of_face_in_10000_yen_steps() -> None:
    change = growth_on_settlement(2_000_000, settled_face=1_650_000, on_time=True)
    assert (change.previous, change.amount, change.delta) == (2_000_000, 2_160_000, 160_000)
    assert change.code == "credit_line.grew"
    assert "¥160,000" in change.reason


def test_a_late_settlement_holds_and_the_cap_stops_growth() -> None:
    held = growth_on_settlement(2_000_000, settled_face=1_000_000, on_time=False)
    assert (held.amount, held.code) == (2_000_000, "credit_line.held")
    near = growth_on_settlement(49_990_000, settled_face=10_000_000, on_time=True)
    assert near.amount == 50_000_000
    capped = growth_on_settlement(50_000_000, settled_face=10_000_000, on_time=True)
    assert (capped.amount, capped.code) == (50_000_000, "credit_line.capped")


def test_on_time_means_not_defaulted_and_within_the_grace_days() -> None:
    due = date(2026, 12, 25)
    assert settled_on_time(latest_due=due, settled_on=date(2027, 1, 1), defaulted=False)
    assert not settled_on_time(latest_due=due, settled_on=date(2027, 1, 2), defaulted=False)
    assert not settled_on_time(latest_due=due, settled_on=due, defaulted=True)


def test_a_deal_above_the_available_line_is_not_within_it() -> None:
    ok = check_against_line(3_000_000, outstanding=1_000_000, amount=2_000_000)
    assert ok.within
    assert ok.available == 2_000_000
    over = check_against_line(3_000_000, outstanding=1_000_000, amount=2_000_001)
    assert not over.within
    assert over.code == "credit_line.exceeded"
    assert "¥2,000,000" in over.reason
    assert check_against_line(1_000, outstanding=5_000, amount=1).available == 0


@given(
    line=st.integers(0, 60_000_000),
    face=st.integers(1, 10**9),
    on_time=st.booleans(),
)
def test_growth_never_shrinks_never_passes_the_cap_and_moves_in_units(
    line: int, face: int, on_time: bool
) -> None:
    pol = CreditLinePolicy(growth_rate=Decimal("0.10"))
    change = growth_on_settlement(line, settled_face=face, on_time=on_time, policy=pol)
    assert change.amount >= line
    assert change.amount <= max(line, pol.cap_yen)
    if change.amount < pol.cap_yen:
        assert change.delta % pol.unit_yen == 0


def test_a_line_set_by_hand_needs_a_reason_and_stays_within_the_cap() -> None:
    import pytest

    from urikake.domain.credit_lines import manual_line
    from urikake.domain.errors import DomainError

    change = manual_line(300_000, 2_000_000, reason=" 受注契約を確認 ")
    assert (change.previous, change.amount, change.code, change.reason) == (
        300_000,
        2_000_000,
        "credit_line.adjusted",
        "受注契約を確認",
    )
    with pytest.raises(DomainError, match="理由"):
        manual_line(0, 1_000, reason=" ")
    with pytest.raises(DomainError, match="¥50,000,000"):
        manual_line(0, 50_000_001, reason="x")
    with pytest.raises(DomainError):
        manual_line(0, -1, reason="x")


def test_every_platform_reason_has_english_from_its_params() -> None:
    from urikake.domain.credit_lines import reason_in_english

    pol = CreditLinePolicy()
    started = initial_line(2_000_000, "B")
    assert reason_in_english(started.code, started.params) == (
        "Set from the first approved deal of ¥2,000,000 (grade B): 2.5 times the approved "
        "amount, rounded down to ¥10,000."
    )
    grew = growth_on_settlement(5_000_000, settled_face=1_000_000, on_time=True)
    assert reason_in_english(grew.code, grew.params) == (
        "Raised by ¥100,000: the deal of ¥1,000,000 was completed on time (10% of its face "
        "value, rounded down to ¥10,000)."
    )
    held = growth_on_settlement(5_000_000, settled_face=1_000_000, on_time=False)
    assert "was not collected on time" in str(reason_in_english(held.code, held.params))
    capped = growth_on_settlement(pol.cap_yen, settled_face=1_000_000, on_time=True)
    assert reason_in_english(capped.code, capped.params) == "The line is at the cap (¥50,000,000)."
    # A reviewer's own words, and rows stored before params were kept, stay as written.
    manual = manual_line(0, 1_000_000, reason="大口の契約のため")
    assert reason_in_english(manual.code, manual.params) is None
    assert reason_in_english("credit_line.started", {}) is None
