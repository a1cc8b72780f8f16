"""A documented synthetic history generator for factoring outcomes.

This is **not real data**. It exists so the platform can ship a working baseline model, so tests
and benchmarks have something realistic-looking to chew on, and so anyone can check that the
training pipeline recovers a *known* generative logic. Operators must retrain on their own
outcomes (``urikake score train``) before relying on scores.

One row is one factored receivable (売掛債権) with features of the debtor (売掛先) and of the
seller's relationship with it. The target ``defaulted`` is 1 when the receivable was not paid
in full (debtor default or unrecoverable dilution).

Features and how they are drawn (``rng`` = ``numpy.random.default_rng(seed)``):

==========================  ============================================================
debtor_age_years            years since incorporation, gamma(2, 9), 0–80; 3 % missing
debtor_capital_yen          paid-in capital, lognormal around ¥10M; 3 % missing
invoice_amount_yen          lognormal around ¥1.5M
term_days                   one of 30, 45, 60, 90, 120
payments_12m                Poisson(8): payments received from this debtor in 12 months
payment_regularity          0–1, beta(5, 2): share of those payments made on time;
                            missing when payments_12m == 0
days_since_last_payment     exponential(mean 35); missing when payments_12m == 0
concentration               0–1, beta(2, 5): this debtor's share of the seller's receivables
dilution_rate               0–1, beta(1, 30): historical credit notes / returns share
contra_flag                 0/1 (12 %): the debtor also sells to the seller (相殺リスク)
two_party_flag              0/1 (55 %): two-party factoring, debtor not notified (2者間)
industry                    construction, manufacturing, wholesale, retail, it_services,
                            transport, food_service, healthcare
prior_defaults              Poisson(0.15): earlier defaults of this debtor on the platform
==========================  ============================================================

Generative logic — ``defaulted ~ Bernoulli(sigmoid(logit))`` with::

    logit = -3.5
            - 0.45 * log1p(debtor_age_years) + 0.45 * log1p(15)          (young → riskier)
            - 0.30 * (log10(debtor_capital_yen) - 7)                      (small → riskier)
            + 0.35 * (log10(invoice_amount_yen) - log10(capital) + 1)    (big vs capital)
            + 0.008 * (term_days - 60)
            - 0.06 * (payments_12m - 8)
            - 3.0 * (payment_regularity - 0.7)                            (strongest signal)
            + 0.012 * (days_since_last_payment - 35)
            + 1.2 * (concentration - 0.3)
            + 6.0 * dilution_rate
            + 0.5 * contra_flag + 0.35 * two_party_flag
            + INDUSTRY_EFFECT[industry]
            + 0.8 * prior_defaults

Missing inputs take the population's typical value in the logit (missingness itself carries
a small +0.3 for a missing payment history), so the base default rate is about 7–9 %. The
signs above are the monotonic constraints the baseline declares (:data:`BASELINE_MONOTONIC`).
The generator's own probabilities (``include_truth=True``) score AUC ≈ 0.765 and Brier ≈ 0.068
on their outcomes: no model trained on this history can do much better.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from urikake.domain import safe_csv

TARGET = "defaulted"

INDUSTRIES: dict[str, float] = {
    "construction": 0.45,
    "manufacturing": 0.0,
    "wholesale": 0.05,
    "retail": 0.2,
    "it_services": -0.25,
    "transport": 0.15,
    "food_service": 0.5,
    "healthcare": -0.4,
}
INDUSTRY_WEIGHTS = [0.16, 0.18, 0.17, 0.12, 0.12, 0.1, 0.07, 0.08]

COLUMNS = [
    "debtor_age_years",
    "debtor_capital_yen",
    "invoice_amount_yen",
    "term_days",
    "payments_12m",
    "payment_regularity",
    "days_since_last_payment",
    "concentration",
    "dilution_rate",
    "contra_flag",
    "two_party_flag",
    "industry",
    "prior_defaults",
]

#: Monotonic constraints implied by the generative logic (+1: higher value → higher risk).
BASELINE_MONOTONIC: dict[str, int] = {
    "debtor_age_years": -1,
    "payment_regularity": -1,
    "days_since_last_payment": +1,
    "concentration": +1,
    "dilution_rate": +1,
    "prior_defaults": +1,
}

#: Readable Japanese labels for the baseline's features (used in reason codes).
LABELS_JA: dict[str, str] = {
    "debtor_age_years": "売掛先の設立からの年数",
    "debtor_capital_yen": "売掛先の資本金",
    "invoice_amount_yen": "請求金額",
    "term_days": "支払サイト(日数)",
    "payments_12m": "過去12か月の入金回数",
    "payment_regularity": "入金の規則性(期日どおりの割合)",
    "days_since_last_payment": "最終入金からの経過日数",
    "concentration": "売掛先への集中度",
    "dilution_rate": "希薄化率(値引・返品等)",
    "contra_flag": "相殺リスク(相互取引)",
    "two_party_flag": "2者間ファクタリング",
    "industry": "売掛先の業種",
    "prior_defaults": "過去の貸倒れ件数",
}


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-x))
    return out


def generate(rows: int, seed: int = 0, *, include_truth: bool = False) -> list[dict[str, Any]]:
    """``rows`` synthetic receivables as dicts (``None`` for missing), reproducible per seed.

    ``include_truth`` adds ``true_probability``, the generator's own default probability: the
    best any model could do (its AUC is the ceiling to compare a trained model with).
    """
    if rows < 1:
        raise ValueError("rows must be at least 1")
    rng = np.random.default_rng(seed)
    n = rows
    age = np.clip(rng.gamma(2.0, 9.0, n), 0.0, 80.0).round(1)
    capital = np.round(np.exp(rng.normal(math.log(1e7), 1.3, n)), -4).clip(1e5, 5e10)
    invoice = np.round(np.exp(rng.normal(math.log(1.5e6), 1.0, n)), -3).clip(1e4, 5e9)
    term = rng.choice([30, 45, 60, 90, 120], n, p=[0.25, 0.15, 0.35, 0.18, 0.07])
    payments = rng.poisson(8.0, n)
    regularity = rng.beta(5.0, 2.0, n).round(3)
    since_last = rng.exponential(35.0, n).round(0)
    concentration = rng.beta(2.0, 5.0, n).round(3)
    dilution = rng.beta(1.0, 30.0, n).round(4)
    contra = (rng.random(n) < 0.12).astype(int)
    two_party = (rng.random(n) < 0.55).astype(int)
    industry = rng.choice(list(INDUSTRIES), n, p=INDUSTRY_WEIGHTS)
    prior = rng.poisson(0.15, n)

    no_history = payments == 0
    age_missing = rng.random(n) < 0.03
    capital_missing = rng.random(n) < 0.03

    log_cap = np.log10(capital)
    logit = (
        -3.5
        - 0.45 * np.log1p(age)
        + 0.45 * math.log1p(15)
        - 0.30 * (log_cap - 7)
        + 0.35 * (np.log10(invoice) - log_cap + 1)
        + 0.008 * (term - 60)
        - 0.06 * (payments - 8)
        - 3.0 * (np.where(no_history, 0.7, regularity) - 0.7)
        + 0.012 * (np.where(no_history, 35.0, since_last) - 35)
        + 0.3 * no_history
        + 1.2 * (concentration - 0.3)
        + 6.0 * dilution
        + 0.5 * contra
        + 0.35 * two_party
        + np.vectorize(INDUSTRIES.__getitem__)(industry)
        + 0.8 * prior
    )
    truth = _sigmoid(logit)
    defaulted = (rng.random(n) < truth).astype(int)

    out: list[dict[str, Any]] = []
    for i in range(n):
        hist = not no_history[i]
        out.append(
            {
                "debtor_age_years": None if age_missing[i] else float(age[i]),
                "debtor_capital_yen": None if capital_missing[i] else int(capital[i]),
                "invoice_amount_yen": int(invoice[i]),
                "term_days": int(term[i]),
                "payments_12m": int(payments[i]),
                "payment_regularity": float(regularity[i]) if hist else None,
                "days_since_last_payment": int(since_last[i]) if hist else None,
                "concentration": float(concentration[i]),
                "dilution_rate": float(dilution[i]),
                "contra_flag": int(contra[i]),
                "two_party_flag": int(two_party[i]),
                "industry": str(industry[i]),
                "prior_defaults": int(prior[i]),
                TARGET: int(defaulted[i]),
            }
        )
        if include_truth:
            out[-1]["true_probability"] = float(truth[i])
    return out


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    """Write rows from :func:`generate` as UTF-8 CSV (missing values as empty cells)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = safe_csv.dict_writer(fh, [*COLUMNS, TARGET])
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if v is None else v for k, v in row.items()})
