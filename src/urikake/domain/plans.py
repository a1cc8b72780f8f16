"""Operator-defined plans (プラン): who may use them, for which deal sizes, at what price.

A plan is terms an operator sets in the back office — never constants in code: the segment
(法人 / 個人事業主), the product it finances (stored as the product identifier, never compared
by name here), the minimum and maximum per deal in yen, the fee band (min/max rate), the
advance rate (掛目) and the promised speed (最短即日 …). Plans are effective-dated: a change
is a new :class:`PlanTerms` version effective from a date; the version in force on a day is
:func:`version_on`.

The rules here answer two questions, without Django:

* :func:`check_amount` — is this deal within the plan? (refused before screening, with the
  limit named: :class:`PlanLimitError`);
* :func:`choose_plan` — which plan applies to a deal when the applicant did not choose one?
  Among the active plans of the segment and product whose range holds the amount, the one
  with the smallest maximum (the most specific plan, e.g. クイック before プレミアム), ties
  broken by code. If plans exist for the segment and product but none holds the amount, the
  deal is refused naming the nearest limit.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from urikake.domain.errors import DomainError
from urikake.domain.money import format_rate_percent, format_yen

__all__ = [
    "MAX_PLAN_AMOUNT_YEN",
    "PlanLimitError",
    "PlanTerms",
    "Segment",
    "check_amount",
    "choose_plan",
    "validate_terms",
    "version_on",
]

#: No plan may promise more than this per deal (a sanity bound on what an operator types).
MAX_PLAN_AMOUNT_YEN = 10_000_000_000


class Segment(enum.StrEnum):
    """Who a plan is for (the applicant organisation's kind)."""

    CORPORATION = "corporation"  # 法人
    SOLE_PROPRIETOR = "sole_proprietor"  # 個人事業主


SEGMENT_LABELS = {Segment.CORPORATION: "法人", Segment.SOLE_PROPRIETOR: "個人事業主"}


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """One version of a plan's terms (what an application is held to)."""

    code: str
    name: str
    segment: Segment
    product: str  # a product identifier (urikake.domain.products), stored and filtered only
    min_amount: int  # yen per deal, inclusive
    max_amount: int  # yen per deal, inclusive
    fee_min: Decimal  # fee band, as rates of face (0.038 = 3.8%)
    fee_max: Decimal
    advance_rate: Decimal  # 掛目: the share of face paid at once
    speed: str  # the promised speed, as shown to applicants (最短即日 / 2営業日 …)
    active: bool = True
    effective_from: date | None = None
    version_id: int | None = None  # the stored version, when it comes from the database

    def holds(self, amount: int) -> bool:
        return self.min_amount <= amount <= self.max_amount

    def describe(self) -> str:
        return (
            f"{self.name}（{format_yen(self.min_amount)}〜{format_yen(self.max_amount)}、"
            f"手数料 {format_rate_percent(self.fee_min)}〜{format_rate_percent(self.fee_max)}、"
            f"{self.speed}）"
        )


class PlanLimitError(DomainError):
    """A deal outside its plan's range: the limit in yen and which bound it is."""

    def __init__(self, code: str, message: str, *, field: str, limit: int, bound: str) -> None:
        super().__init__(code, message, field=field)
        self.limit = limit
        self.bound = bound  # "min" or "max"

    def as_dict(self) -> dict[str, str | int]:
        return {**super().as_dict(), "limit": self.limit, "bound": self.bound}


def validate_terms(terms: PlanTerms) -> list[DomainError]:
    """Every problem with terms an operator typed (empty when they are sane)."""
    problems: list[DomainError] = []

    def bad(code: str, message: str, field: str) -> None:
        problems.append(DomainError(f"plan.{code}", message, field=field))

    if not terms.name.strip():
        bad("name", "プラン名を入力してください。", "name")
    if not 1 <= terms.min_amount <= MAX_PLAN_AMOUNT_YEN:
        bad(
            "min_amount",
            f"最低金額は1円以上{format_yen(MAX_PLAN_AMOUNT_YEN)}以下で入力してください。",
            "min_amount",
        )
    if not 1 <= terms.max_amount <= MAX_PLAN_AMOUNT_YEN:
        bad(
            "max_amount",
            f"上限金額は1円以上{format_yen(MAX_PLAN_AMOUNT_YEN)}以下で入力してください。",
            "max_amount",
        )
    elif terms.max_amount < terms.min_amount:
        bad("range", "上限金額は最低金額以上にしてください。", "max_amount")
    if not Decimal("0") < terms.fee_min < Decimal("1"):
        bad("fee_min", "手数料（下限）は0%より大きく100%未満にしてください。", "fee_min")
    if not Decimal("0") < terms.fee_max < Decimal("1"):
        bad("fee_max", "手数料（上限）は0%より大きく100%未満にしてください。", "fee_max")
    elif terms.fee_max < terms.fee_min:
        bad("fee_band", "手数料の上限は下限以上にしてください。", "fee_max")
    if not Decimal("0") < terms.advance_rate <= Decimal("1"):
        bad("advance_rate", "掛目は0%より大きく100%以下にしてください。", "advance_rate")
    elif terms.advance_rate <= terms.fee_max:
        bad("advance_rate", "掛目は手数料の上限より大きくしてください。", "advance_rate")
    if not terms.speed.strip():
        bad("speed", "お振込までの目安（例: 最短即日）を入力してください。", "speed")
    return problems


def version_on(versions: Iterable[PlanTerms], day: date) -> PlanTerms | None:
    """The version of one plan in force on ``day``: the latest effective on or before it."""
    current: PlanTerms | None = None
    for v in versions:
        if v.effective_from is None or v.effective_from > day:
            continue
        if current is None or (v.effective_from, v.version_id or 0) > (
            current.effective_from or date.min,
            current.version_id or 0,
        ):
            current = v
    return current


def check_amount(terms: PlanTerms, amount: int, *, field: str = "amount") -> None:
    """Refuse a deal outside the plan (a PlanLimitError naming the limit); else nothing."""
    if not terms.active:
        raise DomainError(
            "plan.inactive", f"{terms.name}は現在お申込みいただけません。", field="plan"
        )
    if amount > terms.max_amount:
        raise PlanLimitError(
            "plan.above_max",
            f"{terms.name}でお申込みいただける金額は1件あたり{format_yen(terms.max_amount)}までです"
            f"（お申込み額 {format_yen(amount)}）。",
            field=field,
            limit=terms.max_amount,
            bound="max",
        )
    if amount < terms.min_amount:
        raise PlanLimitError(
            "plan.below_min",
            f"{terms.name}でお申込みいただける金額は1件あたり{format_yen(terms.min_amount)}からです"
            f"（お申込み額 {format_yen(amount)}）。",
            field=field,
            limit=terms.min_amount,
            bound="min",
        )


def choose_plan(
    plans: Sequence[PlanTerms],
    *,
    segment: Segment,
    product: str,
    amount: int,
    field: str = "amount",
) -> PlanTerms | None:
    """The plan that applies to a deal (rule in the module docstring).

    ``None`` when no plan at all is offered for the segment and product (the operator runs
    without plans for it); a DomainError when plans exist but none takes this amount.
    """
    candidates = [p for p in plans if p.active and p.segment == segment and p.product == product]
    if not candidates:
        return None
    fitting = [p for p in candidates if p.holds(amount)]
    if fitting:
        return min(fitting, key=lambda p: (p.max_amount, p.code))
    highest = max(candidates, key=lambda p: p.max_amount)
    if amount > highest.max_amount:
        raise PlanLimitError(
            "plan.above_max",
            f"ご利用いただけるプランの上限は1件あたり{format_yen(highest.max_amount)}です"
            f"（お申込み額 {format_yen(amount)}）。",
            field=field,
            limit=highest.max_amount,
            bound="max",
        )
    lowest = min(candidates, key=lambda p: p.min_amount)
    if amount < lowest.min_amount:
        raise PlanLimitError(
            "plan.below_min",
            f"ご利用いただけるプランの最低金額は1件あたり{format_yen(lowest.min_amount)}です"
            f"（お申込み額 {format_yen(amount)}）。",
            field=field,
            limit=lowest.min_amount,
            bound="min",
        )
    # Between two plans' ranges (a gap the operator left): name the next plan up.
    above = min((p for p in candidates if p.min_amount > amount), key=lambda p: p.min_amount)
    raise PlanLimitError(
        "plan.gap",
        f"この金額に合うプランがありません。{above.name}は1件あたり"
        f"{format_yen(above.min_amount)}からです（お申込み額 {format_yen(amount)}）。",
        field=field,
        limit=above.min_amount,
        bound="min",
    )
