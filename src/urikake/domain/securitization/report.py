"""One analysis of a pool: loss distribution, tranches and (Monte Carlo) the waterfall.

:func:`analyse` is what the CLI and the back office call. ``method="mc"`` runs the copula
Monte Carlo (:mod:`.montecarlo`) and the waterfall over its scenarios; ``method="analytic"``
uses the large-pool result for the pool's grades (:class:`.analytic.LargePool`), which
ignores granularity (a small pool is riskier than it says). :func:`as_json` gives the
documented JSON (``pool.expected_loss``, ``pool.loss_quantiles`` with keys ``"0.99"`` and
``"0.999"`` as fractions of the pool balance, and ``tranches``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from urikake.domain.errors import DomainError
from urikake.domain.securitization.analytic import LargePool, check_correlation
from urikake.domain.securitization.montecarlo import Mapper, Simulation, simulate
from urikake.domain.securitization.pool import Cells, PoolData, cells_of
from urikake.domain.securitization.waterfall import (
    TrancheSpec,
    WaterfallResult,
    WaterfallTerms,
    run_waterfall,
    tranche_specs,
)

__all__ = ["QUANTILES", "Analysis", "TrancheResult", "analyse", "as_json", "large_pool_of"]

QUANTILES = (0.99, 0.999)
METHODS = ("mc", "analytic")


@dataclass(frozen=True)
class TrancheResult:
    spec: TrancheSpec
    expected_loss: float
    pd: float
    wal_months: float | None = None


@dataclass(frozen=True, eq=False)
class Analysis:
    method: str
    balance: int
    receivables: int
    expected_loss: float
    expected_loss_se: float | None
    quantiles: dict[float, float]
    quantile_se: dict[float, float]
    tranches: tuple[TrancheResult, ...]
    simulation: Simulation | None
    waterfall: WaterfallResult | None
    cells: Cells
    correlation: float
    seed: int | None

    def histogram(self, bins: int = 20) -> tuple[list[str], list[float]]:
        """(bin labels, probabilities) of the loss fraction (Monte Carlo runs only)."""
        if self.simulation is None:
            return [], []
        frac = self.simulation.loss_fraction
        top = max(float(np.quantile(frac, 0.9995)), 1e-6)
        edges = np.linspace(0.0, top, bins + 1)
        weights = self.simulation.weight / self.simulation.weight.sum()
        hist, _ = np.histogram(np.minimum(frac, top), bins=edges, weights=weights)
        labels = [f"{edges[i] * 100:.1f}%" for i in range(bins)]
        return labels, [float(h) for h in hist]


def large_pool_of(cells: Cells, rho: float) -> LargePool:
    grades = np.unique(cells.pd, return_inverse=True)
    values, index = grades
    # Exposure and loss-weighted LGD per grade, from the cell members.
    exposure = np.zeros(values.shape[0])
    loss = np.zeros(values.shape[0])
    for j in range(cells.pd.shape[0]):
        s, n = int(cells.start[j]), int(cells.size[j])
        # Monte Carlo statistics in float by design (reports round them for display).
        # nosemgrep: money-no-float
        exposure[index[j]] += float(cells.amount[s : s + n].sum())
        loss[index[j]] += float(cells.loss[s : s + n].sum())
    lgd = np.where(exposure > 0, loss / np.where(exposure > 0, exposure, 1.0), 0.0)
    return LargePool(
        tuple(float(x) for x in exposure / exposure.sum()),
        tuple(float(x) for x in values),
        tuple(float(x) for x in lgd),
        rho,
    )


def analyse(
    pool: PoolData,
    *,
    senior: float,
    mezzanine: float = 0.0,
    scenarios: int = 10_000,
    correlation: float = 0.15,
    seed: int = 1,
    method: str = "mc",
    terms: WaterfallTerms | None = None,
    senior_rate: float = 0.0,
    mezzanine_rate: float = 0.0,
    mapper: Mapper = map,
    cells_ref: Any = None,
    cells: Cells | None = None,
) -> Analysis:
    rho = check_correlation(correlation)
    if method not in METHODS:
        raise DomainError(
            "securitization.method",
            "計算方法は mc か analytic を指定してください。",
            field="method",
        )
    specs = tranche_specs(senior, mezzanine, senior_rate=senior_rate, mezzanine_rate=mezzanine_rate)
    cells = cells or cells_of(pool)
    if method == "analytic":
        lp = large_pool_of(cells, rho)
        tranches = tuple(TrancheResult(x, *lp.tranche(x.attachment, x.detachment)) for x in specs)
        return Analysis(
            method=method,
            balance=cells.balance,
            receivables=pool.size,
            expected_loss=lp.expected_loss,
            expected_loss_se=None,
            quantiles={q: lp.quantile(q) for q in QUANTILES},
            quantile_se={},
            tranches=tranches,
            simulation=None,
            waterfall=None,
            cells=cells,
            correlation=rho,
            seed=None,
        )
    sim = simulate(
        cells, rho=rho, scenarios=scenarios, seed=seed, mapper=mapper, cells_ref=cells_ref
    )
    scheduled = np.bincount(pool.months - 1, weights=pool.amount, minlength=cells.horizon)
    wf = run_waterfall(
        cells.balance,
        scheduled.astype(np.int64),
        sim.defaults,
        sim.recoveries,
        specs,
        terms or WaterfallTerms(),
    )
    quantiles, ses = {}, {}
    for q in QUANTILES:
        quantiles[q], ses[q] = sim.quantile(q)
    results = []
    for x in specs:
        el, pd = sim.tranche(x.attachment, x.detachment)
        wal = wf.wal_months(x.name)
        ok = ~np.isnan(wal)
        wal_mean = float(np.average(wal[ok], weights=sim.weight[ok])) if ok.any() else None
        results.append(TrancheResult(x, el, pd, wal_mean))
    el, el_se = sim.expected_loss
    return Analysis(
        method=method,
        balance=cells.balance,
        receivables=pool.size,
        expected_loss=el,
        expected_loss_se=el_se,
        quantiles=quantiles,
        quantile_se=ses,
        tranches=tuple(results),
        simulation=sim,
        waterfall=wf,
        cells=cells,
        correlation=rho,
        seed=seed,
    )


def _r(x: float | None) -> float | None:
    return None if x is None or x != x else round(float(x), 10)


def as_json(a: Analysis) -> dict[str, Any]:
    """The CLI's JSON document."""
    pool: dict[str, Any] = {
        "balance": a.balance,
        "receivables": a.receivables,
        "expected_loss": _r(a.expected_loss),
        "loss_quantiles": {str(q): _r(v) for q, v in a.quantiles.items()},
    }
    if a.expected_loss_se is not None:
        pool["expected_loss_standard_error"] = _r(a.expected_loss_se)
        pool["loss_quantile_standard_errors"] = {str(q): _r(v) for q, v in a.quantile_se.items()}
    return {
        "method": a.method,
        "correlation": a.correlation,
        "scenarios": a.simulation.scenarios if a.simulation else None,
        "seed": a.seed,
        "grades": a.cells.grades,
        "grades_approximated": a.cells.approximated,
        "pool": pool,
        "tranches": [
            {
                "name": t.spec.name,
                "attachment": _r(t.spec.attachment),
                "detachment": _r(t.spec.detachment),
                "expected_loss": _r(t.expected_loss),
                "pd": _r(t.pd),
                **({"wal_months": _r(t.wal_months)} if t.wal_months is not None else {}),
            }
            for t in a.tranches
        ],
    }
