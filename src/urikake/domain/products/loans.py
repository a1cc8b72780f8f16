"""Receivables-backed loans under the credit guarantee scheme (売掛債権担保融資, seed 004 IV).

This product IS a loan (融資): the receivables are collateral (譲渡担保), not bought. Its rules
live in :mod:`urikake.domain.lending`, its ledger recipes in
:mod:`urikake.domain.ledger_lending`, its facilities, draws and reports in
:mod:`urikake.lending`. It does not go through the purchase flow (``purchase_flow=False``).

Pricing band: the annual interest rate (seed 000's market shows receivables-backed loans at
5–18% a year; a guaranteed bank loan is usually far lower, so the band starts at 1%);
``advance_rate`` is the highest 掛け目 the scheme allows (90%) — the per-receivable rate
comes from the operator's matrix (grade × perfection).
"""

from __future__ import annotations

from decimal import Decimal

from urikake.domain import ledger_lending as book
from urikake.domain.perfection import Method, PerfectionPolicy
from urikake.domain.products.spec import (
    AgeingPlan,
    Collector,
    DebtorKind,
    Eligibility,
    LedgerRecipes,
    ProductBand,
    ProductId,
    ProductSpec,
)

__all__ = ["RECEIVABLES_LOAN"]

LOAN_RECIPES = LedgerRecipes(
    purchase=book.loan_drawn,  # the drawdown takes the place of the purchase
    collection_legs=book.repayment_legs,  # a collection repays interest, then principal
    release_holdback=book.repayment_applied,  # no holdback: a surplus goes back through it
    write_off=book.default_entries,  # default: the guarantor's share, then recovery
)

RECEIVABLES_LOAN = ProductSpec(
    id=ProductId.RECEIVABLES_LOAN,
    label_ja="売掛債権担保融資",
    label_en="Receivables-backed loan",
    short_label_ja="担保融資",
    pricing=ProductBand(Decimal("0.01"), Decimal("0.18"), Decimal("0.90")),
    # Registration is the default (根保証 may only use it, IV.4); notice or consent raise the
    # advance rate. Drawdown waits for the perfection (IV.4: 担保の保全手続き before 融資実行).
    perfection=PerfectionPolicy(Method.REGISTRATION, fund_before_perfection=False),
    # The debtor pays into the designated account (指定口座) the lender controls.
    collector=Collector.PLATFORM,
    ageing=AgeingPlan(client_forwards=False),
    debtor_documents=frozenset(),
    ledger=LOAN_RECIPES,
    eligibility=Eligibility(
        debtor_kinds=frozenset(
            {DebtorKind.CORPORATION, DebtorKind.SOLE_PROPRIETOR, DebtorKind.PUBLIC_BODY}
        )
    ),
    holdback_absorbs_loss=False,
    purchase_flow=False,
    description_ja="売掛債権を担保に、信用保証協会の保証付きで融資を受けられます。",
)
