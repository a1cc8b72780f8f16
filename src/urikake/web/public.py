"""What the public pages show: products with the terms of the plans in force, the operator.

Nothing here is a constant about fees or limits: the numbers come from the live plans
(``urikake.plans``, the version of each plan in force today), the products from the product
registry (``urikake.domain.products``) and the operator from settings
(``treasury.policy.operator_identity`` plus ``OPERATOR_*``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_noop

from urikake.domain.products import ProductSpec, all_specs
from urikake.plans import services as plans
from urikake.plans.models import PlanVersion
from urikake.treasury.policy import operator_identity

# The registry's Japanese descriptions, so that the English catalogue of this app holds them.
PRODUCT_TEXTS = (
    gettext_noop("売掛先に知らせずに債権を売却。売掛先からの入金はお客様が当社へ転送します。"),
    gettext_noop("売掛先に通知し、売掛先から当社へ直接お支払いいただきます。"),
    gettext_noop("売掛債権を担保に、信用保証協会の保証付きで融資を受けられます。"),
    gettext_noop("法人"),
    gettext_noop("個人事業主"),
)


@dataclass(frozen=True)
class ProductOffer:
    """One product as the top page shows it: its plans in force and their overall ranges."""

    spec: ProductSpec
    plans: list[PlanVersion] = field(default_factory=list)

    @property
    def fee_min(self) -> Decimal | None:
        return min((p.fee_min for p in self.plans), default=None)

    @property
    def fee_max(self) -> Decimal | None:
        return max((p.fee_max for p in self.plans), default=None)

    @property
    def min_amount(self) -> int | None:
        return min((p.min_amount for p in self.plans), default=None)

    @property
    def max_amount(self) -> int | None:
        return max((p.max_amount for p in self.plans), default=None)


def product_offers(on: date | None = None) -> list[ProductOffer]:
    """Every product of the registry with the active plans in force on a day (today)."""
    live = [v for v in plans.plans_in_force(on) if v.active]
    return [
        ProductOffer(spec=s, plans=[v for v in live if v.product == s.id.value])
        for s in all_specs()
    ]


@dataclass(frozen=True)
class Operator:
    name: str
    address: str
    corporate_number: str
    representative: str
    registration: str
    email: str
    phone: str
    hours: str


def operator() -> Operator:
    me = operator_identity()
    return Operator(
        name=me.name,
        address=me.address,
        corporate_number=me.corporate_number,
        representative=me.representative,
        registration=settings.OPERATOR_REGISTRATION,
        email=settings.OPERATOR_CONTACT_EMAIL,
        phone=settings.OPERATOR_PHONE,
        hours=settings.OPERATOR_HOURS,
    )


def contact_recipient() -> str:
    """Where the contact form's messages go: the operator's support address."""
    return str(settings.OPERATOR_CONTACT_EMAIL or settings.DEFAULT_FROM_EMAIL)
