"""Yen amounts, rates, rounding, allocation, day counts and fee APRs.

Use this module whenever code touches money: parsing an amount typed by a person or read
from a CSV, applying a fee or tax rate, splitting an amount between parties, computing
interest for a period, or showing a fee as an annual rate. Nothing else in Urikake should
multiply yen by a rate or call ``round`` on money by hand.

The rules, and where they come from:

* **Yen are plain ``int``.** The Japanese yen has no minor unit in circulation
  (ISO 4217 lists JPY with exponent 0; 通貨の単位及び貨幣の発行等に関する法律 第2条 makes
  1円 the unit, and 銭・厘 are only used for calculation). So a yen amount is an ``int``;
  there is no ``Money`` wrapper and never a fractional yen at rest.
* **Rates are ``decimal.Decimal``; floats are refused everywhere** (and ``bool``, which is
  an ``int`` subclass and almost always a bug). Binary floats cannot represent 0.1 or 5%
  exactly, and a fee that is off by one yen is a reconciliation break.
* **Every rounding names its mode** (:class:`Rounding`); no money function has a default
  rounding except :func:`fee_truncated`, whose very name is the mode. The customary rule
  for fees and interest is 円未満切捨て (truncate fractions of a yen) unless the contract
  says otherwise. For consumption tax the seller chooses the rounding (切捨て・切上げ・
  四捨五入 are all allowed), but under the qualified invoice system (適格請求書等保存方式,
  消費税法 第57条の4 and 消費税法施行令 第70条の10) rounding happens **once per invoice
  per tax rate**, never per line — :func:`consumption_tax` and :func:`split_tax_inclusive`
  are meant to be called on the per-rate invoice total.
* Intermediate arithmetic is exact (``fractions.Fraction`` or an exact ``Decimal``
  context), so the only rounding that ever happens is the one the caller named.
* Day counts are actual/365 fixed (実日数/365, 片端入れ): the usual convention for yen
  interest, discount and factoring fees in Japanese contracts; a leap year does not
  change the denominator. A contract that says otherwise needs its own function.

Bad input raises :class:`urikake.domain.errors.DomainError` with a stable ``code``
(``money.*`` or ``date.*``) and a Japanese message.
"""

from __future__ import annotations

import decimal
import enum
import math
import re
import unicodedata
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

from urikake.domain.dates import require_date
from urikake.domain.errors import DomainError

__all__ = [
    "STANDARD_TAX_RATE",
    "Rounding",
    "Yen",
    "allocate",
    "apply_rate",
    "consumption_tax",
    "days_between",
    "discount_fee_apr",
    "fee_truncated",
    "format_rate_percent",
    "format_yen",
    "interest_act365",
    "rate",
    "round_yen",
    "split_tax_inclusive",
    "year_fraction_act365",
    "yen",
]

Yen: TypeAlias = int
"""A yen amount. JPY has no minor unit, so this is simply ``int``."""

#: The standard consumption tax rate (消費税法 第29条 7.8% + 地方消費税 2.2%).
STANDARD_TAX_RATE = Decimal("0.10")

#: Significant digits for results that cannot be exact (e.g. a division by 365). 28 is the
#: ``decimal`` default, far beyond anything a rate is shown or compared with.
RESULT_PRECISION = 28

#: Actual/365 fixed: the denominator does not change in leap years.
DAYS_PER_YEAR = 365


class Rounding(enum.Enum):
    """A named rounding mode for turning an exact amount into whole yen.

    The value is the matching :mod:`decimal` rounding constant (see :attr:`decimal_mode`).
    """

    #: 切捨て — toward zero. The default for fees and interest (円未満切捨て).
    TRUNCATE = decimal.ROUND_DOWN
    #: Toward negative infinity (differs from TRUNCATE only for negative amounts).
    FLOOR = decimal.ROUND_FLOOR
    #: 切上げ — toward positive infinity.
    CEILING = decimal.ROUND_CEILING
    #: 四捨五入 — to nearest, halves away from zero (so -2.5 becomes -3).
    HALF_UP = decimal.ROUND_HALF_UP
    #: To nearest, halves to the even neighbour (banker's rounding); not customary in Japan
    #: but used by some foreign counterparties.
    HALF_EVEN = decimal.ROUND_HALF_EVEN

    @property
    def decimal_mode(self) -> str:
        """The :mod:`decimal` rounding constant for this mode."""
        return str(self.value)

    @property
    def label_ja(self) -> str:
        """The Japanese name shown to people (e.g. in a contract summary)."""
        return _ROUNDING_LABELS_JA[self]


_ROUNDING_LABELS_JA: dict[Rounding, str] = {
    Rounding.TRUNCATE: "切捨て",
    Rounding.FLOOR: "切下げ(負の無限大方向)",
    Rounding.CEILING: "切上げ",
    Rounding.HALF_UP: "四捨五入",
    Rounding.HALF_EVEN: "偶数丸め",
}


# --------------------------------------------------------------------------------------
# Input guards
# --------------------------------------------------------------------------------------


def _reject_float_and_bool(value: object, what: str, field: str | None) -> None:
    # bool first: it is an int subclass, so the int branches below would accept it.
    if isinstance(value, bool):
        raise DomainError(
            "money.bool_not_allowed",
            f"{what}に真偽値(True/False)は使えません。",
            field=field,
        )
    if isinstance(value, float):
        raise DomainError(
            "money.float_not_allowed",
            f"{what}に浮動小数点数(float)は使えません。整数・Decimal・文字列で指定してください。",
            field=field,
        )


def _require_yen(value: object, field: str) -> int:
    """Check that an argument documented as ``int`` yen really is one."""
    _reject_float_and_bool(value, "金額", field)
    if not isinstance(value, int):
        raise DomainError(
            "money.invalid_type",
            "金額は整数(円)で指定してください。",
            field=field,
        )
    return int(value)


def _require_decimal(value: object, field: str, what: str = "率") -> Decimal:
    """Check that a rate-like argument is a finite ``Decimal`` (an exact ``int`` is fine)."""
    _reject_float_and_bool(value, what, field)
    if isinstance(value, int):
        return Decimal(value)
    if not isinstance(value, Decimal):
        raise DomainError(
            "money.invalid_type",
            f"{what}はDecimalで指定してください。",
            field=field,
        )
    if not value.is_finite():
        raise DomainError(
            "money.not_finite",
            f"{what}に NaN や無限大は使えません。",
            field=field,
        )
    return value


def _require_int(value: object, field: str, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("money.invalid_type", f"{what}は整数で指定してください。", field=field)
    return int(value)


# --------------------------------------------------------------------------------------
# Constructors
# --------------------------------------------------------------------------------------

# Amount syntax after NFKC normalisation (which folds full-width digits, "，", "－", "￥"):
# optional sign, optional "¥", digits either plain or grouped by three with commas, an
# optional all-zero fraction (CSV exports like "1000.00"), optional "円".
# Grouping is strict on purpose: "1,5" must not silently become 15 (it may be a European
# decimal comma), so only well-formed thousands separators are accepted.
_YEN_RE = re.compile(
    r"""
    (?P<sign>[-+]?)
    ¥?
    (?P<int>\d{1,3}(?:,\d{3})+|\d+)
    (?:\.(?P<frac>\d+))?
    円?
    """,
    re.VERBOSE | re.ASCII,
)

# Characters that mean "minus" in Japanese documents but survive NFKC: the Unicode minus
# sign, and the triangles used for negatives in Japanese accounting (△1,000 / ▲1,000). A
# backslash is the yen mark of Shift_JIS files (bank statements) read as text.
_MINUS_SIGNS = str.maketrans({"−": "-", "△": "-", "▲": "-", "\\": "¥"})


def _normalise_text(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).translate(_MINUS_SIGNS)
    # NFKC turns the ideographic space into an ordinary one; drop all whitespace so that
    # "1,000 円" and " -¥500 " parse.
    return "".join(text.split())


def yen(value: int | str | Decimal, *, field: str | None = None, line: int | None = None) -> Yen:
    """The single constructor (and parser) for a yen amount from user, CSV or API input.

    Accepts an ``int``; a ``Decimal`` with no fractional part (``Decimal("1000.00")``); or
    a string such as ``"1000"``, ``"-500"``, ``"1,000"``, ``"１０００"``, ``"1000円"``,
    ``"¥1,234"``, ``"\\1,234"`` (Shift_JIS) or ``"△1,000"`` (Japanese accounting negative).
    Refuses ``float``, ``bool``, fractional amounts and anything else, with a Japanese
    message (carrying ``field`` and, for files, ``line``).
    """
    try:
        return _yen(value, field)
    except DomainError as exc:
        if line is None:
            raise
        raise DomainError(exc.code, exc.message, field=exc.field, line=line) from None


def _yen(value: int | str | Decimal, field: str | None) -> int:
    _reject_float_and_bool(value, "金額", field)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise DomainError("money.not_finite", "金額に NaN や無限大は使えません。", field=field)
        if value != value.to_integral_value():
            raise DomainError(
                "money.fractional_yen",
                f"金額に1円未満の端数があります({value})。円単位の整数で指定してください。",
                field=field,
            )
        return int(value)
    if isinstance(value, str):
        return _parse_yen_text(value, field)
    raise DomainError(
        "money.invalid_type",
        "金額は整数・Decimal・文字列のいずれかで指定してください。",
        field=field,
    )


def _parse_yen_text(value: str, field: str | None) -> int:
    text = _normalise_text(value)
    if not text:
        raise DomainError("money.empty", "金額が入力されていません。", field=field)
    # format_yen puts the sign before the yen mark ("-¥1,000"); also accept "¥-1,000".
    if text.startswith("¥") and len(text) > 1 and text[1] in "+-":
        text = text[1] + text[0] + text[2:]
    match = _YEN_RE.fullmatch(text)
    if match is None:
        raise DomainError(
            "money.invalid_format",
            f"金額の形式が正しくありません(「{value}」)。例: 1000、1,000、1000円",
            field=field,
        )
    frac = match.group("frac")
    if frac is not None and frac.strip("0"):
        raise DomainError(
            "money.fractional_yen",
            f"金額に1円未満の端数があります(「{value}」)。円単位の整数で指定してください。",
            field=field,
        )
    magnitude = int(match.group("int").replace(",", ""))
    return -magnitude if match.group("sign") == "-" else magnitude


_RATE_RE = re.compile(r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


def rate(value: str | int | Decimal, *, field: str | None = None) -> Decimal:
    """The single constructor for a rate (a fraction, so 5% is ``Decimal("0.05")``).

    Accepts a ``Decimal``, an ``int`` (``0`` or ``1``), or a string in plain decimal
    notation (``"0.05"``) or as a percentage (``"5%"``, ``"５％"``, ``"0.5 %"``). Refuses
    ``float``, ``bool``, NaN, infinities and exponent notation. The percentage conversion
    is exact (a decimal shift), not a division.
    """
    _reject_float_and_bool(value, "率", field)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, Decimal):
        return _require_decimal(value, field or "rate")
    if not isinstance(value, str):
        raise DomainError(
            "money.invalid_type",
            "率は文字列・整数・Decimalのいずれかで指定してください。",
            field=field,
        )
    text = _normalise_text(value)
    if not text:
        raise DomainError("money.empty", "率が入力されていません。", field=field)
    percent = text.endswith("%")
    if percent:
        text = text[:-1]
    if _RATE_RE.fullmatch(text) is None:
        raise DomainError(
            "money.invalid_rate",
            f"率の形式が正しくありません(「{value}」)。例: 0.05、5%",
            field=field,
        )
    parsed = Decimal(text)  # exact: constructing from a string never rounds
    if not percent:
        return parsed
    # Shift the exponent by hand: Decimal.scaleb would round to the context precision.
    sign, digits, exponent = parsed.as_tuple()
    if not isinstance(exponent, int):  # NaN/inf: the regex already excludes them
        raise DomainError("money.not_finite", "率に NaN や無限大は使えません。", field=field)
    return Decimal((sign, digits, exponent - 2))


# --------------------------------------------------------------------------------------
# Rounding
# --------------------------------------------------------------------------------------


def _round_fraction(exact: Fraction, rounding: Rounding) -> int:
    """Round an exact rational to whole yen. The one place money rounding happens."""
    if rounding is Rounding.TRUNCATE:
        return math.trunc(exact)
    if rounding is Rounding.FLOOR:
        return math.floor(exact)
    if rounding is Rounding.CEILING:
        return math.ceil(exact)
    if rounding is Rounding.HALF_UP:
        magnitude = math.floor(abs(exact) + Fraction(1, 2))
        return magnitude if exact >= 0 else -magnitude
    if rounding is Rounding.HALF_EVEN:
        # Fraction.__round__ without ndigits rounds halves to even.
        return round(exact)
    raise DomainError("money.invalid_rounding", "端数処理の方法を Rounding で指定してください。")


def _require_rounding(rounding: object) -> Rounding:
    if not isinstance(rounding, Rounding):
        raise DomainError(
            "money.invalid_rounding",
            "端数処理の方法を Rounding で指定してください。",
            field="rounding",
        )
    return rounding


def round_yen(amount: Decimal | int, *, rounding: Rounding) -> Yen:
    """Round an exact amount (in yen, possibly fractional) to whole yen with a named mode."""
    mode = _require_rounding(rounding)
    exact = _require_decimal(amount, "amount", "金額")
    # Fraction(Decimal) is exact, so this matches Decimal.to_integral_value(mode) for
    # every finite input regardless of the context precision.
    return _round_fraction(Fraction(exact), mode)


def apply_rate(amount: Yen, r: Decimal, *, rounding: Rounding) -> Yen:
    """``amount × r`` rounded to whole yen with the named mode (computed exactly first)."""
    mode = _require_rounding(rounding)
    base = _require_yen(amount, "amount")
    factor = _require_decimal(r, "rate")
    return _round_fraction(base * Fraction(factor), mode)


def fee_truncated(face: Yen, fee_rate: Decimal) -> Yen:
    """The default fee rule: ``face × fee_rate`` with 円未満切捨て (truncate toward zero).

    Use this unless the contract names another rounding; then call :func:`apply_rate`
    with that mode.
    """
    return apply_rate(face, fee_rate, rounding=Rounding.TRUNCATE)


def _require_tax_rate(tax_rate: object) -> Decimal:
    value = _require_decimal(tax_rate, "tax_rate", "税率")
    if value < 0:
        raise DomainError("money.negative_tax_rate", "税率に負の値は使えません。", field="tax_rate")
    return value


def consumption_tax(
    amount_excl_tax: Yen,
    tax_rate: Decimal = STANDARD_TAX_RATE,
    *,
    rounding: Rounding,
) -> Yen:
    """Consumption tax on a tax-exclusive amount: ``amount × tax_rate``, rounded once.

    Call it on the invoice total *per tax rate* (10% and the 8% reduced rate separately),
    not per line: the qualified invoice rule allows one rounding per rate per invoice.
    """
    return apply_rate(amount_excl_tax, _require_tax_rate(tax_rate), rounding=rounding)


def split_tax_inclusive(
    amount_incl_tax: Yen,
    tax_rate: Decimal = STANDARD_TAX_RATE,
    *,
    rounding: Rounding,
) -> tuple[Yen, Yen]:
    """Split a tax-inclusive amount into ``(net, tax)`` with ``net + tax == amount``.

    The tax is ``amount × rate / (1 + rate)`` (e.g. ×10/110), rounded once with the named
    mode, and the net is what remains — so the parts always add back up. As with
    :func:`consumption_tax`, apply it to the per-rate invoice total.
    """
    total = _require_yen(amount_incl_tax, "amount_incl_tax")
    r = Fraction(_require_tax_rate(tax_rate))
    tax = _round_fraction(total * r / (1 + r), _require_rounding(rounding))
    return total - tax, tax


# --------------------------------------------------------------------------------------
# Allocation
# --------------------------------------------------------------------------------------


def allocate(total: Yen, weights: Sequence[int | Decimal]) -> list[Yen]:
    """Split ``total`` in proportion to ``weights`` so that the shares sum exactly to it.

    Largest-remainder (Hamilton) method: each share starts as the exact proportion rounded
    toward zero, and the yen left over go one each to the shares with the largest
    fractional remainders; equal remainders favour the earlier index, so the result is
    deterministic. Every share is within 1 yen of its exact proportion, and a zero weight
    always gets 0. A negative ``total`` is split as its magnitude and negated, so
    ``allocate(-t, w) == [-s for s in allocate(t, w)]``.
    """
    amount = _require_yen(total, "total")
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence):
        raise DomainError("money.invalid_type", "配分の比率は数値の列で指定してください。")
    if len(weights) == 0:
        raise DomainError("money.empty_weights", "配分の比率が指定されていません。")
    exact_weights: list[Fraction] = []
    for index, weight in enumerate(weights):
        checked = Fraction(_require_decimal(weight, f"weights[{index}]", "配分の比率"))
        if checked < 0:
            raise DomainError(
                "money.negative_weight",
                "配分の比率に負の値は使えません。",
                field=f"weights[{index}]",
            )
        exact_weights.append(checked)
    weight_sum = sum(exact_weights, Fraction(0))
    if weight_sum == 0:
        raise DomainError("money.zero_weights", "配分の比率がすべて0です。")

    magnitude = abs(amount)
    exact_shares = [magnitude * w / weight_sum for w in exact_weights]
    shares = [math.floor(s) for s in exact_shares]
    leftover = magnitude - sum(shares)
    # Sort by remainder descending, then by index ascending (the tie-break).
    order = sorted(
        range(len(shares)),
        key=lambda i: (-(exact_shares[i] - shares[i]), i),
    )
    for i in order[:leftover]:
        shares[i] += 1
    return shares if amount >= 0 else [-s for s in shares]


# --------------------------------------------------------------------------------------
# Day count and interest
# --------------------------------------------------------------------------------------


def days_between(start: date, end: date) -> int:
    """Actual days from ``start`` to ``end`` (``end − start``; negative if reversed).

    This counts one of the two end points (片端入れ), the usual convention for interest and
    discount periods.
    """
    return (require_date(end, "end") - require_date(start, "start")).days


def _decimal_context() -> decimal.Context:
    return decimal.Context(prec=RESULT_PRECISION, rounding=decimal.ROUND_HALF_EVEN)


def _fraction_to_decimal(value: Fraction) -> Decimal:
    # One correctly rounded division at RESULT_PRECISION significant digits; being a single
    # rounding of the exact value, it preserves (weak) ordering between results.
    with decimal.localcontext(_decimal_context()) as ctx:
        return ctx.divide(Decimal(value.numerator), Decimal(value.denominator))


def year_fraction_act365(start: date, end: date) -> Decimal:
    """Actual/365 fixed year fraction: ``days_between(start, end) / 365``.

    The result is exact when it terminates and otherwise correctly rounded to 28
    significant digits. Use it for display and comparison; :func:`interest_act365` works
    from the exact rational, so its only rounding is the one the caller names.
    """
    return _fraction_to_decimal(Fraction(days_between(start, end), DAYS_PER_YEAR))


def interest_act365(
    principal: Yen,
    annual_rate: Decimal,
    start: date,
    end: date,
    *,
    rounding: Rounding,
) -> Yen:
    """Simple interest ``principal × annual_rate × days / 365``, rounded once to yen.

    Raises if ``end`` is before ``start``.
    """
    base = _require_yen(principal, "principal")
    annual = _require_decimal(annual_rate, "annual_rate")
    mode = _require_rounding(rounding)
    days = days_between(start, end)
    if days < 0:
        raise DomainError(
            "money.period_reversed",
            "終了日が開始日より前になっています。",
            field="end",
        )
    return _round_fraction(base * Fraction(annual) * days / DAYS_PER_YEAR, mode)


def discount_fee_apr(face: Yen, fee: Yen, days: int) -> Decimal:
    """The annual-rate equivalent of a discount fee: ``fee ÷ (face − fee) × 365 ÷ days``.

    This is the simple annual rate on the cash actually received (face minus fee) for the
    number of days until the receivable is paid — the figure to show a client next to
    the fee, since a 5% fee on a 30-day receivable is about 64% a year, not 5%. It is
    computed exactly and correctly rounded to 28 significant digits.

    Raises if ``days <= 0``, ``fee < 0`` or ``fee >= face``.
    """
    face_amount = _require_yen(face, "face")
    fee_amount = _require_yen(fee, "fee")
    period = _require_int(days, "days", "日数")
    if period <= 0:
        raise DomainError(
            "money.nonpositive_days", "日数は1日以上で指定してください。", field="days"
        )
    if fee_amount < 0:
        raise DomainError("money.negative_fee", "手数料に負の値は使えません。", field="fee")
    if fee_amount >= face_amount:
        raise DomainError(
            "money.fee_not_below_face",
            "手数料は額面より小さくなければなりません。",
            field="fee",
        )
    exact = Fraction(fee_amount, face_amount - fee_amount) * Fraction(DAYS_PER_YEAR, period)
    return _fraction_to_decimal(exact)


# --------------------------------------------------------------------------------------
# Formatting
# --------------------------------------------------------------------------------------


def format_rate_percent(r: Decimal, places: int = 1) -> str:
    """Show a rate as a percentage, e.g. ``Decimal("0.64035")`` → ``"64.0%"``.

    Rounds with HALF_UP (四捨五入), the way people expect a displayed figure to round.
    A result that rounds to zero is shown without a minus sign.
    """
    value = _require_decimal(r, "rate")
    digits = _require_int(places, "places", "小数点以下の桁数")
    if digits < 0:
        raise DomainError(
            "money.invalid_places",
            "小数点以下の桁数は0以上で指定してください。",
            field="places",
        )
    # Enough precision that neither the ×100 shift nor the quantize rounds on its own:
    # the only rounding must be the HALF_UP below (double rounding could show 0.1% for
    # 0.000499999…).
    needed = max(RESULT_PRECISION, len(value.as_tuple().digits), value.adjusted() + 3 + digits) + 2
    with decimal.localcontext(decimal.Context(prec=needed)):
        shown = value.scaleb(2).quantize(Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP)
    if shown == 0:
        shown = shown.copy_abs()
    return f"{shown:f}%"


def format_yen(amount: Yen) -> str:
    """Show a yen amount: ``1234567`` → ``"¥1,234,567"``, ``-1000`` → ``"-¥1,000"``."""
    value = _require_yen(amount, "amount")
    sign = "-" if value < 0 else ""
    return f"{sign}¥{abs(value):,}"
