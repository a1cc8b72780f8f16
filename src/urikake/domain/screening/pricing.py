"""Pricing an approved invoice: fee rate by grade and product, amounts, dates and APR.

Market levels (seed 004 and the market of seed 000): 3社間 factoring from about 2%,
2社間 from about 5% of face value, up to about 10% / 20%. The fee rate is placed inside the
product's band by the risk grade, plus a premium per started 30 days beyond the first 30,
and rounded **up** to 0.1% (ROUND_CEILING, named). Amounts:

* advance (買取金額) = face × advance rate, 円未満切捨て;
* fee (買取手数料) = face × fee rate, 円未満切捨て (:func:`fee_truncated`);
* net payout (お振込金額) = advance − fee − admin fee;
* holdback (留保金) = face − advance, settled when the debtor pays.

APR (年率換算) = :func:`discount_fee_apr` ``(advance, fee + admin, days)`` — the total cost
over the cash actually received, from the payout date to the due date moved to a bank
business day (FOLLOWING), actual/365.
"""

from __future__ import annotations

import decimal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from urikake.domain.bank_calendar import (
    BusinessDayConvention,
    add_bank_business_days,
    adjust_to_business_day,
    is_bank_business_day,
    next_bank_business_day,
)
from urikake.domain.errors import DomainError
from urikake.domain.invoices import InvoiceData
from urikake.domain.money import (
    days_between,
    discount_fee_apr,
    fee_truncated,
    format_rate_percent,
    format_yen,
)
from urikake.domain.products import ProductBand, ProductId, all_specs, spec

__all__ = [
    "FeeLine",
    "InvoiceKey",
    "Offer",
    "PricingPolicy",
    "ProductBand",
    "fee_rate_for",
    "pair_offer_lines",
    "payout_date_for",
    "price",
]


def _default_bands() -> dict[ProductId, ProductBand]:
    """Each product's band, from its spec (:mod:`urikake.domain.products`)."""
    return {s.id: s.pricing for s in all_specs()}


def _default_grade_positions() -> dict[str, Decimal]:
    # Where in [min, max] each grade sits.
    return {
        "A": Decimal("0"),
        "B": Decimal("0.15"),
        "C": Decimal("0.35"),
        "D": Decimal("0.6"),
        "E": Decimal("1"),
    }


@dataclass(frozen=True, slots=True)
class PricingPolicy:
    bands: dict[ProductId, ProductBand] = field(default_factory=_default_bands)
    grade_positions: dict[str, Decimal] = field(default_factory=_default_grade_positions)
    #: Added per started 30 days of term beyond the first 30 (capped by the band's max).
    term_premium_per_30_days: Decimal = Decimal("0.005")
    rate_step: Decimal = Decimal("0.001")  # fee rates are rounded up to 0.1%
    admin_fee_yen: int = 0  # 事務手数料 (many online services charge none)
    cutoff_hour: int = 12  # applications accepted before this hour (JST) pay out the same day
    offer_valid_business_days: int = 3
    min_days_to_due: int = 7  # shorter terms are not priced


# The fee lines' notes as message ids (English in web/locale; the page fills the values).
FACE_TIMES = "額面 × %(rate)s（円未満切捨て）"
PAID_ON = "%(payout_date)s お振込"
APR_NOTE = "%(apr)s（手数料計 %(fees)s、%(days)s日間、実日数/365）"


@dataclass(frozen=True, slots=True)
class FeeLine:
    label: str
    amount: int | None  # yen; None for a line that is a rate or a date
    note: str = ""  # the note in Japanese, as the contract and the API show it
    # The note as a message id with named values (``%(rate)s``), so that a page in another
    # language shows it translated; values ending in ``_date`` are ISO dates.
    note_id: str = ""
    note_params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Offer:
    product: ProductId
    grade: str
    face_amount: int
    fee_rate: Decimal
    advance_rate: Decimal
    advance_amount: int
    fee: int
    admin_fee: int
    net_payout: int
    holdback: int
    payout_date: date
    due_date: date  # the invoice's due date
    settlement_date: date  # due date adjusted to a bank business day (FOLLOWING)
    days: int  # payout → settlement
    apr: Decimal
    expires_on: date
    breakdown: tuple[FeeLine, ...]
    #: The platform's id of the priced invoice, set by the caller that knows it (screening):
    #: funding and the contract documents pair each invoice with its line by this id.
    invoice_id: int | None = None

    def summary(self) -> str:
        return (
            f"額面 {format_yen(self.face_amount)} に対し手数料 {format_rate_percent(self.fee_rate)}"
            f"（{format_yen(self.fee)}）、お振込金額 {format_yen(self.net_payout)}"
            f"（{self.payout_date:%Y年%m月%d日}）。年率換算 {format_rate_percent(self.apr)}。"
        )


def fee_rate_for(policy: PricingPolicy, product: ProductId, grade: str, term_days: int) -> Decimal:
    """The fee rate for a grade and product within the band, rounded up to ``rate_step``."""
    band = policy.bands[product]
    pos = policy.grade_positions.get(grade, Decimal("1"))
    base = band.min_rate + (band.max_rate - band.min_rate) * pos
    blocks = max(0, -(-term_days // 30) - 1)  # started 30-day blocks beyond the first
    raw = base + policy.term_premium_per_30_days * blocks
    stepped = (raw / policy.rate_step).to_integral_value(
        rounding=decimal.ROUND_CEILING
    ) * policy.rate_step
    return min(band.max_rate, max(band.min_rate, stepped))


def payout_date_for(now: datetime, cutoff_hour: int) -> date:
    """Same day if ``now`` is a bank business day before the cut-off, else the next one."""
    today = now.date()
    if is_bank_business_day(today) and now.hour < cutoff_hour:
        return today
    return next_bank_business_day(today)


def price(
    invoice: InvoiceData,
    *,
    product: ProductId,
    grade: str,
    now: datetime,
    policy: PricingPolicy | None = None,
) -> Offer:
    """An offer for ``invoice``. ``now`` is local (JST) time. Raises DomainError if unpriceable."""
    pol = policy or PricingPolicy()
    face = invoice.total_amount
    if face <= 0:
        raise DomainError("pricing.nonpositive_face", "請求金額が0円以下のため買取できません。")
    payout = payout_date_for(now, pol.cutoff_hour)
    settlement = adjust_to_business_day(invoice.due_date, BusinessDayConvention.FOLLOWING)
    days = days_between(payout, settlement)
    if days < pol.min_days_to_due:
        raise DomainError(
            "pricing.due_too_soon",
            f"お振込日から支払期日までが{days}日のため、買取の対象外です（{pol.min_days_to_due}日以上必要）。",
        )
    band = pol.bands[product]
    fee_rate = fee_rate_for(pol, product, grade, days)
    product_spec = spec(product)
    # The spec's advance and holdback rule, at the (possibly overridden) band's 掛目.
    advance = product_spec.advance(face, band.advance_rate)
    fee = fee_truncated(face, fee_rate)
    admin = pol.admin_fee_yen
    net = advance - fee - admin
    if net <= 0:
        raise DomainError("pricing.net_nonpositive", "手数料を差し引くとお振込金額が残りません。")
    apr = discount_fee_apr(advance, fee + admin, days)
    expires = add_bank_business_days(now.date(), pol.offer_valid_business_days)
    holdback = product_spec.holdback(face, band.advance_rate)
    lines = [
        FeeLine("請求書額面", face),
        FeeLine(
            "買取金額（掛目）",
            advance,
            f"額面 × {format_rate_percent(band.advance_rate, 0)}（円未満切捨て）",
            FACE_TIMES,
            {"rate": format_rate_percent(band.advance_rate, 0)},
        ),
        FeeLine(
            "買取手数料",
            -fee,
            f"額面 × {format_rate_percent(fee_rate)}（円未満切捨て）",
            FACE_TIMES,
            {"rate": format_rate_percent(fee_rate)},
        ),
    ]
    if admin:
        lines.append(FeeLine("事務手数料", -admin))
    lines.append(
        FeeLine(
            "お振込金額",
            net,
            f"{payout:%Y年%m月%d日} お振込",
            PAID_ON,
            {"payout_date": payout.isoformat()},
        )
    )
    if holdback:
        lines.append(FeeLine("留保金", holdback, "売掛先からの入金後にお返しします"))
    lines.append(
        FeeLine(
            "年率換算",
            None,
            f"{format_rate_percent(apr)}（手数料計 {format_yen(fee + admin)}、"
            f"{days}日間、実日数/365）",
            APR_NOTE,
            {"apr": format_rate_percent(apr), "fees": format_yen(fee + admin), "days": str(days)},
        )
    )
    return Offer(
        product=product,
        grade=grade,
        face_amount=face,
        fee_rate=fee_rate,
        advance_rate=band.advance_rate,
        advance_amount=advance,
        fee=fee,
        admin_fee=admin,
        net_payout=net,
        holdback=holdback,
        payout_date=payout,
        due_date=invoice.due_date,
        settlement_date=settlement,
        days=days,
        apr=apr,
        expires_on=expires,
        breakdown=tuple(lines),
    )


@dataclass(frozen=True, slots=True)
class InvoiceKey:
    """What pairing needs to know of an invoice: its id, face and due date (and its number,
    for the message)."""

    invoice_id: int
    face_amount: int
    due_date: date
    invoice_number: str = ""


def _mismatch(number: str) -> DomainError:
    return DomainError(
        "offer.mismatch",
        f"請求書 {number} のご提示条件が見つかりません。審査をやり直してください。",
    )


def pair_offer_lines(
    invoices: Sequence[InvoiceKey], lines: Sequence[Mapping[str, Any]]
) -> dict[int, Mapping[str, Any]]:
    """Each invoice's own line of a stored offer (``Offer`` as JSON), keyed by invoice id.

    Lines carry ``invoice_id``; each line is used once and must name an invoice of the deal.
    A line stored before lines carried ids is accepted only when its face amount and due date
    fit exactly one of the remaining invoices — two invoices alike in both are refused rather
    than risk giving one the other's fee and holdback. The line's face and due date must agree
    with the invoice in every case.
    """
    by_id = {key.invoice_id: key for key in invoices}
    paired: dict[int, Mapping[str, Any]] = {}
    unnamed: list[Mapping[str, Any]] = []
    for line in lines:
        invoice_id = line.get("invoice_id")
        if invoice_id is None:
            unnamed.append(line)
            continue
        key = by_id.get(int(invoice_id))
        if key is None or key.invoice_id in paired:
            raise DomainError(
                "offer.mismatch", "ご提示条件に、この申込みにない請求書が含まれています。"
            )
        paired[key.invoice_id] = line
    for line in unnamed:
        fits = [
            k
            for k in invoices
            if k.invoice_id not in paired
            and int(line["face_amount"]) == k.face_amount
            and str(line["due_date"]) == k.due_date.isoformat()
        ]
        if not fits:
            raise DomainError(
                "offer.mismatch", "ご提示条件に、この申込みの請求書と合わない行があります。"
            )
        if len(fits) > 1:
            raise DomainError(
                "offer.ambiguous",
                "ご提示条件と請求書を一対一に対応づけられません。審査をやり直してください。",
            )
        paired[fits[0].invoice_id] = line
    for key in invoices:
        own = paired.get(key.invoice_id)
        if (
            own is None
            or int(own["face_amount"]) != key.face_amount
            or str(own["due_date"]) != key.due_date.isoformat()
        ):
            raise _mismatch(key.invoice_number or str(key.invoice_id))
    if len(paired) != len(lines):
        raise DomainError(
            "offer.mismatch", "ご提示条件に、この申込みにない請求書が含まれています。"
        )
    return paired
