"""The life of a financed position after the contract, as a state machine.

    open (purchased) → collected                     paid in full (the holdback goes back)
    open → defaulted → written_off                   債務不履行, then 貸倒償却
    open → written_off                               written off at once
    defaulted → collected                            a late payment recovers it in full

The application moves on with it (funded → settled once every position is collected, funded →
defaulted at a default or write-off; :mod:`urikake.domain.applications`). Later products add
their own states (a loan: drawn / interest accrued / repaid; a guarantee: issued / claimed /
paid) — each is a status here and a transition in :data:`TRANSITIONS`.
"""

from __future__ import annotations

import enum

from urikake.domain.errors import DomainError

__all__ = ["OUTSTANDING", "TRANSITIONS", "PositionStatus", "check_transition"]


class PositionStatus(enum.StrEnum):
    OPEN = "open"  # purchased, money still expected
    COLLECTED = "collected"
    DEFAULTED = "defaulted"
    WRITTEN_OFF = "written_off"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    PositionStatus.OPEN: "回収待ち",
    PositionStatus.COLLECTED: "回収済み",
    PositionStatus.DEFAULTED: "延滞・債務不履行",
    PositionStatus.WRITTEN_OFF: "償却済み",
}

TRANSITIONS: dict[PositionStatus, frozenset[PositionStatus]] = {
    PositionStatus.OPEN: frozenset(
        {PositionStatus.COLLECTED, PositionStatus.DEFAULTED, PositionStatus.WRITTEN_OFF}
    ),
    PositionStatus.DEFAULTED: frozenset({PositionStatus.COLLECTED, PositionStatus.WRITTEN_OFF}),
    PositionStatus.COLLECTED: frozenset(),
    PositionStatus.WRITTEN_OFF: frozenset(),
}

#: Positions that still carry money owed to the platform (defaulted ones until written off).
OUTSTANDING: tuple[PositionStatus, ...] = (PositionStatus.OPEN, PositionStatus.DEFAULTED)


def check_transition(current: PositionStatus, target: PositionStatus) -> None:
    """Raise unless a position may move from ``current`` to ``target``."""
    if target not in TRANSITIONS[current]:
        raise DomainError(
            "position.invalid_transition",
            f"買取債権の状態を「{current.label}」から「{target.label}」には変更できません。",
        )
