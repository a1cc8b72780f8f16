"""Anti-assignment clauses (譲渡禁止・譲渡制限特約) on a receivable, and what they mean.

Seed 004 (I.6): before a receivable is transferred, confirm there is no anti-assignment
clause, or have it released. Since the 2020 reform of the Civil Code, 民法466条2項 makes an
assignment valid despite the clause, but under 466条3項 the debtor may refuse to pay an
assignee who knew of the clause (or did not know through gross negligence) and may keep
paying the original creditor; the clause can also be a breach of the client's contract with
the debtor. So a clause is a **risk**, not a bar — unless the debtor consented to the
assignment (a recorded release: date, who, evidence), which removes it.

* :func:`clause_status` — ABSENT / RESTRICTED / RELEASED from what was recorded;
* :func:`screening_reason` — the reason screening adds (a referral), with a Japanese
  explanation for staff and a plain one for the applicant;
* :func:`clear_for_transfer` — the eligibility helper later products (receivables-backed
  loans, pools) need: "absent or released".
"""

from __future__ import annotations

import enum

from urikake.domain.screening.types import Reason

__all__ = [
    "APPLICANT_EXPLANATION",
    "STAFF_EXPLANATION",
    "ClauseStatus",
    "clause_status",
    "clear_for_transfer",
    "screening_reason",
]


class ClauseStatus(enum.StrEnum):
    ABSENT = "absent"  # no clause recorded
    RESTRICTED = "restricted"  # 譲渡禁止・制限特約あり（未解除）
    RELEASED = "released"  # the debtor consented to the assignment (特約の解除・承諾)


STATUS_LABELS = {
    ClauseStatus.ABSENT: "譲渡制限特約なし",
    ClauseStatus.RESTRICTED: "譲渡制限特約あり（未解除）",
    ClauseStatus.RELEASED: "譲渡制限特約あり（売掛先の承諾により解除済み）",
}

STAFF_EXPLANATION = (
    "この請求書には譲渡禁止・制限特約があり、解除（売掛先の承諾）が記録されていません。"
    "民法466条2項により譲渡自体は有効ですが、同条3項により、特約を知り、または重大な過失で"
    "知らなかった譲受人に対して売掛先は支払いを拒み、譲渡人への弁済をもって対抗できます。"
    "回収不能・契約違反のリスクとして、売掛先の承諾を得るか、リスクを評価のうえ判断してください。"
)

APPLICANT_EXPLANATION = (
    "この請求書には、売掛先との契約で債権の譲渡を禁止・制限する特約があります。"
    "売掛先の承諾があれば審査が早く進みます。承諾が得られた場合は、請求書のページで"
    "承諾の記録（日付・承諾者・書面）を登録してください。"
)


def clause_status(*, has_clause: bool, released: bool) -> ClauseStatus:
    if not has_clause:
        return ClauseStatus.ABSENT
    return ClauseStatus.RELEASED if released else ClauseStatus.RESTRICTED


def clear_for_transfer(status: ClauseStatus) -> bool:
    """Eligibility for products that need a clean receivable: absent or released."""
    return status is not ClauseStatus.RESTRICTED


def screening_reason(status: ClauseStatus) -> Reason | None:
    """The referral reason for an unreleased clause (None when absent or released)."""
    if clear_for_transfer(status):
        return None
    return Reason(
        "assignment.restricted",
        STAFF_EXPLANATION,
        {"status": status.value, "applicant_message": APPLICANT_EXPLANATION},
    )
