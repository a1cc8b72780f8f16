"""Domain errors read in English on English pages (issue 10): every error code a customer can
meet on the road from sign-up to payout has an English text in ``urikake.domain.errors_en``,
filled in with the values the Japanese message was built from. Plain Python: no Django."""

from __future__ import annotations

import ast
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from urikake.domain.bank_codes import lookup_bank
from urikake.domain.errors import DomainError
from urikake.domain.errors_en import ENGLISH
from urikake.domain.identifiers import (
    parse_account_number,
    parse_corporate_number,
    parse_invoice_registration_number,
)
from urikake.domain.invoices import InvoiceData, TaxBreakdown, amount_limit_error, validate_invoice

SRC = Path(__file__).resolve().parents[2] / "src" / "urikake"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
# Where the errors of the customer's road are raised.
ROAD = (
    "domain/identifiers.py",
    "domain/invoices.py",
    "domain/bank_codes.py",
    "domain/invoice_text.py",
    "applicants/services.py",
    "receivables/services.py",
    "contracts/services.py",
    "kyc/services.py",
    "notifications/services.py",
)
# Raised on the road's modules but never shown to a customer (a programming error or a staff
# action), so they need no English.
NOT_FOR_CUSTOMERS = {"pdf.invalid_type"}  # a caller passed str instead of bytes


def _raised_codes(path: Path) -> set[str]:
    codes: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "id", getattr(node.func, "attr", "")) == "DomainError"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            codes.add(node.args[0].value)
    return codes


def test_every_code_on_the_customers_road_has_english() -> None:
    raised = set().union(*(_raised_codes(SRC / path) for path in ROAD))
    assert len(raised) > 60, len(raised)  # the scan found the road's errors
    missing = sorted(raised - set(ENGLISH) - NOT_FOR_CUSTOMERS)
    assert missing == [], missing


def test_the_english_has_no_japanese() -> None:
    assert [code for code, text in ENGLISH.items() if JAPANESE.search(text)] == []


def _error(call: object, *args: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)  # type: ignore[operator]
    return caught.value


@pytest.mark.parametrize(
    ("error", "english"),
    [
        (lambda: _error(parse_corporate_number, "123"), "(you entered 3 digits)"),
        (lambda: _error(parse_corporate_number, "1180301018772"), "check digit"),
        (lambda: _error(parse_invoice_registration_number, "T12345"), "(it has 5 digits)"),
        (lambda: _error(parse_account_number, ""), "Enter the account number."),
        (lambda: _error(lookup_bank, "9998"), "no bank with the code 9998"),
        (lambda: amount_limit_error(100_000_000), "at most ¥100,000,000"),
    ],
)
def test_errors_read_in_english_with_their_values(error: object, english: str) -> None:
    exc = error()  # type: ignore[operator]
    assert english in exc.message_for("en"), exc.message_for("en")
    assert not JAPANESE.search(exc.message_for("en"))
    assert exc.message_for("ja") == exc.message  # Japanese pages and the API: unchanged
    assert exc.as_dict()["message"] == exc.message


def test_an_invoices_problems_in_english() -> None:
    invoice = InvoiceData(
        issuer_name="株式会社売主",
        debtor_name="株式会社ヤマダ商事",
        invoice_number="INV-1",
        issue_date=date(2026, 10, 1),
        due_date=date(2026, 9, 1),
        total_amount=110_000,
        tax_breakdown=(TaxBreakdown(Decimal("0.10"), 100_000, 9_000),),
    )
    problems = validate_invoice(invoice, today=date(2026, 10, 2))
    texts = {p.code: p.message_for("en") for p in problems}
    assert texts["invoice.due_before_issue"] == "The due date must be after the invoice date."
    assert "¥109,000" in texts["invoice.tax_mismatch"]
    assert "¥110,000" in texts["invoice.tax_mismatch"]


def test_an_unknown_code_or_a_missing_value_falls_back_to_japanese() -> None:
    assert DomainError("no.such_code", "日本語のまま").message_for("en") == "日本語のまま"
    # an English text that names a value the error did not carry is not shown half-filled
    exc = DomainError("corporate_number.length", "法人番号は13桁の数字で入力してください")
    assert exc.message_for("en") == exc.message


def test_the_fee_notes_have_english() -> None:
    from tests.unit.test_english_catalog import english_catalog
    from urikake.domain.screening.pricing import APR_NOTE, FACE_TIMES, PAID_ON

    catalog = english_catalog()
    for note_id in (FACE_TIMES, PAID_ON, APR_NOTE):
        assert note_id in catalog, note_id
        assert not JAPANESE.search(catalog[note_id])
