"""Invoices (請求書) as the domain sees them, whatever they came from.

A form, a PDF whose text was extracted, or a JP PINT (Peppol, UBL 2.1) e-invoice all become an
:class:`InvoiceData`; :func:`validate_invoice` applies the rules every source shares and
returns every problem at once (Japanese messages with the field they concern). Amounts are
yen as ``int``; tax rates are ``Decimal``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from urikake.domain.errors import DomainError
from urikake.domain.identifiers import parse_invoice_registration_number

# A due date further out than this is almost certainly a typo (factoring buys short-term
# receivables; seed 004: typically 30–120 days).
MAX_TERM = timedelta(days=365)


@dataclass(frozen=True, slots=True)
class TaxBreakdown:
    """One line of the 適格請求書's tax summary: per rate, the taxable amount and the tax."""

    rate: Decimal  # 0.10 or 0.08 (軽減税率)
    taxable_amount: int  # 税抜 amount at this rate
    tax_amount: int


@dataclass(frozen=True, slots=True)
class PayeeAccount:
    bank_code: str = ""
    bank_name: str = ""
    branch_code: str = ""
    branch_name: str = ""
    account_type: int | None = None
    account_number: str = ""
    holder_name: str = ""


@dataclass(frozen=True, slots=True)
class InvoiceData:
    issuer_name: str  # the applicant (請求元)
    debtor_name: str  # 売掛先 (請求先)
    invoice_number: str
    issue_date: date
    due_date: date
    total_amount: int  # 税込 amount owed
    issuer_registration_number: str = ""  # T番号 "T" + 13 digits
    debtor_corporate_number: str = ""  # 法人番号 when known
    tax_breakdown: tuple[TaxBreakdown, ...] = field(default_factory=tuple)
    payee: PayeeAccount | None = None
    currency: str = "JPY"


def amount_limit_error(limit: int, field: str = "total_amount") -> DomainError:
    """The refusal of an invoice face above the platform's maximum, naming the limit."""
    return DomainError(
        "invoice.amount_limit",
        f"請求金額は{limit:,}円以下で入力してください（1枚の請求書の上限は{limit:,}円です）。",
        field=field,
        params={"limit": limit},
    )


def validate_invoice(
    invoice: InvoiceData,
    *,
    today: date,
    applicant_names: tuple[str, ...] = (),
    max_total_amount: int | None = None,
) -> list[DomainError]:
    """Every problem with the invoice (empty list when it is acceptable). ``max_total_amount``
    is the largest face the platform accepts (a sanity bound, not a credit limit)."""
    problems: list[DomainError] = []
    if max_total_amount is not None and invoice.total_amount > max_total_amount:
        problems.append(amount_limit_error(max_total_amount))
    if invoice.currency != "JPY":
        problems.append(
            DomainError("invoice.currency", "円建ての請求書のみ扱えます。", field="currency")
        )
    if invoice.total_amount <= 0:
        problems.append(
            DomainError(
                "invoice.amount", "請求金額は1円以上で入力してください。", field="total_amount"
            )
        )
    if not invoice.invoice_number.strip():
        problems.append(
            DomainError(
                "invoice.number_required", "請求書番号を入力してください。", field="invoice_number"
            )
        )
    if not invoice.debtor_name.strip():
        problems.append(
            DomainError(
                "invoice.debtor_required", "売掛先を入力してください。", field="debtor_name"
            )
        )
    if invoice.due_date <= invoice.issue_date:
        problems.append(
            DomainError(
                "invoice.due_before_issue",
                "支払期日は請求日より後の日付にしてください。",
                field="due_date",
            )
        )
    if invoice.due_date - today > MAX_TERM:
        problems.append(
            DomainError(
                "invoice.due_too_far",
                "支払期日が1年以上先です。日付に誤りがないか確認してください。",
                field="due_date",
            )
        )
    if invoice.issue_date > today:
        problems.append(
            DomainError(
                "invoice.issue_in_future", "請求日が未来の日付になっています。", field="issue_date"
            )
        )
    if invoice.issuer_registration_number:
        try:
            parse_invoice_registration_number(invoice.issuer_registration_number)
        except DomainError as exc:
            problems.append(
                DomainError(
                    exc.code, exc.message, field="issuer_registration_number", params=exc.params
                )
            )
    if invoice.tax_breakdown:
        expected = sum(t.taxable_amount + t.tax_amount for t in invoice.tax_breakdown)
        if expected != invoice.total_amount:
            problems.append(
                DomainError(
                    "invoice.tax_mismatch",
                    f"税率ごとの内訳の合計（{expected:,}円）が請求金額（"
                    f"{invoice.total_amount:,}円）と一致しません。",
                    field="tax_breakdown",
                    params={"expected": expected, "total": invoice.total_amount},
                )
            )
    debtor = invoice.debtor_name.strip()
    if debtor and any(debtor == name.strip() for name in applicant_names if name.strip()):
        problems.append(
            DomainError(
                "invoice.debtor_is_applicant",
                "売掛先に自社を指定することはできません。",
                field="debtor_name",
            )
        )
    return problems
