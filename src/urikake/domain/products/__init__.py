"""The product registry: one :class:`ProductId` and one :class:`ProductSpec` per financing
product.

Ask the spec, never compare names: ``spec(application.product).client_forwards``, not
``application.product == "two_party"`` (a test scans the source for such comparisons).
Adding a product = adding a spec here (and its positions in urikake.servicing; docs/servicing.md).
"""

from __future__ import annotations

from collections.abc import Mapping

from urikake.domain.errors import DomainError
from urikake.domain.products.bulk import BULK
from urikake.domain.products.factoring import THREE_PARTY, TWO_PARTY
from urikake.domain.products.guarantees import GUARANTEE_FACTORING
from urikake.domain.products.loans import RECEIVABLES_LOAN
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

__all__ = [
    "AgeingPlan",
    "Collector",
    "DebtorKind",
    "DocumentKind",
    "Eligibility",
    "LedgerRecipes",
    "ProductBand",
    "ProductId",
    "ProductSpec",
    "all_specs",
    "choices",
    "purchase_specs",
    "spec",
]

_REGISTRY: Mapping[ProductId, ProductSpec] = {
    s.id: s for s in (TWO_PARTY, THREE_PARTY, RECEIVABLES_LOAN, GUARANTEE_FACTORING, BULK)
}
assert set(_REGISTRY) == set(ProductId), "every ProductId needs exactly one spec"


def spec(product_id: ProductId | str) -> ProductSpec:
    """The spec of a product (an identifier or its stored value)."""
    try:
        return _REGISTRY[ProductId(product_id)]
    except ValueError:
        raise DomainError(
            "product.unknown", f"商品の種類が正しくありません: {product_id}", field="product"
        ) from None


def all_specs() -> tuple[ProductSpec, ...]:
    """Every product, in registry (display) order."""
    return tuple(_REGISTRY.values())


def purchase_specs() -> tuple[ProductSpec, ...]:
    """The products that go through the purchase flow (applications, positions)."""
    return tuple(s for s in all_specs() if s.purchase_flow)


def choices() -> list[tuple[str, str]]:
    """(stored value, Japanese label) of every purchase-flow product — the choices of the
    application and position models and forms. Products with their own app (loans) keep
    their own models."""
    return [(s.id.value, s.label_ja) for s in purchase_specs()]
