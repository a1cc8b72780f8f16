"""What the outside checks mean for a decision: 反社チェック and 信用情報 (the policy).

Screening asks two vendors about the applicant (the company and its representative) and the
debtor (the company). Each answer becomes a :class:`VendorFinding`; :func:`assess_external`
turns the findings into an outcome and reasons, by this policy (docs/screening-vendors.md):

=================================  ============================  =========
finding                            who                           outcome
=================================  ============================  =========
反社: confirmed match (hit)         anyone                        DECLINE
反社: possible match (review)       anyone                        REFER
信用情報: 破産 (bankruptcy)          the debtor                    DECLINE
信用情報: any 異動 record            anyone else / other records   REFER
信用情報: ≥ ``max_inquiries_6m``      anyone                        REFER
  inquiries in 6 months
a vendor could not answer          anyone                        REFER
no consent for a use               the applicant                 REFER
=================================  ============================  =========

A decision is never APPROVE on a missing answer: an outage or a missing consent refers.
Every reason's ``message`` is for staff (who, which vendor, its reference id); its evidence
holds ``applicant_message``, a polite general sentence that never names the vendor's
finding (an applicant is not told that they matched a 反社 list).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from urikake.domain.screening.decision import Outcome
from urikake.domain.screening.types import Reason

__all__ = [
    "CheckKind",
    "ExternalAssessment",
    "ExternalPolicy",
    "FindingStatus",
    "SubjectRole",
    "VendorFinding",
    "assess_external",
]


class CheckKind(enum.Enum):
    ANTISOCIAL = "antisocial"  # 反社チェック
    CREDIT_BUREAU = "credit_bureau"  # 信用情報


class SubjectRole(enum.Enum):
    APPLICANT = "applicant"  # the applicant company (or sole proprietor's business)
    REPRESENTATIVE = "representative"  # 代表者 (a person)
    DEBTOR = "debtor"  # 売掛先


class FindingStatus(enum.Enum):
    CLEAR = "clear"  # 反社: no match
    HIT = "hit"  # 反社: confirmed match
    POSSIBLE = "possible"  # 反社: possible match, a person must look
    REPORT = "report"  # 信用情報: a report (see adverse_kinds / inquiries_6m)
    UNAVAILABLE = "unavailable"  # the vendor could not answer
    NO_CONSENT = "no_consent"  # not asked: the applicant has not consented to this use


KIND_LABELS = {CheckKind.ANTISOCIAL: "反社チェック", CheckKind.CREDIT_BUREAU: "信用情報照会"}
ROLE_LABELS = {
    SubjectRole.APPLICANT: "申込者",
    SubjectRole.REPRESENTATIVE: "代表者",
    SubjectRole.DEBTOR: "売掛先",
}
ADVERSE_LABELS = {
    "delinquency": "延滞",
    "subrogation": "代位弁済",
    "bankruptcy": "破産",
    "forced_termination": "強制解約",
    "debt_restructuring": "債務整理",
}

_DECLINED = (
    "総合的な審査の結果、今回のお申込みはお受けできません。"
    "審査の詳細についてはお答えできませんので、ご了承ください。"
)
_LATER = "結果はこの画面とメールでお知らせします。"
_REVIEW = "追加の確認が必要なため、担当者がお申込みを確認します。" + _LATER
_RETRY = "確認に時間がかかっているため、担当者がお申込みを確認します。" + _LATER


@dataclass(frozen=True, slots=True)
class ExternalPolicy:
    max_inquiries_6m: int = 6  # this many other lenders' inquiries in 6 months refers


@dataclass(frozen=True, slots=True)
class VendorFinding:
    kind: CheckKind
    role: SubjectRole
    status: FindingStatus
    subject_name: str = ""
    reference_id: str = ""  # the vendor's screening / report id
    adverse_kinds: tuple[str, ...] = ()  # 信用情報: keys of ADVERSE_LABELS
    inquiries_6m: int = 0
    note: str = ""  # staff detail: match categories, the failure


@dataclass(frozen=True, slots=True)
class ExternalAssessment:
    outcome: Outcome
    reasons: tuple[Reason, ...]


def _who(f: VendorFinding) -> str:
    name = f"「{f.subject_name}」" if f.subject_name else ""
    return f"{KIND_LABELS[f.kind]}（{ROLE_LABELS[f.role]}{name}）"


def _ref(f: VendorFinding) -> str:
    return f"（照会番号 {f.reference_id}）" if f.reference_id else ""


def _reason(code: str, staff: str, applicant: str, f: VendorFinding) -> Reason:
    return Reason(
        code,
        staff,
        {
            "applicant_message": applicant,
            "kind": f.kind.value,
            "role": f.role.value,
            "reference_id": f.reference_id,
        },
    )


def assess_external(
    findings: Sequence[VendorFinding], policy: ExternalPolicy | None = None
) -> ExternalAssessment:
    """The outcome the findings call for (APPROVE when there is nothing to say)."""
    pol = policy or ExternalPolicy()
    declines: list[Reason] = []
    refers: list[Reason] = []
    missing_consent: list[str] = []
    for f in findings:
        who, ref = _who(f), _ref(f)
        note = f" {f.note}" if f.note else ""
        if f.status is FindingStatus.HIT:
            declines.append(
                _reason(
                    "external.antisocial.hit",
                    f"{who}: 反社会的勢力の該当ありと回答されました{ref}。{note}".rstrip(),
                    _DECLINED,
                    f,
                )
            )
        elif f.status is FindingStatus.POSSIBLE:
            refers.append(
                _reason(
                    "external.antisocial.possible",
                    f"{who}: 該当の可能性があります。同一人物・同一企業か確認してください{ref}。"
                    f"{note}".rstrip(),
                    _REVIEW,
                    f,
                )
            )
        elif f.status is FindingStatus.REPORT:
            labels = "・".join(ADVERSE_LABELS.get(k, k) for k in f.adverse_kinds)
            if f.role is SubjectRole.DEBTOR and "bankruptcy" in f.adverse_kinds:
                declines.append(
                    _reason(
                        "external.credit.debtor_bankrupt",
                        f"{who}: 破産の異動情報があります{ref}。",
                        _DECLINED,
                        f,
                    )
                )
            elif f.adverse_kinds:
                refers.append(
                    _reason(
                        "external.credit.adverse",
                        f"{who}: 異動情報（{labels}）があります{ref}。",
                        _REVIEW,
                        f,
                    )
                )
            if f.inquiries_6m >= pol.max_inquiries_6m:
                refers.append(
                    _reason(
                        "external.credit.many_inquiries",
                        f"{who}: 直近6か月の他社照会が{f.inquiries_6m}件あります"
                        f"（基準 {pol.max_inquiries_6m}件）{ref}。",
                        _REVIEW,
                        f,
                    )
                )
        elif f.status is FindingStatus.UNAVAILABLE:
            refers.append(
                _reason(
                    "external.unavailable",
                    f"{who}: 回答を得られませんでした。再照会するか担当者が確認してください。"
                    f"{note}".rstrip(),
                    _RETRY,
                    f,
                )
            )
        elif f.status is FindingStatus.NO_CONSENT:
            label = KIND_LABELS[f.kind]
            if label not in missing_consent:
                missing_consent.append(label)
    if missing_consent:
        what = "・".join(missing_consent)
        refers.append(
            Reason(
                "external.no_consent",
                f"{what}への同意がないため、照会していません。申込者に同意を依頼してください。",
                {
                    "applicant_message": (
                        f"{what}への同意をいただいていないため、審査を完了できません。"
                        "申込み画面で利用目的をご確認のうえ、同意してください。"
                    ),
                    "missing": ",".join(missing_consent),
                },
            )
        )
    if declines:
        return ExternalAssessment(Outcome.DECLINE, (*declines, *refers))
    if refers:
        return ExternalAssessment(Outcome.REFER, tuple(refers))
    return ExternalAssessment(Outcome.APPROVE, ())
