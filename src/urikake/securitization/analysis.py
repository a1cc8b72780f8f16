"""Read-only analysis of a stored pool: the engine's numbers for the back-office pages,
exports and the investor report. Nothing here writes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import numpy as np

from urikake.domain.money import Rounding, apply_rate
from urikake.domain.securitization import costs
from urikake.domain.securitization.pool import PoolData, pool_from_rows
from urikake.domain.securitization.report import Analysis, analyse
from urikake.domain.securitization.sizing import size_senior
from urikake.domain.securitization.waterfall import WaterfallTerms
from urikake.securitization import assumptions
from urikake.securitization.models import Pool

SCENARIOS = 5000
#: Assumptions of the comparison (docs/securitization.md): a receivables-backed loan lends
#: 80 % of the pool at 2.5 % a year; servicing costs ¥100 per receivable and month.
LOAN_ADVANCE = Decimal("0.8")
LOAN_RATE = Decimal("0.025")
SERVICING_PER_RECEIVABLE_MONTH = 100


def pool_data(pool: Pool) -> PoolData:
    items = list(pool.items.order_by("pk"))
    fallback = assumptions.of_pool(pool).lgd
    if pool.method == Pool.Method.SPECIFIC:
        # 特定先方式: each debtor is one obligor (its receivables default together).
        groups: dict[str, list[Any]] = defaultdict(list)
        for i in items:
            groups[i.debtor_key].append(i)
        rows = []
        for debtor, its in sorted(groups.items()):
            amount = sum(i.amount for i in its)
            lgd = sum(i.lgd * i.amount for i in its) / amount if amount else float(fallback)
            rows.append(
                (debtor, debtor, amount, max(i.pd for i in its), lgd, max(i.months for i in its))
            )
        return pool_from_rows(rows)
    return pool_from_rows(
        [(f"#{i.position_id}", i.debtor_key, i.amount, i.pd, i.lgd, i.months) for i in items]
    )


def trigger_of(pool: Pool) -> Decimal:
    """The cumulative default ratio that switches the pool to full turbo (the pool's
    assumption version)."""
    return assumptions.of_pool(pool).trigger


def terms_of(pool: Pool) -> WaterfallTerms:
    used = assumptions.of_pool(pool)
    return WaterfallTerms(
        trust_fee_rate=float(pool.trust_fee_rate),  # nosemgrep: money-no-float # Monte Carlo input
        dilution_rate=float(pool.dilution_rate),
        recovery_lag=used.recovery_lag,
        trigger=float(used.trigger),
    )


def analyse_pool(pool: Pool, *, scenarios: int = SCENARIOS) -> Analysis:
    return analyse(
        pool_data(pool),
        senior=float(pool.senior_share),
        mezzanine=float(pool.mezzanine_share),
        scenarios=scenarios,
        correlation=float(pool.correlation),
        seed=pool.pk,
        method="mc",
        terms=terms_of(pool),
        senior_rate=float(pool.tibor + pool.spread),
        mezzanine_rate=float(pool.tibor + pool.spread) * 3,
    )


def sized_senior(a: Analysis, target: float, metric: str) -> float:
    """The senior share meeting ``target`` (PD or EL of the senior) on this run's scenarios."""
    assert a.simulation is not None
    sim = a.simulation
    if metric == "el":
        return size_senior(lambda x: sim.tranche(x, 1.0)[0], target)
    return size_senior(lambda x: sim.tranche(x, 1.0)[1], target)


@dataclass(frozen=True)
class CostView:
    direct: costs.DirectCost
    indirect: costs.IndirectCost
    enhancement_fee: int
    options: tuple[costs.FinancingOption, ...]
    sold_interest: int  # the beneficial interest sold to investors (信託受益権額)


def cost_view(pool: Pool) -> CostView:
    sold_share = pool.senior_share + pool.mezzanine_share
    if not pool.retain_subordinated:
        sold_share = Decimal(1)
    sold = apply_rate(pool.balance, sold_share, rounding=Rounding.TRUNCATE)
    months = pool.term_months
    direct = costs.direct_cost(
        sold,
        tibor=pool.tibor,
        spread=pool.spread,
        trust_fee=pool.trust_fee_rate,
        months=months,
        rounding=Rounding.TRUNCATE,
    )
    items = list(pool.items.select_related("position"))
    debtors = len({i.debtor_key for i in items})
    indirect = costs.indirect_cost(
        receivables=len(items),
        debtors=debtors,
        months=months,
        servicing_per_receivable_month=SERVICING_PER_RECEIVABLE_MONTH,
    )
    senior_face = apply_rate(pool.balance, pool.senior_share, rounding=Rounding.TRUNCATE)
    enhancement = apply_rate(
        senior_face,
        pool.enhancement_fee_rate * Decimal(months) / Decimal(12),
        rounding=Rounding.TRUNCATE,
    )
    face = sum(i.position.face_amount for i in items)
    fee = sum(i.position.fee for i in items)
    factoring_rate = (
        Decimal(Fraction(fee, face).numerator) / Decimal(Fraction(fee, face).denominator)
        if face
        else Decimal("0.03")
    )
    options = costs.compare_financing(
        pool.balance,
        months=months,
        securitization_cash=sold,
        securitization_cost=direct.total + indirect.total + enhancement,
        factoring_fee_rate=factoring_rate,
        loan_annual_rate=LOAN_RATE,
        loan_advance_rate=LOAN_ADVANCE,
        loan_fees=debtors * costs.CERTIFIED_DATE_FEE,
        rounding=Rounding.TRUNCATE,
    )
    return CostView(direct, indirect, enhancement, options, sold)


TRANCHE_LABELS = {"senior": "優先", "mezzanine": "メザニン", "subordinated": "劣後"}


@dataclass(frozen=True)
class PeriodRow:
    period: int
    collections: int
    defaults: int
    dilution: int
    recoveries: int
    trust_fee: int
    interest: dict[str, int]
    principal: dict[str, int]
    outstanding: dict[str, int]
    cumulative_default_ratio: float
    turbo_probability: float


def period_rows(a: Analysis) -> list[PeriodRow]:
    """Expected (importance-weighted mean) cash flows per month, rounded down to yen."""
    wf, sim = a.waterfall, a.simulation
    assert wf is not None
    assert sim is not None
    w = sim.weight / sim.weight.sum()

    def mean(x: np.ndarray) -> int:
        return int(np.floor(w @ x))

    assert wf.collections is not None
    assert wf.defaults is not None
    assert wf.dilution is not None
    assert wf.recoveries is not None
    assert wf.trust_fee is not None
    assert wf.turbo is not None
    cum = np.cumsum(wf.defaults, axis=1)
    paid = {n: np.cumsum(wf.principal[n], axis=1) for n in wf.face}
    rows = []
    for t in range(wf.periods):
        rows.append(
            PeriodRow(
                period=t + 1,
                collections=mean(wf.collections[:, t]),
                defaults=mean(wf.defaults[:, t]),
                dilution=mean(wf.dilution[:, t]),
                recoveries=mean(wf.recoveries[:, t]),
                trust_fee=mean(wf.trust_fee[:, t]),
                interest={n: mean(wf.interest[n][:, t]) for n in wf.face},
                principal={n: mean(wf.principal[n][:, t]) for n in wf.face},
                outstanding={
                    n: max(0, wf.face[n] - mean(paid[n][:, t]))
                    for n in wf.face
                    if n != "subordinated"
                },
                cumulative_default_ratio=float(w @ cum[:, t]) / a.balance,
                turbo_probability=float(w @ wf.turbo[:, t].astype(float)),
            )
        )
    return rows
