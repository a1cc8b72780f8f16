"""JP PINT (UBL 2.1) e-invoice parsing: exact fields, safety (XXE, DTD), and fuzzing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from urikake.domain.errors import DomainError
from urikake.domain.invoices import InvoiceData, PayeeAccount, TaxBreakdown, validate_invoice
from urikake.domain.jp_pint import parse_jp_pint

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "jp_pint"
TODAY = date(2026, 11, 23)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


STANDARD = fixture("standard_10.xml")
REDUCED = fixture("reduced_mixed.xml")
EXEMPT = fixture("exempt_no_payee.xml")


def replace(data: bytes, old: str, new: str) -> bytes:
    text = data.decode()
    assert old in text, old
    return text.replace(old, new, 1).encode()


# ---------------------------------------------------------------------------------------
# The samples, exactly
# ---------------------------------------------------------------------------------------


def test_standard_10_percent() -> None:
    assert parse_jp_pint(STANDARD) == InvoiceData(
        issuer_name="株式会社サンプル製作所",
        debtor_name="株式会社みなと商事",
        invoice_number="INV-2026-1101",
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 12, 31),
        total_amount=330000,
        issuer_registration_number="T1180301018771",
        debtor_corporate_number="5010001008813",
        tax_breakdown=(
            TaxBreakdown(rate=Decimal("0.10"), taxable_amount=300000, tax_amount=30000),
        ),
        payee=PayeeAccount(
            bank_code="0001",
            bank_name="",
            branch_code="100",
            branch_name="本店",
            account_type=1,
            account_number="1234567",
            holder_name="カ）サンプルセイサクシヨ",
        ),
        currency="JPY",
    )


def test_reduced_rate_mixed() -> None:
    invoice = parse_jp_pint(REDUCED)
    assert invoice == InvoiceData(
        issuer_name="有限会社青葉フーズ",
        debtor_name="合同会社さくらダイニング",
        invoice_number="A-00042",
        issue_date=date(2026, 10, 31),
        due_date=date(2026, 11, 30),  # from PaymentMeans/PaymentDueDate
        total_amount=186000,
        issuer_registration_number="T9234567890123",
        debtor_corporate_number="6012345678901",  # from EndpointID schemeID=0188
        tax_breakdown=(
            TaxBreakdown(rate=Decimal("0.10"), taxable_amount=120000, tax_amount=12000),
            TaxBreakdown(rate=Decimal("0.08"), taxable_amount=50000, tax_amount=4000),
        ),
        payee=PayeeAccount(
            bank_code="0009",
            bank_name="三井住友銀行",
            branch_code="123",
            branch_name="青葉通支店",
            account_type=2,
            account_number="0765432",
            holder_name="ユ）アオバフーズ",
        ),
    )
    assert [str(t.rate) for t in invoice.tax_breakdown] == ["0.10", "0.08"]


def test_exempt_without_payee() -> None:
    assert parse_jp_pint(EXEMPT) == InvoiceData(
        issuer_name="〇〇文具店",  # PartyName/Name when there is no RegistrationName
        debtor_name="〇〇学習塾",
        invoice_number="156",
        issue_date=date(2026, 10, 24),
        due_date=date(2026, 11, 30),  # from PaymentTerms/PaymentDueDate
        total_amount=281240,  # TaxInclusiveAmount (no PayableAmount)
        issuer_registration_number="T8700110005901",
        debtor_corporate_number="",
        tax_breakdown=(
            TaxBreakdown(rate=Decimal("0.10"), taxable_amount=252500, tax_amount=25250),
            TaxBreakdown(rate=Decimal("0.00"), taxable_amount=3490, tax_amount=0),
        ),
        payee=None,
    )


@pytest.mark.parametrize("data", [STANDARD, REDUCED, EXEMPT], ids=["standard", "reduced", "exempt"])
def test_samples_pass_validation(data: bytes) -> None:
    assert validate_invoice(parse_jp_pint(data), today=TODAY) == []


def test_payable_amount_preferred_over_tax_inclusive() -> None:
    data = replace(
        STANDARD,
        '<cbc:PayableAmount currencyID="JPY">330000</cbc:PayableAmount>',
        '<cbc:PrepaidAmount currencyID="JPY">30000</cbc:PrepaidAmount>'
        '<cbc:PayableAmount currencyID="JPY">300000</cbc:PayableAmount>',
    )
    invoice = parse_jp_pint(data)
    assert invoice.total_amount == 300000
    # The breakdown no longer adds up to the amount owed: validation says so.
    assert [p.code for p in validate_invoice(invoice, today=TODAY)] == ["invoice.tax_mismatch"]


def test_whole_yen_with_decimal_zeros_accepted() -> None:
    data = replace(STANDARD, ">330000</cbc:PayableAmount>", ">330000.00</cbc:PayableAmount>")
    assert parse_jp_pint(data).total_amount == 330000


def test_whitespace_around_values_tolerated() -> None:
    data = replace(
        STANDARD, "<cbc:ID>INV-2026-1101</cbc:ID>", "<cbc:ID>\n  INV-2026-1101 \n</cbc:ID>"
    )
    assert parse_jp_pint(data).invoice_number == "INV-2026-1101"


# ---------------------------------------------------------------------------------------
# Errors: missing and bad elements
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "code", "field"),
    [
        ("<cbc:ID>INV-2026-1101</cbc:ID>", "", "jp_pint.missing", "/Invoice/cbc:ID"),
        (
            "<cbc:IssueDate>2026-11-01</cbc:IssueDate>",
            "",
            "jp_pint.missing",
            "/Invoice/cbc:IssueDate",
        ),
        ("<cbc:DueDate>2026-12-31</cbc:DueDate>", "", "jp_pint.missing", "/Invoice/cbc:DueDate"),
        (
            "<cbc:DocumentCurrencyCode>JPY</cbc:DocumentCurrencyCode>",
            "",
            "jp_pint.missing",
            "/Invoice/cbc:DocumentCurrencyCode",
        ),
        (
            "<cbc:RegistrationName>株式会社みなと商事</cbc:RegistrationName>",
            "",
            "jp_pint.missing",
            "/Invoice/cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
        ),
        (
            '<cbc:PayableAmount currencyID="JPY">330000</cbc:PayableAmount>',
            '<cbc:PayableAmount currencyID="JPY">330000.5</cbc:PayableAmount>',
            "jp_pint.fractional_yen",
            "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        ),
        (
            '<cbc:PayableAmount currencyID="JPY">330000</cbc:PayableAmount>',
            '<cbc:PayableAmount currencyID="JPY">33万</cbc:PayableAmount>',
            "jp_pint.invalid_amount",
            "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        ),
        (
            '<cbc:TaxableAmount currencyID="JPY">300000</cbc:TaxableAmount>',
            '<cbc:TaxableAmount currencyID="USD">300000</cbc:TaxableAmount>',
            "jp_pint.currency",
            "/Invoice/cac:TaxTotal/cac:TaxSubtotal[1]/cbc:TaxableAmount",
        ),
        (
            "<cbc:DocumentCurrencyCode>JPY</cbc:DocumentCurrencyCode>",
            "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
            "jp_pint.currency",
            "/Invoice/cbc:DocumentCurrencyCode",
        ),
        (
            '<cbc:PayableAmount currencyID="JPY">330000</cbc:PayableAmount>',
            '<cbc:PayableAmount currencyID="JPY">' + "9" * 5000 + "</cbc:PayableAmount>",
            "jp_pint.invalid_amount",
            "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount",
        ),
        (
            "<cbc:Percent>10</cbc:Percent>",
            "<cbc:Percent>-10</cbc:Percent>",
            "jp_pint.invalid_percent",
            "/Invoice/cac:TaxTotal/cac:TaxSubtotal[1]/cac:TaxCategory/cbc:Percent",
        ),
        (
            "<cbc:IssueDate>2026-11-01</cbc:IssueDate>",
            "<cbc:IssueDate>2026-02-30</cbc:IssueDate>",
            "jp_pint.invalid_date",
            "/Invoice/cbc:IssueDate",
        ),
        (
            "<cbc:DueDate>2026-12-31</cbc:DueDate>",
            "<cbc:DueDate>20261231</cbc:DueDate>",
            "jp_pint.invalid_date",
            "/Invoice/cbc:DueDate",
        ),
        (
            "<cbc:Percent>10</cbc:Percent>\n        <cac:TaxScheme>",
            "<cac:TaxScheme>",
            "jp_pint.missing",
            "/Invoice/cac:TaxTotal/cac:TaxSubtotal[1]/cac:TaxCategory/cbc:Percent",
        ),
        (
            "<cbc:CompanyID>T1180301018771</cbc:CompanyID>",
            "<cbc:CompanyID>T118030101877</cbc:CompanyID>",
            "invoice_registration_number.length",
            "/Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme/cbc:CompanyID",
        ),
        (
            '<cbc:CompanyID schemeID="0188">5010001008813</cbc:CompanyID>',
            '<cbc:CompanyID schemeID="0188">5010001008814</cbc:CompanyID>',
            "corporate_number.check_digit",
            "/Invoice/cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
        ),
        (
            "<cbc:ID>1234567</cbc:ID>",
            "<cbc:ID>12345678</cbc:ID>",
            "account_number.format",
            "/Invoice/cac:PaymentMeans[1]/cac:PayeeFinancialAccount/cbc:ID",
        ),
        (
            "<cbc:ID>0001100</cbc:ID>",
            "<cbc:ID>01</cbc:ID>",
            "jp_pint.invalid_branch",
            "/Invoice/cac:PaymentMeans[1]/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID",
        ),
    ],
)
def test_bad_or_missing_element(old: str, new: str, code: str, field: str) -> None:
    with pytest.raises(DomainError) as info:
        parse_jp_pint(replace(STANDARD, old, new))
    assert (info.value.code, info.value.field) == (code, field)
    assert info.value.message


def test_missing_party() -> None:
    start = STANDARD.decode().index("<cac:AccountingCustomerParty>")
    end = STANDARD.decode().index("</cac:AccountingCustomerParty>") + len(
        "</cac:AccountingCustomerParty>"
    )
    data = (STANDARD.decode()[:start] + STANDARD.decode()[end:]).encode()
    with pytest.raises(DomainError) as info:
        parse_jp_pint(data)
    assert info.value.field == "/Invoice/cac:AccountingCustomerParty/cac:Party"
    assert "買い手" in info.value.message


def test_missing_tax_total() -> None:
    text = STANDARD.decode()
    start, end = (
        text.index("<cac:TaxTotal>"),
        text.index("</cac:TaxTotal>") + len("</cac:TaxTotal>"),
    )
    with pytest.raises(DomainError) as info:
        parse_jp_pint((text[:start] + text[end:]).encode())
    assert info.value.field == "/Invoice/cac:TaxTotal/cac:TaxSubtotal"


def test_missing_totals() -> None:
    text = STANDARD.decode()
    for name in ("PayableAmount", "TaxInclusiveAmount"):
        start = text.index(f"<cbc:{name}")
        text = text[:start] + text[text.index(f"</cbc:{name}>") + len(f"</cbc:{name}>") :]
    with pytest.raises(DomainError) as info:
        parse_jp_pint(text.encode())
    assert info.value.field == "/Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount"


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"   ",
        b"not xml at all",
        b"<Invoice>",
        b"\xff\xfe\x00<",
        b'<?xml version="1.0" encoding="bogus"?><a/>',
    ],
)
def test_malformed(data: bytes) -> None:
    with pytest.raises(DomainError) as info:
        parse_jp_pint(data)
    assert info.value.code in {"jp_pint.empty", "jp_pint.malformed"}


def test_wrong_root_is_refused() -> None:
    credit_note = STANDARD.replace(
        b"urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
        b"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2",
    )
    with pytest.raises(DomainError) as info:
        parse_jp_pint(credit_note)
    assert info.value.code == "jp_pint.not_invoice"
    with pytest.raises(DomainError):
        parse_jp_pint(b"<html><body>hi</body></html>")


def test_not_bytes_and_too_large() -> None:
    with pytest.raises(DomainError) as info:
        parse_jp_pint(STANDARD.decode())  # type: ignore[arg-type]
    assert info.value.code == "jp_pint.invalid_type"
    with pytest.raises(DomainError) as info:
        parse_jp_pint(b" " * (5 * 1024 * 1024 + 1))
    assert info.value.code == "jp_pint.too_large"


# ---------------------------------------------------------------------------------------
# Safety: DTDs, entities, external references
# ---------------------------------------------------------------------------------------

_BODY = STANDARD.decode().split("?>", 1)[1]

HOSTILE = {
    "xxe_file": (
        '<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        + _BODY.replace("INV-2026-1101", "&xxe;")
    ),
    "xxe_http": (
        '<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "http://127.0.0.1:1/x">]>\n'
        + _BODY.replace("INV-2026-1101", "&xxe;")
    ),
    "billion_laughs": (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n'
            for i in range(1, 10)
        )
        + "]>\n"
        + _BODY.replace("INV-2026-1101", "&lol9;")
    ),
    "external_dtd": '<?xml version="1.0"?>\n<!DOCTYPE Invoice SYSTEM "http://127.0.0.1:1/x.dtd">\n'
    + _BODY,
    "internal_dtd_only": '<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ELEMENT Invoice ANY>]>\n'
    + _BODY,
    "parameter_entity": (
        '<?xml version="1.0"?>\n<!DOCTYPE Invoice [<!ENTITY % p SYSTEM "http://127.0.0.1:1/p">'
        "%p;]>\n" + _BODY
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_documents_refused(name: str) -> None:
    with pytest.raises(DomainError) as info:
        parse_jp_pint(HOSTILE[name].encode())
    assert info.value.code in {"jp_pint.dtd_forbidden", "jp_pint.external_reference_forbidden"}
    assert "DTD" in info.value.message or "外部参照" in info.value.message


def test_plain_document_without_doctype_still_parses() -> None:
    assert parse_jp_pint(('<?xml version="1.0"?>\n' + _BODY).encode()).total_amount == 330000


# ---------------------------------------------------------------------------------------
# Fuzzing: InvoiceData or DomainError, nothing else
# ---------------------------------------------------------------------------------------


def _parse_or_domain_error(data: bytes) -> None:
    error: DomainError | None = None
    try:
        result = parse_jp_pint(data)
    except DomainError as exc:
        error = exc
    if error is not None:
        assert error.code
        assert error.message
        return
    assert isinstance(result, InvoiceData)
    assert all(isinstance(t.taxable_amount, int) for t in result.tax_breakdown)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_fuzz_random_bytes(data: bytes) -> None:
    _parse_or_domain_error(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from([STANDARD, REDUCED, EXEMPT]),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["delete", "insert", "replace_text", "flip"]),
            st.floats(min_value=0, max_value=1),
            st.integers(min_value=0, max_value=200),
            st.text(
                alphabet=st.sampled_from(list("0123456789.-<>/&;:\"' abcT円\u3000\x00")),
                max_size=12,
            ),
        ),
        min_size=1,
        max_size=4,
    ),
)
def test_fuzz_mutated_xml(base: bytes, edits: list[tuple[str, float, int, str]]) -> None:
    data = bytearray(base)
    for kind, where, length, text in edits:
        pos = int(where * len(data))
        if kind == "delete":
            del data[pos : pos + length]
        elif kind == "insert":
            data[pos:pos] = text.encode()
        elif kind == "flip" and data:
            data[min(pos, len(data) - 1)] ^= 1 + length % 255
        else:
            # Replace the text content of the element that starts after pos.
            start = data.find(b">", pos)
            end = data.find(b"<", start + 1)
            if start != -1 and end != -1:
                data[start + 1 : end] = text.encode()
    _parse_or_domain_error(bytes(data))
