"""Guarantee factoring (保証ファクタリング, seed 004 III.3): pure rules, no I/O.

The client keeps and collects its receivable; the platform guarantees the debtor pays. If the
debtor defaults, the platform pays the guaranteed amount within coverage in exchange for the
receivable (assigned to the platform), then recovers what it can from the debtor.

* Two schemes (III.3): 個別保証 — one receivable, a guaranteed amount decided for it (≤ face);
  根保証 — a guarantee limit (保証極度額) per debtor for a period, receivables not specified in
  advance (the client reports them as they arise).
* Premium (保証料, III.5 "売掛債権額面×保証料率"): amount × rate, the rate from the debtor's
  credit grade (:data:`PREMIUM_RATES`, the operator may decide another within
  :data:`PREMIUM_BAND`), 円未満切捨て (:data:`ROUNDING`). 根保証 charges it on the limit at issue
  or on each reported receivable (usage) — the operator chooses per contract.
* Premium income is earned evenly over the term (:func:`earned_premium`): the platform's
  obligation runs for the whole term, so the income is recognised as the risk expires, not
  when the cash arrives (前受保証料 → 保証料収益).
* Exposure per debtor identity across every product and the platform-wide per-debtor limit
  (:func:`check_debtor_limit`).
* Claims: payable after the contract's waiting period (:func:`claim_payable_from`), paid
  within coverage (:func:`claim_payment`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from urikake.domain.dates import require_date
from urikake.domain.errors import DomainError
from urikake.domain.lending import CreditGrade
from urikake.domain.money import Rounding, apply_rate, format_rate_percent
from urikake.domain.products.guarantees import PREMIUM_BAND

__all__ = [
    "MAX_EVIDENCE_BYTES",
    "MAX_TERM_DAYS",
    "PREMIUM_BAND",
    "PREMIUM_RATES",
    "ROUNDING",
    "ClaimPayment",
    "Exposure",
    "GuaranteeScheme",
    "PremiumBasis",
    "check_debtor_limit",
    "check_guaranteed_amount",
    "check_term",
    "claim_payable_from",
    "claim_payment",
    "earned_premium",
    "evidence_type",
    "premium",
    "premium_rate",
]

#: Every premium and coverage amount: 円未満切捨て (in the client's favour).
ROUNDING = Rounding.TRUNCATE
#: The premium rate for the term by the debtor's credit grade (one year at most). Below the
#: 3社間 factoring fees (2–10%): the platform pays only if the debtor defaults, and buys
#: nothing up front.
PREMIUM_RATES: Mapping[CreditGrade, Decimal] = {
    CreditGrade.HIGH: Decimal("0.010"),
    CreditGrade.NORMAL: Decimal("0.020"),
    CreditGrade.LOW: Decimal("0.040"),
}
MAX_TERM_DAYS = 366


class GuaranteeScheme(enum.StrEnum):
    INDIVIDUAL = "individual"  # 個別保証: one receivable, a guaranteed amount
    REVOLVING = "revolving"  # 根保証: a limit per debtor for a period

    @property
    def label_ja(self) -> str:
        return {"individual": "個別保証", "revolving": "根保証"}[self.value]


class PremiumBasis(enum.StrEnum):
    """What the premium of a 根保証 is charged on (個別保証: always the guaranteed amount)."""

    LIMIT = "limit"  # the whole limit, at issue
    USAGE = "usage"  # each receivable reported under the limit, when reported

    @property
    def label_ja(self) -> str:
        return {"limit": "保証極度額に対して", "usage": "保証対象の債権額に対して"}[self.value]


def _yen(value: object, what: str, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("guarantee.amount_type", f"{what}は整数(円)で指定してください。")
    if value <= 0:
        raise DomainError("guarantee.amount", f"{what}は1円以上で指定してください。", field=field)
    return value


def premium_rate(grade: CreditGrade, decided: Decimal | None = None) -> Decimal:
    """The grade's rate, or the operator's decided rate when it lies within the band."""
    if decided is None:
        return PREMIUM_RATES[CreditGrade(grade)]
    if not isinstance(decided, Decimal) or not decided.is_finite():
        raise DomainError("guarantee.rate_type", "保証料率はDecimalで指定してください。")
    low, high = PREMIUM_BAND
    if not low <= decided <= high:
        raise DomainError(
            "guarantee.rate_band",
            f"保証料率は{format_rate_percent(low)}以上{format_rate_percent(high)}以下で"
            "指定してください。",
            field="premium_rate",
        )
    return decided


def premium(amount: int, rate: Decimal) -> int:
    """保証料 = amount × rate, 円未満切捨て."""
    return apply_rate(_yen(amount, "保証の対象額", "amount"), rate, rounding=ROUNDING)


def check_guaranteed_amount(guaranteed: int, face: int) -> int:
    """個別保証: the guaranteed amount is at most the receivable's face value."""
    _yen(guaranteed, "保証金額", "guaranteed_amount")
    if guaranteed > face:
        raise DomainError(
            "guarantee.over_face",
            f"保証金額（{guaranteed:,}円）は債権の額面（{face:,}円）以下にしてください。",
            field="guaranteed_amount",
        )
    return guaranteed


def check_term(start: date, end: date) -> int:
    """The guarantee runs from ``start`` to ``end`` (both included), one year at most."""
    require_date(start, "period_start")
    require_date(end, "period_end")
    days = (end - start).days + 1
    if days < 1:
        raise DomainError(
            "guarantee.term", "保証期間の終了日は開始日以降にしてください。", field="period_end"
        )
    if days > MAX_TERM_DAYS:
        raise DomainError(
            "guarantee.term_too_long", "保証期間は1年以内にしてください。", field="period_end"
        )
    return days


def earned_premium(total: int, start: date, end: date, on: date) -> int:
    """The part of ``total`` earned by the end of day ``on``: evenly per day of the term
    (days elapsed / term days), 円未満切捨て; all of it from the last day on."""
    days = check_term(start, end)
    if on < start:
        return 0
    if on >= end:
        return total
    elapsed = (on - start).days + 1
    return total * elapsed // days  # integer division = 切捨て (ROUNDING)


@dataclass(frozen=True, slots=True)
class Exposure:
    """What the platform stands to lose on one debtor identity, by source (product)."""

    by_source: Mapping[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_source.values())


def check_debtor_limit(exposure: Exposure, adding: int, limit: int, *, debtor_name: str) -> int:
    """The per-debtor limit, platform-wide: exposure + the new guarantee ≤ limit. Returns the
    room left after it; the error names every number."""
    _yen(adding, "保証金額", "amount")
    after = exposure.total + adding
    if after > limit:
        raise DomainError(
            "guarantee.debtor_limit",
            f"売掛先「{debtor_name}」への与信上限（{limit:,}円）を超えます: "
            f"現在の与信残高 {exposure.total:,}円 + 今回の保証 {adding:,}円 = {after:,}円"
            f"（超過 {after - limit:,}円）。",
            field="amount",
        )
    return limit - after


def claim_payable_from(default_on: date, waiting_days: int) -> date:
    """The first day the platform pays a claim: the default day plus the contract's waiting
    period (calendar days; 0 = at once)."""
    require_date(default_on, "default_on")
    if isinstance(waiting_days, bool) or not isinstance(waiting_days, int) or waiting_days < 0:
        raise DomainError("guarantee.waiting_days", "待機期間は0日以上の整数で指定してください。")
    return default_on + timedelta(days=waiting_days)


@dataclass(frozen=True, slots=True)
class ClaimPayment:
    amount: int  # what the platform pays
    within_coverage: int  # what coverage was left before this claim
    uncovered: int  # the unpaid amount the platform does not cover


def claim_payment(
    unpaid: int, *, coverage_left: int, coverage_ratio: Decimal = Decimal(1)
) -> ClaimPayment:
    """The platform pays min(unpaid, coverage left) × the coverage ratio (填補率), 円未満切捨て.

    ``coverage_left``: 個別保証 — the guaranteed amount; 根保証 — the limit less what earlier
    claims of the period took."""
    _yen(unpaid, "未回収額", "unpaid_amount")
    if coverage_left <= 0:
        raise DomainError("guarantee.no_coverage", "この保証の補償枠は使い切られています。")
    if not Decimal(0) < coverage_ratio <= Decimal(1):
        raise DomainError("guarantee.coverage_ratio", "填補率は0%超100%以下で指定してください。")
    base = min(unpaid, coverage_left)
    paid = apply_rate(base, coverage_ratio, rounding=ROUNDING)
    return ClaimPayment(paid, coverage_left, unpaid - paid)


MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def evidence_type(content: bytes) -> str:
    """The media type of a claim's evidence read from its first bytes (a PDF, PNG or JPEG;
    the name and the browser's type are not trusted), or a Japanese error."""
    if not content:
        raise DomainError(
            "guarantee.evidence_empty", "証拠書類のファイルが空です。", field="evidence"
        )
    if len(content) > MAX_EVIDENCE_BYTES:
        raise DomainError(
            "guarantee.evidence_too_large", "証拠書類は10MB以下にしてください。", field="evidence"
        )
    for magic, media_type in _SIGNATURES:
        if content.startswith(magic):
            return media_type
    raise DomainError(
        "guarantee.evidence_type",
        "証拠書類はPDF・PNG・JPEGのいずれかでご提出ください。",
        field="evidence",
    )
