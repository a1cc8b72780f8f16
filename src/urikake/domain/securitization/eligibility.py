"""Which positions may go into a pool, with what haircut, and the dilution reserve.

A position is **eligible** when it is open and not overdue at the cut-off date, its transfer
is perfected against third parties (対抗要件具備済み), it carries no anti-assignment clause the
debtor has not released, and its product is allowed in the pool. Each rejected position gets
a Japanese reason, shown to the structuring user.

**Concentration** (pool method only): no debtor may weigh more than ``concentration_limit``
of the eligible balance. The excess over the limit is cut from that debtor's receivables
(excess-concentration haircut, spread over them with :func:`urikake.domain.money.allocate` so
the yen add up) — computed against the pool *after* the haircuts, by a fixed-point step. In
the **specific-debtor method** (特定先方式) the debtors are named and assessed one by one, so
no concentration haircut applies; the loss model then treats each debtor as one obligor.

**Dilution reserve**: dilution (returns, discounts, set-offs and payer-deducted fees — what
reduces a receivable without a default) observed in the platform's history, as a rate of
the collected face amounts, times a stress multiple, applied to the pool balance.

**PD per position** comes from its screening grade (A–E), and the LGD is one figure: both
are the structuring desk's assumptions, operator settings passed in by the caller
(:mod:`urikake.domain.securitization.assumptions`; :data:`GRADE_PD` is their default).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from urikake.domain.errors import DomainError
from urikake.domain.money import allocate
from urikake.domain.securitization.assumptions import DEFAULT, Assumptions

__all__ = [
    "GRADE_PD",
    "Candidate",
    "Selection",
    "dilution_rate",
    "dilution_reserve",
    "select",
]

#: Screening grade → PD over the receivable's life: the default assumption (settings may differ).
GRADE_PD: dict[str, float] = {g: float(pd) for g, pd in DEFAULT.grade_pd.items()}
DEFAULT_LGD = float(DEFAULT.lgd)

SPECIFIC = "specific"
POOL = "pool"


@dataclass(frozen=True)
class Candidate:
    position_id: int
    debtor: str
    product: str
    residual: int  # what the debtor still owes
    due_date: date
    open: bool
    perfected: bool
    clause_unreleased: bool
    grade: str = "C"


@dataclass(frozen=True)
class Included:
    position_id: int
    debtor: str
    residual: int
    haircut: int
    pd: float
    lgd: float
    months: int

    @property
    def amount(self) -> int:
        return self.residual - self.haircut


@dataclass(frozen=True)
class Selection:
    included: tuple[Included, ...]
    excluded: tuple[tuple[int, str], ...]  # (position id, Japanese reason)
    haircuts: dict[str, int] = field(default_factory=dict)  # per debtor

    @property
    def balance(self) -> int:
        return sum(i.amount for i in self.included)


def _months_until(cut_off: date, due: date) -> int:
    days = (due - cut_off).days
    return max(1, min(120, math.ceil(days / 30)))


def _reason(c: Candidate, cut_off: date, allowed: frozenset[str]) -> str | None:
    if not c.open or c.residual <= 0:
        return "回収済み・償却済みなど、未回収の残高がありません。"
    if c.due_date < cut_off:
        return "基準日時点で支払期日を過ぎています（延滞）。"
    if not c.perfected:
        return "対抗要件の具備が完了していません。"
    if c.clause_unreleased:
        return "譲渡禁止・制限特約があり、売掛先の承諾がありません。"
    if c.product not in allowed:
        return "この資金化の方法はプールの対象外です。"
    return None


def select(
    candidates: list[Candidate],
    *,
    cut_off: date,
    allowed_products: frozenset[str],
    method: str,
    concentration_limit: Decimal,
    assumptions: Assumptions = DEFAULT,
) -> Selection:
    """Eligible positions with their haircuts, and the rejected ones with a reason; PD and
    LGD from ``assumptions`` (the settings in force at the cut-off)."""
    if method not in (SPECIFIC, POOL):
        raise DomainError("securitization.method", "方式を選択してください。", field="method")
    if not Decimal(0) < concentration_limit <= Decimal(1):
        raise DomainError(
            "securitization.concentration_limit",
            "1社あたりの上限は0%より大きく100%以下で指定してください。",
            field="concentration_limit",
        )
    ok: list[Candidate] = []
    excluded: list[tuple[int, str]] = []
    for c in sorted(candidates, key=lambda x: x.position_id):
        why = _reason(c, cut_off, allowed_products)
        if why is None:
            ok.append(c)
        else:
            excluded.append((c.position_id, why))
    by_debtor: dict[str, int] = defaultdict(int)
    for c in ok:
        by_debtor[c.debtor] += c.residual
    cuts: dict[str, int] = {}
    if method == POOL and ok:
        cuts = _concentration_haircuts(dict(by_debtor), Fraction(concentration_limit))
    per_position: dict[int, int] = {}
    for debtor, cut in cuts.items():
        mine = [c for c in ok if c.debtor == debtor]
        for c, part in zip(mine, allocate(cut, [c.residual for c in mine]), strict=True):
            per_position[c.position_id] = part
    included = tuple(
        Included(
            position_id=c.position_id,
            debtor=c.debtor,
            residual=c.residual,
            haircut=per_position.get(c.position_id, 0),
            pd=assumptions.pd_of(c.grade),
            lgd=float(assumptions.lgd),
            months=_months_until(cut_off, c.due_date),
        )
        for c in ok
    )
    return Selection(included, tuple(excluded), {d: v for d, v in cuts.items() if v})


def _concentration_haircuts(exposure: dict[str, int], limit: Fraction) -> dict[str, int]:
    """Cut each debtor to at most ``limit`` × the pool after the cuts (fixed point).

    With the set C of capped debtors and the rest R, a capped debtor keeps x with
    ``x = limit × (|C|·x + R)``, i.e. ``x = limit·R / (1 − limit·|C|)``. Debtors are capped
    largest first until the rest fit. A limit the pool cannot meet (fewer debtors than
    ``1/limit``) caps everyone at the smallest exposure's level — flagged by the caller.
    """
    order = sorted(exposure.items(), key=lambda kv: (-kv[1], kv[0]))
    total = sum(exposure.values())
    if len(order) == 1 or all(v <= limit * total for _, v in order):
        return {}
    for k in range(1, len(order) + 1):
        capped = order[:k]
        rest = sum(v for _, v in order[k:])
        denom = 1 - limit * k
        if k == len(order) or denom <= 0:
            cap = Fraction(min(v for _, v in order))
        else:
            cap = limit * rest / denom
        if k == len(order) or order[k][1] <= cap:
            keep = math.floor(cap)
            return {d: max(0, v - keep) for d, v in capped}
    return {}  # pragma: no cover - the loop always returns


def dilution_rate(face_collected: int, diluted: int) -> Decimal:
    """Historical dilution as a share of collected face amounts (0 without history)."""
    if face_collected <= 0:
        return Decimal(0)
    return Decimal(diluted) / Decimal(face_collected)


def dilution_reserve(balance: int, rate: Decimal, *, stress: Decimal = Decimal(2)) -> int:
    """Reserve = balance × rate × stress, rounded up (切上げ: a reserve is never short)."""
    return math.ceil(Fraction(balance) * Fraction(rate) * Fraction(stress))
