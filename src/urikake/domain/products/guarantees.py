"""Guarantee factoring (保証ファクタリング, seed 004 III.3).

The client keeps and collects the receivable; the platform guarantees the debtor pays and,
on the debtor's default, pays within coverage in exchange for the receivable. Rules:
:mod:`urikake.domain.guarantees`; ledger recipes: :mod:`urikake.domain.ledger_guarantees`;
contracts, claims and pages: :mod:`urikake.guarantees`. Nothing is bought up front, so the
product does not go through the purchase flow (``purchase_flow=False``).

Pricing band: the premium rate for the term (0.5–8%, by the debtor's credit grade);
``advance_rate`` 100% — a claim pays the guaranteed amount in full within coverage.
"""

from __future__ import annotations

from decimal import Decimal

from urikake.domain import ledger_guarantees as book
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

__all__ = ["GUARANTEE_FACTORING", "PREMIUM_BAND"]

#: The premium rate for the term an operator may decide (urikake.domain.guarantees has the
#: rate of each credit grade).
PREMIUM_BAND = (Decimal("0.005"), Decimal("0.080"))

GUARANTEE_RECIPES = LedgerRecipes(
    purchase=book.claim_paid,  # the receivable is taken over only when a claim is paid
    collection_legs=book.recovery_legs,  # a collection after that is a recovery
    release_holdback=book.contingent_released,  # no holdback: the guarantee itself ends
    write_off=book.loss_entries,  # what is not recovered from the debtor
)

GUARANTEE_FACTORING = ProductSpec(
    id=ProductId.GUARANTEE,
    label_ja="保証ファクタリング",
    label_en="Guarantee factoring",
    short_label_ja="保証",
    pricing=ProductBand(PREMIUM_BAND[0], PREMIUM_BAND[1], Decimal(1)),
    # The receivable is assigned to the platform only after a paid claim; the assignment is
    # then recorded by notice to the debtor, who now owes the platform.
    perfection=PerfectionPolicy(Method.NOTICE, fund_before_perfection=True),
    collector=Collector.CLIENT,  # the client collects as usual while the guarantee runs
    ageing=AgeingPlan(client_forwards=False, reminders=False),
    debtor_documents=frozenset(),
    ledger=GUARANTEE_RECIPES,
    eligibility=Eligibility(
        debtor_kinds=frozenset(
            {DebtorKind.CORPORATION, DebtorKind.SOLE_PROPRIETOR, DebtorKind.PUBLIC_BODY}
        )
    ),
    holdback_absorbs_loss=False,
    purchase_flow=False,
    description_ja="売掛先が倒産などで支払えなくなったとき、保証金額の範囲でお支払いします。"
    "売掛債権はお客様が保有したまま回収します。",
)
