"""Rules of bulk factoring (一括ファクタリング, seed 004 III.4 / III.5). Pure Python.

A buyer (支払企業) joins the scheme and uploads what it owes its suppliers (買掛金). Each
supplier consents once to the three-party agreement and may then be paid any of its
receivables on the buyer early: the platform buys it at a discount for the days to the due
date at the buyer's risk rate (the buyer's credit is what the platform relies on, not the
supplier's). On the due date the buyer pays the platform once for every payable of that day
and the platform pays every supplier who did not discount. The buyer pays a monthly base fee
plus a fee per payable (III.5).

* :func:`quote` — discount = face × rate × days / 365, **円未満切捨て** (in the supplier's
  favour: the platform never rounds a charge up), with the APR-equivalent on the cash paid
  (:func:`urikake.domain.money.discount_fee_apr`, shown rounded half-up to 0.01%).
* :func:`monthly_fee` — base + per-item × items (whole yen, no rounding needed).
* :func:`parse_payables_csv` — the buyer's CSV, all-or-nothing: every row is checked and the
  errors are returned together (row and column named, in Japanese).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from urikake.domain.bank_calendar import is_bank_business_day, next_bank_business_day
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import normalize_corporate_number
from urikake.domain.money import (
    Rounding,
    days_between,
    discount_fee_apr,
    interest_act365,
)
from urikake.domain.statement_csv import parse_amount, parse_jp_date

__all__ = [
    "MAX_FACE_YEN",
    "MAX_RISK_RATE",
    "MAX_ROWS",
    "MAX_TERM_DAYS",
    "EarlyPaymentQuote",
    "FeeTerms",
    "PayableRow",
    "monthly_fee",
    "parse_payables_csv",
    "quote",
]

#: One payable may not exceed ¥1,000,000,000 (a larger line is a misread column).
MAX_FACE_YEN = 1_000_000_000
#: A buyer's risk rate above 30% a year is not a bulk-factoring price (the buyer is the
#: platform's credit; seed 004 III.4 puts it near the buyer's borrowing rate).
MAX_RISK_RATE = Decimal("0.30")
#: Payables are due within a year of the upload (手形サイト and 支払サイト are far shorter).
MAX_TERM_DAYS = 366
#: One upload carries at most this many rows (the page and the API say so).
MAX_ROWS = 5_000
DAYS_PER_YEAR = 365
#: The APR-equivalent is shown to 0.01% (小数第3位を四捨五入).
APR_PLACES = Decimal("0.0001")


def _rate(value: object, what: str, field: str, maximum: Decimal) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal) or not value.is_finite():
        raise DomainError("bulk.rate", f"{what}は数値で指定してください。", field=field)
    if value < 0 or value > maximum:
        raise DomainError(
            "bulk.rate_range",
            f"{what}は0%以上{maximum * 100:.0f}%以下で指定してください。",
            field=field,
        )
    return value


def _yen(value: object, what: str, field: str, *, maximum: int = MAX_FACE_YEN) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("bulk.amount", f"{what}は整数(円)で指定してください。", field=field)
    if value < 0 or value > maximum:
        raise DomainError(
            "bulk.amount_range",
            f"{what}は0円以上{maximum:,}円以下で指定してください。",
            field=field,
        )
    return value


@dataclass(frozen=True, slots=True)
class EarlyPaymentQuote:
    """What a supplier is offered for one receivable paid ``days`` early."""

    face: int
    annual_rate: Decimal
    paid_on: date
    due_on: date
    days: int
    discount: int  # 割引料 (円未満切捨て)
    net: int  # お支払額 = face − discount
    apr: Decimal  # 実質年率 (the discount on the cash received, 0.01% half-up)


def quote(face: int, annual_rate: Decimal, *, paid_on: date, due_on: date) -> EarlyPaymentQuote:
    """The early payment of a ``face``-yen receivable due ``due_on``, paid ``paid_on``.

    Days count one end (片端入れ: ``due_on − paid_on``); at least one day must remain."""
    _yen(face, "額面", "face")
    if face == 0:
        raise DomainError("bulk.zero_face", "額面が0円の債権は早期支払できません。", field="face")
    rate = _rate(annual_rate, "割引率", "annual_rate", MAX_RISK_RATE)
    days = days_between(paid_on, due_on)
    if days < 1:
        raise DomainError(
            "bulk.too_late",
            "支払期日の当日以降は早期支払を申し込めません（期日にお支払いします）。",
            field="due_on",
        )
    discount = interest_act365(face, rate, paid_on, due_on, rounding=Rounding.TRUNCATE)
    apr = discount_fee_apr(face, discount, days).quantize(
        APR_PLACES, rounding=Rounding.HALF_UP.value
    )
    return EarlyPaymentQuote(
        face=face,
        annual_rate=rate,
        paid_on=paid_on,
        due_on=due_on,
        days=days,
        discount=discount,
        net=face - discount,
        apr=apr,
    )


@dataclass(frozen=True, slots=True)
class FeeTerms:
    """The buyer's price (III.5): a monthly base fee plus a fee per payable uploaded."""

    base_fee: int
    per_item_fee: int

    def __post_init__(self) -> None:
        _yen(self.base_fee, "月額基本料", "base_fee", maximum=100_000_000)
        _yen(self.per_item_fee, "明細ごとの利用料", "per_item_fee", maximum=1_000_000)


def monthly_fee(terms: FeeTerms, items: int) -> int:
    """月額利用料 = base + per-item × items (items: the payables uploaded that month)."""
    if isinstance(items, bool) or not isinstance(items, int) or items < 0:
        raise DomainError("bulk.items", "明細数は0以上の整数で指定してください。")
    return terms.base_fee + terms.per_item_fee * items


# --- the buyer's CSV ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PayableRow:
    line: int
    supplier_key: str  # the supplier code or 法人番号 as written (normalised)
    supplier_id: int  # resolved by the caller's lookup
    invoice_number: str
    amount: int
    due_date: date


#: Column names the upload understands (NFKC-normalised header text → key).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "supplier": ("仕入先", "仕入先コード", "法人番号", "supplier"),
    "invoice_number": ("請求書番号", "invoice_number"),
    "amount": ("金額", "支払金額", "amount"),
    "due_date": ("支払期日", "due_date"),
}
HEADER_HINT = "仕入先,請求書番号,金額,支払期日"


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError(
        "bulk.csv_encoding",
        "文字コードを読み取れません（UTF-8またはShift_JISで保存してください）。",
    )


def _header(cells: list[str]) -> dict[str, int]:
    names = [unicodedata.normalize("NFKC", c).strip().lower() for c in cells]
    out: dict[str, int] = {}
    for key, aliases in COLUMNS.items():
        for alias in aliases:
            if alias.lower() in names:
                out[key] = names.index(alias.lower())
                break
        else:
            raise DomainError(
                "bulk.csv_column",
                f"見出し行に「{aliases[0]}」の列がありません（見出しの例: {HEADER_HINT}）。",
                field=aliases[0],
                line=1,
            )
    return out


def _text(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def parse_payables_csv(
    data: bytes,
    *,
    today: date,
    resolve_supplier: Callable[[str], int | None],
    known_invoices: Callable[[int, str], bool],
) -> tuple[list[PayableRow], list[DomainError]]:
    """Read and check a buyer's payables CSV. Returns (rows, errors); any error refuses the
    whole file (the caller saves nothing).

    ``resolve_supplier(key)`` maps a supplier code or 法人番号 to the supplier's id (None:
    not a supplier of this buyer). ``known_invoices(supplier_id, number)`` says whether that
    invoice was uploaded before (a duplicate)."""
    if len(data) > 5 * 1024 * 1024:
        return [], [DomainError("bulk.csv_size", "ファイルが大きすぎます（5MBまで）。")]
    try:
        text = _decode(data)
    except DomainError as e:
        return [], [e]
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    lines = [(n, cells) for n, cells in enumerate(parsed, start=1) if any(c.strip() for c in cells)]
    if not lines:
        return [], [DomainError("bulk.csv_empty", "CSVに行がありません。")]
    try:
        cols = _header(lines[0][1])
    except DomainError as e:
        return [], [e]
    body = lines[1:]
    if not body:
        return [], [DomainError("bulk.csv_empty", "見出し行のほかに明細がありません。")]
    if len(body) > MAX_ROWS:
        return [], [DomainError("bulk.csv_rows", f"一度に取り込める明細は{MAX_ROWS:,}行までです。")]
    rows: list[PayableRow] = []
    errors: list[DomainError] = []
    seen: set[tuple[int, str]] = set()
    for number, cells in body:

        def cell(key: str, cells: list[str] = cells) -> str:
            i = cols[key]
            return _text(cells[i]) if i < len(cells) else ""

        def bad(code: str, message: str, column: str, number: int = number) -> None:
            errors.append(DomainError(code, message, field=column, line=number))

        before = len(errors)
        key = cell("supplier")
        if key.isdigit() and len(key) == 13:
            key = normalize_corporate_number(key)
        supplier_id = resolve_supplier(key) if key else None
        if not key:
            bad("bulk.supplier_missing", "仕入先（仕入先コードまたは法人番号）が空です。", "仕入先")
        elif supplier_id is None:
            bad(
                "bulk.supplier_unknown",
                f"仕入先「{key}」は登録された仕入先ではありません。",
                "仕入先",
            )
        invoice_number = cell("invoice_number")
        if not invoice_number:
            bad("bulk.invoice_missing", "請求書番号が空です。", "請求書番号")
        elif len(invoice_number) > 60:
            bad("bulk.invoice_long", "請求書番号は60文字以内にしてください。", "請求書番号")
        amount: int | None = None
        try:
            amount = parse_amount(cell("amount"), field="金額", line=number)
        except DomainError as e:
            errors.append(e)
        else:
            if amount is None:
                bad("bulk.amount_missing", "金額が空です。", "金額")
            elif amount < 1 or amount > MAX_FACE_YEN:
                bad(
                    "bulk.amount_range",
                    f"金額は1円以上{MAX_FACE_YEN:,}円以下にしてください。",
                    "金額",
                )
        due: date | None = None
        try:
            due = parse_jp_date(cell("due_date"), field="支払期日", line=number)
        except DomainError as e:
            errors.append(e)
        else:
            if due <= today:
                bad("bulk.due_past", "支払期日は明日以降の日付にしてください。", "支払期日")
            elif days_between(today, due) > MAX_TERM_DAYS:
                bad("bulk.due_far", "支払期日は1年以内の日付にしてください。", "支払期日")
            elif not is_bank_business_day(due):
                bad(
                    "bulk.due_holiday",
                    f"支払期日 {due:%Y-%m-%d} は銀行休業日です"
                    f"（翌営業日は {next_bank_business_day(due):%Y-%m-%d}）。",
                    "支払期日",
                )
        if supplier_id is not None and invoice_number:
            if (supplier_id, invoice_number) in seen:
                bad(
                    "bulk.duplicate_row",
                    f"請求書番号「{invoice_number}」が同じファイルに重複しています。",
                    "請求書番号",
                )
            elif known_invoices(supplier_id, invoice_number):
                bad(
                    "bulk.duplicate",
                    f"請求書番号「{invoice_number}」は登録済みです。",
                    "請求書番号",
                )
            seen.add((supplier_id, invoice_number))
        if len(errors) == before and supplier_id is not None and amount and due:
            rows.append(PayableRow(number, key, supplier_id, invoice_number, amount, due))
    return rows, errors
