"""Securitization: the copula Monte Carlo at pool scale, the waterfall, Dask, and the naive way.

    .venv/bin/python benchmarks/bench_securitization.py
    BENCH_SMOKE=1 .venv/bin/python benchmarks/bench_securitization.py

Cases (full size): 100,000 receivables in 10 PD grades × 12 payment months, 10,000
scenarios, ρ = 0.15 — target ≤ 1 s and ≤ 2 GB, with the 99.9 % quantile's relative standard
error ≤ 2 %; the waterfall for 12 monthly periods × 10,000 scenarios; the same simulation on
a LocalCluster of 2 worker processes (start-up not timed; results checked identical); and
the straightforward NumPy approach (a scenarios × receivables matrix of normals) at a size it
can hold, next to the engine at that size. Peak memory is the peak of NumPy/Python
allocations during the case (tracemalloc, measured in a second, untimed run).
"""

from __future__ import annotations

import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _report import SMOKE

from urikake.domain.securitization.montecarlo import naive_losses, simulate
from urikake.domain.securitization.pool import PoolData, cells_of
from urikake.domain.securitization.waterfall import WaterfallTerms, run_waterfall, tranche_specs

GRADES = np.array([0.001, 0.002, 0.004, 0.007, 0.01, 0.015, 0.02, 0.03, 0.05, 0.08])


def make_pool(n: int, seed: int = 0) -> PoolData:
    rng = np.random.default_rng(seed)
    return PoolData(
        receivable_id=tuple(f"R{i}" for i in range(n)),
        debtor_id=tuple(f"D{i % max(1, n // 20)}" for i in range(n)),
        amount=rng.integers(100_000, 10_000_000, n).astype(np.int64),
        pd=GRADES[rng.integers(0, 10, n)],
        lgd=rng.choice([0.45, 0.6, 1.0], n),
        months=rng.integers(1, 13, n).astype(np.int64),
    )


def measure(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, seconds, peak MiB of allocations in a second run)."""
    fn()  # warm-up (imports, caches)
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    tracemalloc.start()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak / 2**20


ROWS: list[tuple[str, str, float, float, str, float]] = []


def row(name: str, size: str, seconds: float, work: float, unit: str, mib: float) -> None:
    ROWS.append((name, size, seconds, work / seconds if seconds else float("inf"), unit, mib))


def main() -> None:
    n, scenarios = (2_000, 1_000) if SMOKE else (100_000, 10_000)
    naive_n, naive_s = (1_000, 200) if SMOKE else (10_000, 2_000)
    rho, seed = 0.15, 1
    pool = make_pool(n)
    cells = cells_of(pool)

    sim, secs, mib = measure(lambda: simulate(cells, rho=rho, scenarios=scenarios, seed=seed))
    row("copula MC (cells)", f"{n:,} × {scenarios:,}", secs, n * scenarios, "rec·scen", mib)
    q999, se999 = sim.quantile(0.999)
    q99, se99 = sim.quantile(0.99)

    scheduled = np.bincount(pool.months - 1, weights=pool.amount, minlength=12).astype(np.int64)
    specs = tranche_specs(0.85, 0.05, senior_rate=0.008, mezzanine_rate=0.03)
    terms = WaterfallTerms(trust_fee_rate=0.005, dilution_rate=0.005, recovery_lag=2, trigger=0.04)
    wf, secs, mib = measure(
        lambda: run_waterfall(pool.balance, scheduled, sim.defaults, sim.recoveries, specs, terms)
    )
    periods = wf.periods
    row("waterfall", f"{periods} p × {scenarios:,}", secs, periods * scenarios, "p·scen", mib)

    from distributed import Client, LocalCluster

    from urikake.securitization.distributed import dask_mapper

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
        dask_mapper(client, cells) as (mapper, ref),
    ):

        def remote() -> Any:
            return simulate(
                cells, rho=rho, scenarios=scenarios, seed=seed, mapper=mapper, cells_ref=ref
            )

        dsim, secs, mib = measure(remote)
        row(
            "copula MC on LocalCluster(2)",
            f"{n:,} × {scenarios:,}",
            secs,
            n * scenarios,
            "rec·scen",
            mib,
        )
    identical = bool(np.array_equal(dsim.loss, sim.loss))

    small = make_pool(naive_n, seed=2)
    small_cells = cells_of(small)
    _, secs, mib = measure(
        lambda: naive_losses(small.amount, small.pd, small.lgd, rho=rho, scenarios=naive_s, seed=1)
    )
    row(
        "naive NumPy S×N matrix",
        f"{naive_n:,} × {naive_s:,}",
        secs,
        naive_n * naive_s,
        "rec·scen",
        mib,
    )
    _, secs, mib = measure(lambda: simulate(small_cells, rho=rho, scenarios=naive_s, seed=1))
    row(
        "copula MC (cells), same size",
        f"{naive_n:,} × {naive_s:,}",
        secs,
        naive_n * naive_s,
        "rec·scen",
        mib,
    )

    print(f"\nSecuritization ({'SMOKE' if SMOKE else 'full'}; {len(cells.pd)} cells, ρ {rho})")
    header = f"{'case':<32} {'size':>18} {'time (s)':>9} {'throughput':>22} {'peak MiB':>9}"
    print(header)
    print("-" * len(header))
    for name, size, secs, thr, unit, mib in ROWS:
        print(f"{name:<32} {size:>18} {secs:>9.3f} {thr:>13,.0f} {unit}/s {mib:>9.1f}")
    print(
        f"\npool EL {sim.expected_loss[0]:.4%}; 99% quantile {q99:.4%} (rel. SE {se99 / q99:.2%});"
        f" 99.9% quantile {q999:.4%} (rel. SE {se999 / q999:.2%}, target ≤ 2%)"
    )
    print(f"LocalCluster results identical to in-process: {identical}")


if __name__ == "__main__":
    main()
