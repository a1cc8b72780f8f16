"""The first two products: two-party (2社間) and three-party (3社間) factoring (seed 004).

Market levels (seed 004 and the market of seed 000): 3社間 from about 2% of face value up to
about 10%, 2社間 from about 5% up to about 20%.
"""

from __future__ import annotations

from decimal import Decimal

from urikake.domain import ledger as book
from urikake.domain.perfection import Method, PerfectionPolicy
from urikake.domain.products.spec import (
    AgeingPlan,
    Collector,
    DebtorKind,
    DocumentKind,
    Eligibility,
    LedgerRecipes,
    ProductBand,
    ProductId,
    ProductSpec,
)

__all__ = ["THREE_PARTY", "TWO_PARTY"]

FACTORING_RECIPES = LedgerRecipes(
    purchase=book.purchase_receivable,
    collection_legs=book.collection_legs,
    release_holdback=book.release_reserve,
    write_off=book.write_off_entries,
)

_BUSINESS_DEBTORS = Eligibility(
    debtor_kinds=frozenset(
        {DebtorKind.CORPORATION, DebtorKind.SOLE_PROPRIETOR, DebtorKind.PUBLIC_BODY}
    )
)

TWO_PARTY = ProductSpec(
    id=ProductId.TWO_PARTY,
    label_ja="2社間ファクタリング",
    label_en="Two-party factoring",
    short_label_ja="2社間",
    pricing=ProductBand(Decimal("0.05"), Decimal("0.20"), Decimal("0.8")),
    # Registration (債権譲渡登記) perfects without telling the debtor; funding waits for it
    # unless the operator's policy says otherwise.
    perfection=PerfectionPolicy(Method.REGISTRATION, fund_before_perfection=False),
    collector=Collector.CLIENT,
    ageing=AgeingPlan(client_forwards=True),
    debtor_documents=frozenset(),
    ledger=FACTORING_RECIPES,
    eligibility=_BUSINESS_DEBTORS,
    description_ja="売掛先に知らせずに債権を売却。売掛先からの入金はお客様が当社へ転送します。",
)

THREE_PARTY = ProductSpec(
    id=ProductId.THREE_PARTY,
    label_ja="3社間ファクタリング",
    label_en="Three-party factoring",
    short_label_ja="3社間",
    pricing=ProductBand(Decimal("0.02"), Decimal("0.10"), Decimal("0.95")),
    # The debtor is told (or consents) before we pay — the point of the product.
    perfection=PerfectionPolicy(Method.NOTICE, fund_before_perfection=False),
    collector=Collector.PLATFORM,
    ageing=AgeingPlan(client_forwards=False),
    # The notice tells the debtor where to pay, whatever the perfection method.
    debtor_documents=frozenset({DocumentKind.NOTICE}),
    ledger=FACTORING_RECIPES,
    eligibility=_BUSINESS_DEBTORS,
    description_ja="売掛先に通知し、売掛先から当社へ直接お支払いいただきます。",
)
