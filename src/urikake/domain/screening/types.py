"""Value types shared by the screening modules (inputs, scores, reasons, outcomes).

All of them are frozen dataclasses; yen are ``int``, rates ``Decimal``; scores and
probabilities (not money) may be ``float``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, TypeAlias

from urikake.domain.products import ProductId

__all__ = [
    "ApplicantProfile",
    "DebtorProfile",
    "EvidenceValue",
    "ModelScore",
    "PlatformContext",
    "PriorInvoice",
    "Product",
    "Reason",
    "RiskAssessment",
    "RiskKind",
    "RiskLevel",
    "RiskScore",
    "ScoreProvider",
    "level_for",
]

EvidenceValue: TypeAlias = str | int | float | bool | tuple[str, ...] | None


#: The product identifier of the registry (:mod:`urikake.domain.products`), under the name
#: screening has always used.
Product: TypeAlias = ProductId


class RiskKind(enum.Enum):
    """The five risks of receivables (seed 004, 売掛債権に潜むリスク)."""

    DEFAULT = "default"  # デフォルト・リスク
    FRAUD = "fraud"  # フロード（不正取引）・リスク
    DILUTION = "dilution"  # ダイリューション（希薄化）・リスク
    CONTRA = "contra"  # コントラ（相殺）・リスク
    COMMINGLING = "commingling"  # コミングリング（混在）・リスク


RISK_LABELS: Mapping[RiskKind, str] = {
    RiskKind.DEFAULT: "デフォルト・リスク",
    RiskKind.FRAUD: "フロード（不正取引）・リスク",
    RiskKind.DILUTION: "ダイリューション（希薄化）・リスク",
    RiskKind.CONTRA: "コントラ（相殺）・リスク",
    RiskKind.COMMINGLING: "コミングリング（混在）・リスク",
}


class RiskLevel(enum.Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


#: Score (0–100) at or above which a risk is MEDIUM / HIGH.
MEDIUM_FROM = 35
HIGH_FROM = 65


def level_for(score: int) -> RiskLevel:
    if score >= HIGH_FROM:
        return RiskLevel.HIGH
    if score >= MEDIUM_FROM:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


@dataclass(frozen=True, slots=True)
class Reason:
    """One explained finding: a stable ``code``, a Japanese message and its evidence."""

    code: str
    message: str
    evidence: Mapping[str, EvidenceValue] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RiskScore:
    kind: RiskKind
    score: int  # 0–100, higher is riskier
    level: RiskLevel
    reasons: tuple[Reason, ...]

    @property
    def label(self) -> str:
        return RISK_LABELS[self.kind]


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    """One :class:`RiskScore` per :class:`RiskKind`, plus the composite grade A–E."""

    scores: tuple[RiskScore, ...]
    composite: int  # 0–100, weighted (see risks.COMPOSITE_WEIGHTS)
    grade: str  # "A" (best) … "E"

    def get(self, kind: RiskKind) -> RiskScore:
        for s in self.scores:
            if s.kind is kind:
                return s
        raise KeyError(kind)

    def codes(self) -> frozenset[str]:
        return frozenset(r.code for s in self.scores for r in s.reasons)


@dataclass(frozen=True, slots=True)
class ModelScore:
    """What a trained model says about a default: probability, grade and its reasons."""

    probability: float  # 0.0–1.0
    grade: str
    reasons: tuple[str, ...] = ()


class ScoreProvider(Protocol):
    """A default model (built elsewhere) scored on :func:`risks.features_for_model`."""

    def score(self, features: Mapping[str, float | str | None]) -> ModelScore: ...


@dataclass(frozen=True, slots=True)
class ApplicantProfile:
    """The seller of the invoice (申込者)."""

    names: tuple[str, ...]  # 商号 and its kana reading(s), 屋号
    corporate_number: str = ""
    established: date | None = None  # 設立日 / 開業日
    #: Two-party deals completed where the collected money was forwarded on time.
    forwarding_on_time: int = 0
    #: ... and where it was forwarded late or not at all.
    forwarding_late: int = 0


@dataclass(frozen=True, slots=True)
class DebtorProfile:
    """The debtor (売掛先). ``names``: name plus kana readings (kanji give no match key)."""

    names: tuple[str, ...]
    corporate_number: str = ""
    established: date | None = None
    prior_defaults: int = 0  # defaults of this debtor known to the platform


@dataclass(frozen=True, slots=True)
class PriorInvoice:
    """An earlier invoice of the applicant to the same debtor, and what became of it.

    ``received_amount`` None means "not known": it is then inferred from the statements.
    """

    invoice_number: str
    issue_date: date
    due_date: date
    amount: int
    received_amount: int | None = None
    credit_note_amount: int = 0  # 赤伝・返品・値引 issued against it


@dataclass(frozen=True, slots=True)
class PlatformContext:
    """What the platform already knows: other applications and current exposure."""

    existing_fingerprints: frozenset[str] = frozenset()
    existing_near_keys: frozenset[str] = frozenset()
    debtor_exposure_yen: int = 0  # outstanding purchased receivables on this debtor
    debtor_exposure_limit_yen: int = 30_000_000
