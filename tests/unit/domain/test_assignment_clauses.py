"""Anti-assignment clauses: status, eligibility ("absent or released"), and the screening
referral explained for staff (民法466条) and for the applicant."""

from __future__ import annotations

from urikake.domain.assignment_clauses import (
    ClauseStatus,
    clause_status,
    clear_for_transfer,
    screening_reason,
)
from urikake.domain.screening import Outcome, Reason
from urikake.domain.screening.decision import Decision, _with_extra_reasons


def test_status_from_what_was_recorded() -> None:
    assert clause_status(has_clause=False, released=False) is ClauseStatus.ABSENT
    assert clause_status(has_clause=True, released=False) is ClauseStatus.RESTRICTED
    assert clause_status(has_clause=True, released=True) is ClauseStatus.RELEASED


def test_only_an_unreleased_clause_blocks_clean_transfer() -> None:
    assert clear_for_transfer(ClauseStatus.ABSENT)
    assert clear_for_transfer(ClauseStatus.RELEASED)
    assert not clear_for_transfer(ClauseStatus.RESTRICTED)


def test_screening_reason_explains_the_risk_to_staff_and_the_applicant() -> None:
    assert screening_reason(ClauseStatus.ABSENT) is None
    assert screening_reason(ClauseStatus.RELEASED) is None
    reason = screening_reason(ClauseStatus.RESTRICTED)
    assert reason is not None
    assert reason.code == "assignment.restricted"
    assert "民法466条2項" in reason.message
    assert "支払いを拒み" in reason.message
    plain = reason.evidence["applicant_message"]
    assert isinstance(plain, str)
    assert "承諾" in plain
    assert "民法" not in plain


def test_an_extra_reason_turns_an_approval_into_a_referral_but_not_a_decline_around() -> None:
    extra = (Reason("assignment.restricted", "x"),)
    approve = Decision(Outcome.APPROVE, (Reason("approve", "ok"),))
    referred = _with_extra_reasons(approve, extra)
    assert referred.outcome is Outcome.REFER
    assert referred.codes == ("assignment.restricted",)
    refer = Decision(Outcome.REFER, (Reason("reality.weak", "w"),))
    assert _with_extra_reasons(refer, extra).codes == ("reality.weak", "assignment.restricted")
    decline = Decision(Outcome.DECLINE, (Reason("fraud.double_assignment", "d"),))
    assert _with_extra_reasons(decline, extra) == decline
