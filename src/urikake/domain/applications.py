"""The life of a financing application (申込み) as a state machine.

    draft → submitted → screening → offered / declined / referred
    referred → offered / declined            (a reviewer decides)
    offered → accepted → contracted → funded → settled
    cancelled  from draft, submitted, referred, offered, accepted (before funds move)
    expired    from offered (the offer lapsed) and referred (no decision in time)
    defaulted  from funded (the receivable was not paid); settled from defaulted when the
               money is recovered in full after all

Every transition is one service function in the Django app (with an audit record); this module
only says which transitions exist, so that an illegal one is refused the same way everywhere.
"""

from __future__ import annotations

import enum

from urikake.domain.errors import DomainError


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    SCREENING = "screening"
    OFFERED = "offered"
    DECLINED = "declined"
    REFERRED = "referred"
    ACCEPTED = "accepted"
    CONTRACTED = "contracted"
    FUNDED = "funded"
    SETTLED = "settled"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    DEFAULTED = "defaulted"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self]


S = ApplicationStatus
_LABELS = {
    S.DRAFT: "下書き",
    S.SUBMITTED: "申込み済み",
    S.SCREENING: "審査中",
    S.OFFERED: "条件提示",
    S.DECLINED: "お見送り",
    S.REFERRED: "担当者確認中",
    S.ACCEPTED: "条件承諾",
    S.CONTRACTED: "契約締結",
    S.FUNDED: "入金済み",
    S.SETTLED: "完了",
    S.CANCELLED: "取消",
    S.EXPIRED: "期限切れ",
    S.DEFAULTED: "回収不能",
}

TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED, S.CANCELLED}),
    S.SUBMITTED: frozenset({S.SCREENING, S.CANCELLED}),
    S.SCREENING: frozenset({S.OFFERED, S.DECLINED, S.REFERRED}),
    S.REFERRED: frozenset({S.OFFERED, S.DECLINED, S.CANCELLED, S.EXPIRED}),
    S.OFFERED: frozenset({S.ACCEPTED, S.CANCELLED, S.EXPIRED}),
    S.ACCEPTED: frozenset({S.CONTRACTED, S.CANCELLED}),
    S.CONTRACTED: frozenset({S.FUNDED}),
    S.FUNDED: frozenset({S.SETTLED, S.DEFAULTED}),
    S.DECLINED: frozenset(),
    S.SETTLED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
    S.DEFAULTED: frozenset({S.SETTLED}),
}


def check_transition(current: ApplicationStatus, target: ApplicationStatus) -> None:
    """Raise a DomainError unless ``current → target`` is a transition of the machine."""
    if target not in TRANSITIONS[current]:
        raise DomainError(
            "application.illegal_transition",
            f"「{current.label}」の申込みを「{target.label}」にすることはできません。",
            field="status",
        )
