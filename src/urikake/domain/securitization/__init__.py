"""Securitization of receivables (seed 004 II): the pure engine.

* :mod:`.pool` — the pool as arrays, the CSV input and the (grade, month) cells;
* :mod:`.analytic` — Vasicek large-pool and finite-pool (Gauss–Hermite) results;
* :mod:`.montecarlo` — the one-factor Gaussian copula simulation, sharded and seeded so it
  gives identical results in-process and on a Dask cluster;
* :mod:`.waterfall` — the monthly waterfall across scenarios (fees, trust dividend,
  sequential principal, subordinated residual, cumulative-default trigger → full turbo);
* :mod:`.sizing` — the subordination for a target senior PD or expected loss (brentq);
* :mod:`.costs` — the seed's direct-cost formula, indirect costs and the comparison with
  factoring and a receivables-backed loan;
* :mod:`.report` — one analysis bundled for the CLI and the back office.

NumPy and SciPy only; no Django, no I/O.
"""
