"""The policy for the screening vendors' findings (docs/screening-vendors.md)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from urikake.domain.screening import Outcome
from urikake.domain.screening.external import (
    CheckKind,
    ExternalPolicy,
    FindingStatus,
    SubjectRole,
    VendorFinding,
    assess_external,
)

A, C = CheckKind.ANTISOCIAL, CheckKind.CREDIT_BUREAU
APPLICANT, REP, DEBTOR = SubjectRole.APPLICANT, SubjectRole.REPRESENTATIVE, SubjectRole.DEBTOR


def clear(kind: CheckKind = A, role: SubjectRole = APPLICANT) -> VendorFinding:
    status = FindingStatus.CLEAR if kind is A else FindingStatus.REPORT
    return VendorFinding(kind, role, status, "株式会社テスト", reference_id="ref_1")


def test_nothing_to_say_approves() -> None:
    findings = [clear(k, r) for k in (A, C) for r in (APPLICANT, REP, DEBTOR)]
    assert assess_external(findings).outcome is Outcome.APPROVE
    assert assess_external(findings).reasons == ()
    assert assess_external([]).outcome is Outcome.APPROVE


@pytest.mark.parametrize("role", [APPLICANT, REP, DEBTOR])
def test_an_antisocial_hit_declines_for_anyone(role: SubjectRole) -> None:
    hit = VendorFinding(
        A, role, FindingStatus.HIT, "山田", reference_id="asc_9", note="暴力団関係者"
    )
    result = assess_external([clear(), hit])
    assert result.outcome is Outcome.DECLINE
    (reason,) = result.reasons
    assert reason.code == "external.antisocial.hit"
    assert "asc_9" in reason.message
    assert "暴力団関係者" in reason.message
    applicant_text = reason.evidence["applicant_message"]
    assert isinstance(applicant_text, str)
    for secret in ("反社", "暴力団", "asc_9", "山田"):
        assert secret not in applicant_text


def test_a_possible_match_refers() -> None:
    result = assess_external([VendorFinding(A, REP, FindingStatus.POSSIBLE, "要確認 次郎")])
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == "external.antisocial.possible"
    assert "代表者「要確認 次郎」" in result.reasons[0].message


def test_adverse_credit_records_refer_and_a_bankrupt_debtor_declines() -> None:
    late = VendorFinding(C, REP, FindingStatus.REPORT, adverse_kinds=("delinquency",))
    assert assess_external([late]).outcome is Outcome.REFER
    assert "延滞" in assess_external([late]).reasons[0].message
    bankrupt_applicant = VendorFinding(
        C, APPLICANT, FindingStatus.REPORT, adverse_kinds=("bankruptcy",)
    )
    assert assess_external([bankrupt_applicant]).outcome is Outcome.REFER
    bankrupt_debtor = VendorFinding(C, DEBTOR, FindingStatus.REPORT, adverse_kinds=("bankruptcy",))
    result = assess_external([bankrupt_debtor])
    assert result.outcome is Outcome.DECLINE
    assert result.reasons[0].code == "external.credit.debtor_bankrupt"


def test_many_inquiries_refer_at_the_policy_threshold() -> None:
    policy = ExternalPolicy(max_inquiries_6m=6)
    five = VendorFinding(C, APPLICANT, FindingStatus.REPORT, inquiries_6m=5)
    six = VendorFinding(C, APPLICANT, FindingStatus.REPORT, inquiries_6m=6)
    assert assess_external([five], policy).outcome is Outcome.APPROVE
    assert assess_external([six], policy).reasons[0].code == "external.credit.many_inquiries"


def test_an_outage_refers_never_approves() -> None:
    down = VendorFinding(
        C, DEBTOR, FindingStatus.UNAVAILABLE, note="信用情報機関に接続できませんでした。"
    )
    result = assess_external([clear(), down])
    assert result.outcome is Outcome.REFER
    assert result.reasons[0].code == "external.unavailable"


def test_missing_consent_is_one_reason_naming_each_missing_use() -> None:
    findings = [
        VendorFinding(k, r, FindingStatus.NO_CONSENT) for k in (A, C) for r in (APPLICANT, DEBTOR)
    ]
    result = assess_external(findings)
    assert result.outcome is Outcome.REFER
    (reason,) = result.reasons
    assert reason.code == "external.no_consent"
    assert "反社チェック・信用情報照会" in reason.message
    assert "同意" in str(reason.evidence["applicant_message"])


_STATUSES = list(FindingStatus)
findings_st = st.lists(
    st.builds(
        VendorFinding,
        kind=st.sampled_from(list(CheckKind)),
        role=st.sampled_from(list(SubjectRole)),
        status=st.sampled_from(_STATUSES),
        adverse_kinds=st.lists(
            st.sampled_from(["delinquency", "subrogation", "bankruptcy"]), max_size=2
        ).map(tuple),
        inquiries_6m=st.integers(0, 20),
    ),
    max_size=8,
)


@settings(deadline=None)  # a shared, busy machine must not fail it on time
@given(findings_st)
def test_approve_only_when_every_answer_is_clean(findings: list[VendorFinding]) -> None:
    result = assess_external(findings)
    clean = all(
        f.status is FindingStatus.CLEAR
        or (f.status is FindingStatus.REPORT and not f.adverse_kinds and f.inquiries_6m < 6)
        for f in findings
    )
    assert (result.outcome is Outcome.APPROVE) == clean
    if any(f.status is FindingStatus.HIT for f in findings):
        assert result.outcome is Outcome.DECLINE
    for reason in result.reasons:
        assert reason.message
        assert reason.evidence["applicant_message"]
