"""The securitization engine against public vectors and the seed's worked examples."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from urikake.domain.errors import DomainError
from urikake.domain.money import Rounding
from urikake.domain.securitization.analytic import (
    LargePool,
    finite_pool_tranche,
    vasicek_quantile,
)
from urikake.domain.securitization.costs import compare_financing, direct_cost, indirect_cost
from urikake.domain.securitization.montecarlo import simulate
from urikake.domain.securitization.pool import cells_of, parse_pool_csv, pool_from_rows
from urikake.domain.securitization.report import analyse, as_json
from urikake.domain.securitization.sizing import size_senior
from urikake.domain.securitization.waterfall import (
    WaterfallTerms,
    run_waterfall,
    tranche_specs,
)

# --- the seed's worked examples ---------------------------------------------------------


def test_seed_80_20_example_pays_what_the_seed_says():
    # ¥100,000,000, senior 80 % / sub 20 %; ¥10,000,000 and ¥25,000,000 uncollectable.
    result = run_waterfall(
        100_000_000,
        np.array([100_000_000]),
        defaults=np.array([[10_000_000], [25_000_000]]),
        recoveries=np.zeros((2, 1), dtype=np.int64),
        tranches=tranche_specs(0.8),
    )
    assert result.face == {"senior": 80_000_000, "subordinated": 20_000_000}
    assert result.received("senior").tolist() == [80_000_000, 75_000_000]
    assert result.received("subordinated").tolist() == [10_000_000, 0]
    assert result.loss("senior").tolist() == [0, 5_000_000]  # 優先配当者にも500万円の損失


def test_seed_direct_cost_example():
    cost = direct_cost(
        500_000_000,
        tibor=Decimal("0.001"),
        spread=Decimal("0.007"),
        trust_fee=Decimal("0.005"),
        months=3,
        rounding=Rounding.TRUNCATE,
    )
    assert cost.total == 1_625_700
    assert cost.trust_dividend + cost.trust_fee + cost.certified_date_fee == cost.total
    assert cost.trust_dividend == 1_000_000
    assert cost.trust_fee == 625_000


def test_direct_cost_rounds_with_the_named_mode():
    args = {"tibor": Decimal("0.001"), "spread": Decimal(0), "trust_fee": Decimal(0), "months": 1}
    assert direct_cost(1_000_001, rounding=Rounding.TRUNCATE, **args).total == 83 + 700
    assert direct_cost(1_000_001, rounding=Rounding.CEILING, **args).total == 84 + 700


def test_cost_comparison_apr_equivalents():
    options = compare_financing(
        100_000_000,
        months=3,
        securitization_cash=80_000_000,
        securitization_cost=400_000,
        factoring_fee_rate=Decimal("0.03"),
        loan_annual_rate=Decimal("0.04"),
        loan_advance_rate=Decimal("0.7"),
        loan_fees=100_000,
        rounding=Rounding.TRUNCATE,
    )
    by = {o.key: o for o in options}
    assert by["securitization"].apr == Decimal("0.02")  # 400,000 / 80,000,000 × 4
    assert by["factoring"].cost == 3_000_000
    assert by["factoring"].cash_received == 97_000_000
    assert by["loan"].cost == 700_000 + 100_000
    assert (
        indirect_cost(receivables=10, debtors=3, months=3, servicing_per_receivable_month=100).total
        == 3000 + 2100
    )


# --- public vectors ---------------------------------------------------------------------


def test_vasicek_quantile_basel_vector():
    assert vasicek_quantile(0.01, 0.12, 0.999) == pytest.approx(0.090326, abs=5e-7)
    assert LargePool.homogeneous(0.01, 0.12).quantile(0.999) == pytest.approx(0.090326, abs=5e-7)


def test_large_pool_tranche_expected_losses():
    lp = LargePool.homogeneous(0.02, 0.15)
    assert lp.tranche(0.0, 0.05)[0] == pytest.approx(0.356944, abs=5e-7)
    assert lp.tranche(0.05, 0.10)[0] == pytest.approx(0.035745, abs=5e-7)


def test_finite_pool_tends_to_the_large_pool():
    lp = LargePool.homogeneous(0.02, 0.15)
    el_small, _, _ = finite_pool_tranche(100, 0.02, 0.15, 0.05, 0.10)
    el_large, _, dist = finite_pool_tranche(20_000, 0.02, 0.15, 0.05, 0.10)
    assert dist.sum() == pytest.approx(1.0)
    exact = lp.tranche(0.05, 0.10)[0]
    assert abs(el_large - exact) < 0.002 < abs(el_small - exact)


def _homogeneous_pool(n: int, pd: float, lgd: float = 1.0, amount: int = 1_000_000):
    return pool_from_rows([(f"r{i}", f"d{i}", amount, pd, lgd, 1) for i in range(n)])


def test_monte_carlo_agrees_with_the_finite_pool_within_its_standard_error():
    n, pd, rho = 1000, 0.02, 0.15
    sim = simulate(cells_of(_homogeneous_pool(n, pd)), rho=rho, scenarios=20_000, seed=7)
    el, se = sim.expected_loss
    assert abs(el - pd) < 3 * se
    dist = np.cumsum(finite_pool_tranche(n, pd, rho, 0.0, 1.0)[2])
    for q in (0.99, 0.999):
        exact = np.searchsorted(dist, q) / n
        value, qse = sim.quantile(q)
        assert abs(value - exact) <= 3 * qse + 1.0 / n
    for a, d in ((0.0, 0.05), (0.05, 0.10)):
        exact_el, _exact_pd, _ = finite_pool_tranche(n, pd, rho, a, d)
        frac = sim.loss_fraction
        tl = np.clip(frac - a, 0, d - a) / (d - a)
        _, tse = sim.mean(tl)
        mc_el, _mc_pd = sim.tranche(a, d)
        assert abs(mc_el - exact_el) < 3 * tse


def test_monte_carlo_agrees_with_vasicek_for_a_large_granular_pool():
    pool = _homogeneous_pool(20_000, 0.01)
    sim = simulate(cells_of(pool), rho=0.12, scenarios=10_000, seed=3)
    q, se = sim.quantile(0.999)
    # granularity adds a little; the large-pool value is within a few standard errors
    assert abs(q - 0.090326) < 4 * se + 0.002
    assert se / q < 0.02


def test_same_seed_same_result_other_seed_other_result():
    pool = pool_from_rows(
        [
            (f"r{i}", f"d{i % 50}", 100_000 + 997 * i, [0.01, 0.05][i % 2], 0.5, 1 + i % 3)
            for i in range(500)
        ]
    )
    cells = cells_of(pool)
    a = simulate(cells, rho=0.2, scenarios=2500, seed=11)
    b = simulate(cells, rho=0.2, scenarios=2500, seed=11)
    c = simulate(cells, rho=0.2, scenarios=2500, seed=12)
    assert np.array_equal(a.loss, b.loss)
    assert np.array_equal(a.defaults, b.defaults)
    assert not np.array_equal(a.loss, c.loss)
    # per-month defaults add up to the losses of an LGD-1 view
    assert (a.defaults.sum(axis=1) >= a.loss).all()


def test_never_loses_more_than_the_cell_holds():
    pool = pool_from_rows([(f"r{i}", "d", 1000 + i, 0.9, 1.0, 1) for i in range(30)])
    sim = simulate(cells_of(pool), rho=0.5, scenarios=3000, seed=1)
    assert sim.loss.max() <= pool.balance
    assert sim.loss.min() >= 0


# --- waterfall -------------------------------------------------------------------------


def test_waterfall_fees_interest_and_turbo_trigger():
    balance = 120_000_000
    scheduled = np.full(12, 10_000_000)
    calm = np.zeros(12, dtype=np.int64)
    storm = np.zeros(12, dtype=np.int64)
    storm[:3] = 4_000_000  # 12 % cumulative defaults early on
    defaults = np.stack([calm, storm])
    terms = WaterfallTerms(trust_fee_rate=0.005, trigger=0.05)
    specs = tranche_specs(0.8, 0.1, senior_rate=0.008, mezzanine_rate=0.03)
    r = run_waterfall(balance, scheduled, defaults, np.zeros_like(defaults), specs, terms)
    # calm: everybody paid in full, senior interest is the trust dividend (truncated yen)
    assert r.loss("senior")[0] == 0
    assert r.loss("mezzanine")[0] == 0
    assert r.interest["senior"][0, 0] == 96_000_000 * 8 // 1000 // 12
    assert r.trust_fee[0, 0] == (96_000_000 + 12_000_000) * 5 // 1000 // 12
    assert not r.turbo[0].any()
    # storm: the trigger trips in month 2 and nothing reaches the subordinated holder
    # until senior and mezzanine are repaid
    assert r.turbo[1, 1]
    assert not r.turbo[1, 0]
    senior_done = np.argmax(r.principal["senior"][1].cumsum() == r.face["senior"])
    assert r.principal["subordinated"][1, 1:senior_done].sum() == 0
    assert r.loss("senior")[1] == 0
    # money is conserved: what came in went out
    paid = sum(r.interest[n][1].sum() + r.principal[n][1].sum() for n in r.face)
    assert paid + r.trust_fee[1].sum() == balance - storm.sum()


def test_waterfall_recoveries_arrive_after_the_lag():
    r = run_waterfall(
        1_000_000,
        np.array([1_000_000]),
        np.array([[500_000]]),
        np.array([[200_000]]),
        tranche_specs(0.8),
        WaterfallTerms(recovery_lag=2),
    )
    assert r.periods == 3
    assert r.recoveries[0].tolist() == [0, 0, 200_000]
    assert r.received("senior")[0] == 700_000


def test_wal_of_a_sequential_senior():
    r = run_waterfall(
        300, np.array([100, 100, 100]), np.zeros((1, 3)), np.zeros((1, 3)), tranche_specs(0.5)
    )
    # senior 150: paid 100 in month 1, 50 in month 2
    assert r.wal_months("senior")[0] == pytest.approx((100 * 1 + 50 * 2) / 150)


# --- sizing ------------------------------------------------------------------------------


def test_sizing_hits_the_target_pd_and_el():
    lp = LargePool.homogeneous(0.02, 0.15)
    senior = size_senior(lambda a: lp.probability_above(a), 0.001)
    assert lp.probability_above(1 - senior) == pytest.approx(0.001, rel=1e-4)
    assert 1 - senior == pytest.approx(lp.quantile(0.999), abs=1e-6)
    senior_el = size_senior(lambda a: lp.tranche(a, 1.0)[0], 0.0001)
    assert lp.tranche(1 - senior_el, 1.0)[0] == pytest.approx(0.0001, rel=1e-3)
    with pytest.raises(DomainError):
        size_senior(lambda a: 0.5, 0.01)


# --- input ------------------------------------------------------------------------------

HEADER = "receivable_id,debtor_id,amount,pd,lgd,months\n"


@pytest.mark.parametrize(
    ("body", "code", "line"),
    [
        ("receivable_id,debtor_id,amount,pd,lgd\nr1,d1,1,0.1,0.5\n", "missing_column", 1),
        (HEADER + "r1,d1,100,0.1,0.5,1\nr2,d1,100,1.5,0.5,1\n", "pd_out_of_range", 3),
        (HEADER + "r1,d1,-5,0.1,0.5,1\n", "negative_amount", 2),
        (HEADER + "r1,d1,abc,0.1,0.5,1\n", "not_a_number", 2),
        (HEADER + "r1,d1,100,nan,0.5,1\n", "not_a_number", 2),
        (HEADER + "r1,d1,100,0.1,0.5,0\n", "months_out_of_range", 2),
        (HEADER + "r1,d1,100,0.1,0.5,1\nr1,d2,100,0.1,0.5,1\n", "duplicate_id", 3),
        (HEADER, "empty_pool", 2),
    ],
)
def test_bad_pool_files_name_the_line(body, code, line):
    with pytest.raises(DomainError) as err:
        parse_pool_csv(body)
    assert err.value.code == f"securitization.{code}"
    assert err.value.line == line
    assert f"{line}行目" in err.value.message


def test_many_distinct_pds_are_graded_keeping_the_expected_loss():
    rng = np.random.default_rng(0)
    rows = [
        (f"r{i}", "d", int(a), float(p), 1.0, 1)
        for i, (a, p) in enumerate(
            zip(rng.integers(1, 1000, 500), rng.uniform(0, 0.1, 500), strict=True)
        )
    ]
    pool = pool_from_rows(rows)
    cells = cells_of(pool, max_grades=10)
    assert cells.approximated
    assert cells.grades == 10
    el_exact = float((pool.amount * pool.pd).sum() / pool.balance)
    el_cells = float(
        sum(
            cells.pd[j] * cells.amount[cells.start[j] : cells.start[j] + cells.size[j]].sum()
            for j in range(cells.pd.shape[0])
        )
        / cells.balance
    )
    assert el_cells == pytest.approx(el_exact)


def test_analysis_json_has_the_documented_keys():
    pool = parse_pool_csv(
        HEADER
        + "".join(f"r{i},d{i % 7},{1_000_000 + i},0.03,0.6,{1 + i % 6}\n" for i in range(300))
    )
    for method in ("mc", "analytic"):
        doc = as_json(
            analyse(pool, senior=0.8, mezzanine=0.1, scenarios=2000, seed=1, method=method)
        )
        assert set(doc["pool"]["loss_quantiles"]) == {"0.99", "0.999"}
        assert 0 < doc["pool"]["expected_loss"] < 0.05
        assert [t["name"] for t in doc["tranches"]] == ["senior", "mezzanine", "subordinated"]
        senior = doc["tranches"][0]
        assert senior["attachment"] == pytest.approx(0.2)
        assert senior["detachment"] == 1.0
        assert {"name", "attachment", "detachment", "expected_loss", "pd"} <= set(senior)
        assert doc["tranches"][2]["pd"] > doc["tranches"][0]["pd"]
