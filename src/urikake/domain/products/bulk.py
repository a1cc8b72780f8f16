"""Bulk factoring (一括ファクタリング, seed 004 III.4 / III.5).

A buyer (支払企業) joins; its suppliers consent once to the three-party agreement and may have
any receivable on the buyer paid early at the buyer's risk rate; the rest is paid on the due
date from the buyer's single payment. Its rules live in :mod:`urikake.domain.bulk`, its ledger
recipes in :mod:`urikake.domain.ledger_bulk`, its programmes, payables and settlements in
:mod:`urikake.bulk`. It does not go through the purchase flow (``purchase_flow=False``).

Pricing band: the buyer's annual risk rate (the discount is face × rate × days / 365); the
advance rate is 100% — the supplier receives face less the discount, nothing is held back.
"""

from __future__ import annotations

from decimal import Decimal

from urikake.domain import ledger_bulk as book
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

__all__ = ["BULK"]

BULK_RECIPES = LedgerRecipes(
    purchase=book.early_purchase,  # an early payment is the purchase
    collection_legs=book.settlement_legs,  # the buyer's due-date payment
    release_holdback=book.fee_paid,  # no holdback; the buyer's fee payment takes its place
    write_off=book.buyer_default_entries,
)

BULK = ProductSpec(
    id=ProductId.BULK,
    label_ja="一括ファクタリング",
    label_en="Bulk factoring",
    short_label_ja="一括",
    pricing=ProductBand(Decimal("0.005"), Decimal("0.30"), Decimal("1")),
    # The buyer consents to the assignment in the three-party agreement (承諾).
    perfection=PerfectionPolicy(Method.CONSENT, fund_before_perfection=False),
    collector=Collector.PLATFORM,  # the buyer pays the platform on the due date
    ageing=AgeingPlan(client_forwards=False),
    debtor_documents=frozenset(),
    ledger=BULK_RECIPES,
    eligibility=Eligibility(debtor_kinds=frozenset({DebtorKind.CORPORATION})),
    holdback_absorbs_loss=False,
    purchase_flow=False,
    description_ja="支払企業への売掛金を、支払期日より前に受け取れます（割引料は支払企業の信用で決まります）。",
)
