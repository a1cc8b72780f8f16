"""The shape of a financing product: :class:`ProductId` and :class:`ProductSpec`.

A spec answers every question the platform asks about a product — never compare product
names outside :mod:`urikake.domain.products` (``tests/unit/test_product_seam.py`` scans the
source and fails on such a comparison). Pure Python, frozen values.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from urikake.domain.bank_calendar import add_bank_business_days
from urikake.domain.dates import require_date
from urikake.domain.errors import DomainError
from urikake.domain.ledger import JournalEntry, Leg
from urikake.domain.money import Rounding, apply_rate
from urikake.domain.perfection import Method, PerfectionPolicy

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
]


class ProductId(enum.StrEnum):
    """The identifier of a product. The values are stored (applications, positions,
    settings): never change one."""

    TWO_PARTY = "two_party"
    THREE_PARTY = "three_party"
    RECEIVABLES_LOAN = "receivables_loan"
    GUARANTEE = "guarantee_factoring"
    BULK = "bulk_factoring"


class Collector(enum.StrEnum):
    """Who the debtor pays."""

    PLATFORM = "platform"  # the debtor is notified and pays the platform (3社間)
    CLIENT = "client"  # the debtor keeps paying the client, who forwards it (2社間)


class DocumentKind(enum.StrEnum):
    """Contract documents a deal can carry (values = ``ContractDocument.Kind``)."""

    AGREEMENT = "agreement"  # 債権売買契約書
    NOTICE = "notice"  # 債権譲渡通知書
    CONSENT = "consent"  # 債権譲渡承諾書


class DebtorKind(enum.StrEnum):
    CORPORATION = "corporation"  # 法人
    SOLE_PROPRIETOR = "sole_proprietor"  # 個人事業主
    PUBLIC_BODY = "public_body"  # 官公庁・地方公共団体


@dataclass(frozen=True, slots=True)
class ProductBand:
    """Pricing band: the fee rate lies in [min_rate, max_rate] by grade; ``advance_rate`` (掛目)
    is the share of face paid at once; the rest is the holdback (留保金)."""

    min_rate: Decimal
    max_rate: Decimal
    advance_rate: Decimal  # 掛目: the share of face paid at once


@dataclass(frozen=True, slots=True)
class AgeingPlan:
    """When the money of a position is due to the platform (the ageing and overdue plan).

    ``client_forwards``: the client collects and must forward what it received by
    ``forward_due_on`` (set when it reports the receipt) or, before any report, by the debtor's
    expected payment day plus the forwarding days (bank business days). Otherwise the debtor
    pays the platform on the expected day.
    """

    client_forwards: bool
    #: Overdue positions get the reminder run (督促) and may be defaulted and written off.
    reminders: bool = True

    def deadline(
        self, expected_on: date, forward_due_on: date | None, *, forward_days: int
    ) -> date:
        expected = require_date(expected_on, "expected_on")
        if not self.client_forwards:
            return expected
        if forward_due_on is not None:
            return require_date(forward_due_on, "forward_due_on")
        if isinstance(forward_days, bool) or not isinstance(forward_days, int) or forward_days < 0:
            raise DomainError("ageing.forward_days", "転送日数は0以上の整数で指定してください。")
        return add_bank_business_days(expected, forward_days)


@dataclass(frozen=True, slots=True)
class Eligibility:
    """Who and what the product may finance. ``max_face_yen`` ``None``: no product limit (plans
    and per-deal limits may still apply)."""

    debtor_kinds: frozenset[DebtorKind]
    min_face_yen: int = 1
    max_face_yen: int | None = None

    def problems(self, face_yen: int, debtor_kind: DebtorKind) -> list[DomainError]:
        """Why an invoice of ``face_yen`` owed by a ``debtor_kind`` is not eligible (empty: ok)."""
        out = []
        if debtor_kind not in self.debtor_kinds:
            out.append(DomainError("product.debtor_kind", "この商品の対象外の売掛先です。"))
        if face_yen < self.min_face_yen:
            out.append(
                DomainError(
                    "product.min_face",
                    f"請求金額は{self.min_face_yen:,}円以上が対象です。",
                    field="total_amount",
                )
            )
        if self.max_face_yen is not None and face_yen > self.max_face_yen:
            out.append(
                DomainError(
                    "product.max_face",
                    f"請求金額は{self.max_face_yen:,}円以下が対象です。",
                    field="total_amount",
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class LedgerRecipes:
    """The pure functions that build the ledger entries of each business event of a position
    (see :mod:`urikake.domain.ledger`)."""

    purchase: Callable[..., JournalEntry]
    collection_legs: Callable[..., list[Leg]]
    release_holdback: Callable[..., JournalEntry]
    write_off: Callable[..., tuple[list[JournalEntry], int, int]]


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """Everything the platform needs to know about one financing product."""

    id: ProductId
    label_ja: str
    label_en: str
    short_label_ja: str
    #: Fee band and advance rate (掛目); the fee is face × rate, 円未満切捨て.
    pricing: ProductBand
    #: The default perfection (対抗要件) policy; ``TREASURY_PERFECTION[id]`` may override it.
    perfection: PerfectionPolicy
    collector: Collector
    ageing: AgeingPlan
    #: Documents every deal of this product carries beside the 売買契約書, whatever the
    #: perfection method (3社間: the debtor's notice tells them where to pay).
    debtor_documents: frozenset[DocumentKind]
    ledger: LedgerRecipes
    eligibility: Eligibility
    #: The holdback (留保金) first absorbs a loss at write-off, the rest goes back to the client.
    holdback_absorbs_loss: bool = True
    #: Applied for, screened, contracted and funded through the purchase flow
    #: (receivables.FinancingApplication → servicing.Position). False: the product has its
    #: own app and positions (a loan: urikake.lending) and is not offered on purchase pages.
    purchase_flow: bool = True
    description_ja: str = ""
    tags: tuple[str, ...] = field(default=())

    @property
    def client_forwards(self) -> bool:
        """The client collects from the debtor and forwards to the platform."""
        return self.collector is Collector.CLIENT

    def advance(self, face: int, advance_rate: Decimal | None = None) -> int:
        """買取金額 = face × 掛目, 円未満切捨て."""
        rate = self.pricing.advance_rate if advance_rate is None else advance_rate
        return apply_rate(face, rate, rounding=Rounding.TRUNCATE)

    def holdback(self, face: int, advance_rate: Decimal | None = None) -> int:
        """留保金 = face − advance, paid back after collection."""
        return face - self.advance(face, advance_rate)

    def documents(self, method: Method) -> tuple[DocumentKind, ...]:
        """The contract documents of a deal perfected by ``method``: the agreement, then the
        debtor's notice and / or consent (one per debtor)."""
        kinds = set(self.debtor_documents)
        if method is Method.NOTICE:
            kinds.add(DocumentKind.NOTICE)
        if method is Method.CONSENT:
            kinds.add(DocumentKind.CONSENT)
        order = (DocumentKind.AGREEMENT, DocumentKind.NOTICE, DocumentKind.CONSENT)
        return tuple(k for k in order if k is DocumentKind.AGREEMENT or k in kinds)

    def collection_deadline(
        self, expected_on: date, forward_due_on: date | None, *, forward_days: int
    ) -> date:
        return self.ageing.deadline(expected_on, forward_due_on, forward_days=forward_days)
