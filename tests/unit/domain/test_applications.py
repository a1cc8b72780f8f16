"""The financing application state machine."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urikake.domain.applications import TRANSITIONS, ApplicationStatus, check_transition
from urikake.domain.errors import DomainError

S = ApplicationStatus


def test_the_happy_path_is_allowed() -> None:
    path = [S.DRAFT, S.SUBMITTED, S.SCREENING, S.OFFERED, S.ACCEPTED, S.CONTRACTED, S.FUNDED]
    for current, target in zip(path, [*path[1:], S.SETTLED], strict=True):
        check_transition(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.DRAFT, S.FUNDED), (S.OFFERED, S.FUNDED), (S.SETTLED, S.DRAFT), (S.FUNDED, S.CANCELLED)],
)
def test_illegal_transitions_are_refused_in_japanese(current: S, target: S) -> None:
    with pytest.raises(DomainError) as exc:
        check_transition(current, target)
    assert exc.value.code == "application.illegal_transition"
    assert current.label in exc.value.message
    assert target.label in exc.value.message


@given(st.sampled_from(list(S)), st.sampled_from(list(S)))
def test_refused_exactly_when_not_in_the_table(current: S, target: S) -> None:
    if target in TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(DomainError):
            check_transition(current, target)


def test_every_state_is_reachable_from_draft_and_final_states_have_no_exit() -> None:
    seen, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for nxt in TRANSITIONS[frontier.pop()]:
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    assert seen == set(S)
    assert {s for s in S if s.is_final} == {
        S.DECLINED,
        S.SETTLED,
        S.CANCELLED,
        S.EXPIRED,
    }
