"""The state machine of a financed position."""

from __future__ import annotations

import pytest

from urikake.domain.errors import DomainError
from urikake.domain.positions import OUTSTANDING, TRANSITIONS, PositionStatus, check_transition

S = PositionStatus


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.OPEN, S.COLLECTED),
        (S.OPEN, S.DEFAULTED),
        (S.OPEN, S.WRITTEN_OFF),
        (S.DEFAULTED, S.COLLECTED),  # a late payment after default
        (S.DEFAULTED, S.WRITTEN_OFF),
    ],
)
def test_allowed_moves(current: PositionStatus, target: PositionStatus) -> None:
    check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.COLLECTED, S.OPEN),
        (S.COLLECTED, S.WRITTEN_OFF),
        (S.WRITTEN_OFF, S.COLLECTED),
        (S.WRITTEN_OFF, S.DEFAULTED),
        (S.DEFAULTED, S.DEFAULTED),
        (S.OPEN, S.OPEN),
    ],
)
def test_refused_moves_name_both_states(current: PositionStatus, target: PositionStatus) -> None:
    with pytest.raises(DomainError) as exc:
        check_transition(current, target)
    assert exc.value.code == "position.invalid_transition"
    assert current.label in exc.value.message
    assert target.label in exc.value.message


def test_final_states_and_what_is_outstanding() -> None:
    assert {s for s, nxt in TRANSITIONS.items() if not nxt} == {S.COLLECTED, S.WRITTEN_OFF}
    assert OUTSTANDING == (S.OPEN, S.DEFAULTED)
    # The stored values stay those of the former treasury model.
    assert [s.value for s in S] == ["open", "collected", "defaulted", "written_off"]
