"""The decision (APPROVE / DECLINE / REFER) and the whole screening in one call.

Order of the rules:

1. **DECLINE** (no offer) — the debtor is the applicant; the invoice matches an invoice
   already assigned in another application (exact fingerprint); the invoice has been paid
   (a deposit carrying its number, or of its amount after its issue date when this debtor
   does not pay that amount every time); or it cannot be priced (due too soon).
2. **REFER** to a reviewer (an indicative offer is still computed) — near-duplicates,
   an invoice number reused or out of sequence, a possibly-paid recurring amount, weak
   transaction reality (fewer than ``min_payments`` payments from the debtor or only
   possible name matches), any risk HIGH, two or more risks MEDIUM, fraud MEDIUM, an
   amount above the auto-approve limit, or invoice validation problems.
3. **APPROVE** otherwise.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from urikake.domain.errors import DomainError
from urikake.domain.invoices import InvoiceData, validate_invoice
from urikake.domain.screening.fingerprints import (
    debtor_key,
    invoice_fingerprint,
    near_duplicate_keys,
)
from urikake.domain.screening.pricing import Offer, PricingPolicy, price
from urikake.domain.screening.reality import RealityEvidence, assess_reality
from urikake.domain.screening.risks import RiskInput, assess_risks
from urikake.domain.screening.types import (
    ApplicantProfile,
    DebtorProfile,
    PlatformContext,
    PriorInvoice,
    Product,
    Reason,
    RiskAssessment,
    RiskKind,
    RiskLevel,
    ScoreProvider,
)
from urikake.domain.statements import Statement

__all__ = [
    "Decision",
    "Outcome",
    "ScreeningInput",
    "ScreeningPolicy",
    "ScreeningResult",
    "decide",
    "screen",
]


class Outcome(enum.Enum):
    APPROVE = "approve"
    DECLINE = "decline"
    REFER = "refer"


@dataclass(frozen=True, slots=True)
class ScreeningPolicy:
    auto_approve_limit_yen: int = 5_000_000
    min_payments: int = 3  # from the debtor in 12 months, for an automatic approval


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def messages(self) -> tuple[str, ...]:
        return tuple(r.message for r in self.reasons)


_DECLINE_CODES = (
    "fraud.self_dealing",
    "fraud.double_assignment",
    "fraud.already_paid",
    "fraud.possibly_paid",
)
_REFER_CODES = (
    "fraud.near_duplicate",
    "fraud.number_reused",
    "fraud.number_out_of_sequence",
    "fraud.possibly_paid_recurring",
    "default.exposure_limit",
    "default.prior_defaults",
)


def decide(
    invoice: InvoiceData,
    reality: RealityEvidence,
    risks: RiskAssessment,
    *,
    policy: ScreeningPolicy | None = None,
    problems: Sequence[DomainError] = (),
) -> Decision:
    """Apply the rules of the module docstring; reasons are those that drove the outcome."""
    pol = policy or ScreeningPolicy()
    all_reasons = {r.code: r for s in risks.scores for r in s.reasons}
    declines = [all_reasons[c] for c in _DECLINE_CODES if c in all_reasons]
    if declines:
        return Decision(Outcome.DECLINE, tuple(declines))

    refer: list[Reason] = [all_reasons[c] for c in _REFER_CODES if c in all_reasons]
    for p in problems:
        refer.append(Reason("invoice." + p.code.split(".", 1)[-1], p.message, {"field": p.field}))
    if reality.payments_12m < pol.min_payments:
        refer.append(
            Reason(
                "reality.weak",
                f"売掛先からの入金が過去12か月で{reality.payments_12m}回のため、取引実態を担当者が確認します。",
                {
                    "payments_12m": reality.payments_12m,
                    "possible_lines": len(reality.possible_line_keys),
                },
            )
        )
    if invoice.total_amount > pol.auto_approve_limit_yen:
        refer.append(
            Reason(
                "amount.above_auto_limit",
                f"請求額が自動承認の上限（{pol.auto_approve_limit_yen:,}円）を超えるため、担当者が確認します。",
                {"amount": invoice.total_amount, "limit": pol.auto_approve_limit_yen},
            )
        )
    mediums = [s for s in risks.scores if s.level is RiskLevel.MEDIUM]
    for s in risks.scores:
        if s.level is RiskLevel.HIGH or (
            s.level is RiskLevel.MEDIUM and (s.kind is RiskKind.FRAUD or len(mediums) >= 2)
        ):
            refer.append(
                Reason(
                    f"risk.{s.kind.value}.{s.level.value}",
                    f"{s.label}が{'高' if s.level is RiskLevel.HIGH else '中程度'}"
                    f"（{s.score}点）です。",
                    {"score": s.score, "reasons": tuple(r.code for r in s.reasons)},
                )
            )
    if refer:
        unique: dict[str, Reason] = {}
        for r in refer:
            unique.setdefault(r.code, r)
        return Decision(Outcome.REFER, tuple(unique.values()))
    return Decision(
        Outcome.APPROVE,
        (
            Reason(
                "approve",
                f"取引実態が確認でき（過去12か月に{reality.payments_12m}回の入金）、"
                f"リスク評価はグレード{risks.grade}です。",
                {"grade": risks.grade, "composite": risks.composite},
            ),
        ),
    )


@dataclass(frozen=True, slots=True)
class ScreeningInput:
    applicant: ApplicantProfile
    debtor: DebtorProfile
    invoice: InvoiceData
    statements: tuple[Statement, ...]
    product: Product
    now: datetime  # local (JST) time of the screening
    platform: PlatformContext = field(default_factory=PlatformContext)
    history: tuple[PriorInvoice, ...] = ()
    previous_numbers: tuple[str, ...] = ()
    policy: ScreeningPolicy = field(default_factory=ScreeningPolicy)
    pricing: PricingPolicy = field(default_factory=PricingPolicy)
    score_provider: ScoreProvider | None = None
    #: Referral reasons found outside the invoice's data (e.g. an unreleased anti-assignment
    #: clause, :mod:`urikake.domain.assignment_clauses`): an approval becomes a referral.
    extra_reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    decision: Decision
    reality: RealityEvidence
    risks: RiskAssessment
    offer: Offer | None  # None on DECLINE; indicative on REFER
    fingerprint: str  # store these with the application so later ones can be compared
    near_keys: frozenset[str]

    @property
    def outcome(self) -> Outcome:
        return self.decision.outcome


def _with_extra_reasons(decision: Decision, extra: tuple[Reason, ...]) -> Decision:
    if not extra or decision.outcome is Outcome.DECLINE:
        return decision
    kept = decision.reasons if decision.outcome is Outcome.REFER else ()
    return Decision(Outcome.REFER, (*kept, *extra))


def screen(inp: ScreeningInput) -> ScreeningResult:
    """Reality → five risks → decision → offer, for one invoice."""
    today = inp.now.date()
    inv = inp.invoice
    names = (*inp.debtor.names, inv.debtor_name)
    reality = assess_reality(names, inv, inp.statements, today=today)
    ri = RiskInput(
        invoice=inv,
        applicant=inp.applicant,
        debtor=inp.debtor,
        reality=reality,
        product=inp.product,
        today=today,
        platform=inp.platform,
        history=inp.history,
        previous_numbers=inp.previous_numbers,
    )
    risks = assess_risks(ri, score_provider=inp.score_provider)
    problems = [
        p for p in validate_invoice(inv, today=today) if p.code != "invoice.debtor_is_applicant"
    ]
    decision = _with_extra_reasons(
        decide(inv, reality, risks, policy=inp.policy, problems=problems), inp.extra_reasons
    )
    dkey = debtor_key(inv, inp.debtor.names)
    offer: Offer | None = None
    if decision.outcome is not Outcome.DECLINE:
        try:
            offer = price(
                inv, product=inp.product, grade=risks.grade, now=inp.now, policy=inp.pricing
            )
        except DomainError as exc:
            decision = Decision(
                Outcome.DECLINE, (Reason(exc.code, exc.message, {}), *decision.reasons)
            )
    return ScreeningResult(
        decision=decision,
        reality=reality,
        risks=risks,
        offer=offer,
        fingerprint=invoice_fingerprint(inv, dkey),
        near_keys=near_duplicate_keys(inv, dkey),
    )
