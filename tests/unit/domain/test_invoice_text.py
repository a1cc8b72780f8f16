"""Field proposals from PDF invoices: real PDFs generated with reportlab, read with pypdf."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.pdfgen import canvas  # type: ignore[import-untyped]

from tests.fixtures.invoice_pdf import FONT, format_date, make_invoice_pdf
from urikake.domain.errors import DomainError
from urikake.domain.identifiers import AccountType
from urikake.domain.invoice_text import (
    Proposal,
    ProposedInvoice,
    extract_pdf_text,
    normalize_text,
    parse_japanese_date,
    propose_invoice_fields,
)
from urikake.domain.invoices import InvoiceData, PayeeAccount, TaxBreakdown, validate_invoice
from urikake.domain.money import Rounding, apply_rate

TODAY = date(2026, 11, 23)


# ---------------------------------------------------------------------------------------
# Small parsers
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和8年11月1日", date(2026, 11, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和 8 年 1 月 9 日", date(2026, 1, 9)),
        ("令和８年１１月１日", date(2026, 11, 1)),
        ("平成31年4月30日", date(2019, 4, 30)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("2026年11月1日", date(2026, 11, 1)),
        ("2026/11/01", date(2026, 11, 1)),
        ("２０２６／１１／０１", date(2026, 11, 1)),
        ("2026-11-01", date(2026, 11, 1)),
        ("2026.1.5", date(2026, 1, 5)),
        # Conservative: impossible or ambiguous dates are not proposed.
        ("令和元年4月30日", None),  # before 令和 began
        ("平成31年5月1日", None),  # after 平成 ended
        ("2026年2月30日", None),
        ("2026/11-01", None),
        ("26/11/01", None),
        ("11月1日", None),
        ("", None),
    ],
)
def test_parse_japanese_date(text: str, expected: date | None) -> None:
    assert parse_japanese_date(text) == expected


def test_normalize_is_length_preserving() -> None:
    text = "ご請求金額　￥１，２３４，５６７（税込）Ｔ１２３ー"
    normal = normalize_text(text)
    assert len(normal) == len(text)
    assert normal == "ご請求金額 ¥1,234,567(税込)T123ー"


# ---------------------------------------------------------------------------------------
# Proposals from text
# ---------------------------------------------------------------------------------------

SAMPLE = """\
御請求書
株式会社ひかり物流　御中
請求番号：２０２６－００１５
発行日：2026年11月1日
ご請求金額 ￥１１０，０００円（税込）
支払期日：2026年11月30日
10%対象(税抜) ¥100,000 消費税 ¥10,000
合計 ¥110,000
青葉デザイン事務所
東京都港区芝公園4-2-8
登録番号 T 9-2345-6789-0123
振込先：みずほ銀行 渋谷支店（普通）0123456　口座名義：アオバデザイン
"""


def test_proposals_from_text() -> None:
    proposed = propose_invoice_fields(SAMPLE)
    assert proposed.as_dict() == {
        "issuer_name": "青葉デザイン事務所",
        "issuer_registration_number": "T9234567890123",
        "debtor_name": "株式会社ひかり物流",
        "invoice_number": "2026-0015",
        "issue_date": date(2026, 11, 1),
        "due_date": date(2026, 11, 30),
        "total_amount": 110000,
        "tax_breakdown": (
            TaxBreakdown(rate=Decimal("0.10"), taxable_amount=100000, tax_amount=10000),
        ),
        "payee": PayeeAccount(
            bank_name="みずほ銀行",
            branch_name="渋谷支店",
            account_type=int(AccountType.ORDINARY),
            account_number="0123456",
            holder_name="アオバデザイン",
        ),
    }
    # Every proposal carries the original text it came from.
    assert proposed.total_amount is not None
    assert proposed.total_amount.snippet == "ご請求金額 ￥１１０，０００円（税込）"
    assert proposed.debtor_name is not None
    assert proposed.debtor_name.snippet == "株式会社ひかり物流　御中"
    invoice = proposed.to_invoice_data()
    assert validate_invoice(invoice, today=TODAY) == []


def test_tax_inclusive_breakdown_and_next_line_tax() -> None:
    text = "8%(軽減税率)対象 ¥10,800 (内消費税 ¥800)\n10%対象 ¥20,000\n消費税 ¥2,000\n"
    proposed = propose_invoice_fields(text)
    assert proposed.tax_breakdown is not None
    assert proposed.tax_breakdown.value == (
        TaxBreakdown(rate=Decimal("0.08"), taxable_amount=10000, tax_amount=800),
        TaxBreakdown(rate=Decimal("0.10"), taxable_amount=20000, tax_amount=2000),
    )


@pytest.mark.parametrize(
    ("text", "field"),
    [
        # Two different amounts under the same label: no proposal.
        ("ご請求金額 ¥110,000\nご請求金額 ¥120,000", "total_amount"),
        # A total with a tax-exclusive qualifier is not a 税込 total.
        ("合計(税抜) ¥100,000", "total_amount"),
        # Tax that does not match the rate: the whole breakdown is dropped.
        ("10%対象 ¥100,000 消費税 ¥8,000", "tax_breakdown"),
        # A per-rate line without its tax: no guess.
        ("10%対象 ¥100,000\n備考", "tax_breakdown"),
        # Two unlabelled T番号 (issuer's and someone else's): can't tell which.
        ("T1180301018771\nT9234567890123", "issuer_registration_number"),
        # Two addressees.
        ("株式会社A 御中\n株式会社B 御中", "debtor_name"),
        # "お客様" is not a name.
        ("お客様\n", "debtor_name"),
        # An impossible labelled date.
        ("請求日：2026年2月30日", "issue_date"),
        # Conflicting due dates.
        ("支払期日：2026/11/30\nお支払期限：2026/12/31", "due_date"),
        # An invoice number without a digit.
        ("請求書番号：ABC", "invoice_number"),
        # Two payee accounts.
        (
            "三井住友銀行 本店 普通 1234567\nみずほ銀行 本店 当座 7654321",
            "payee",
        ),
        # Account number too long for 全銀.
        ("三井住友銀行 本店 普通 12345678", "payee"),
        # Amounts that are not whole yen or too long to be real.
        ("ご請求金額 ¥1,234.5", "total_amount"),
        ("ご請求金額 ¥12345678901234", "total_amount"),
        # A previous period's amount is not this invoice's total.
        ("前回ご請求金額 ¥50,000", "total_amount"),
        # 18% is not 8%.
        ("18%対象 ¥100,000 消費税 ¥8,000", "tax_breakdown"),
    ],
)
def test_conservative(text: str, field: str) -> None:
    assert getattr(propose_invoice_fields(text), field) is None


def test_current_total_and_inclusive_breakdown() -> None:
    proposed = propose_invoice_fields(
        "前回ご請求金額 ¥50,000\n今回ご請求金額 ¥11,000\n"
        "10%対象(税込) ¥11,000 消費税 ¥1,000\n請求日付：2026/11/01\nお支払期限日：2026/11/30"
    )
    assert proposed.total_amount is not None
    assert proposed.total_amount.value == 11000
    assert proposed.tax_breakdown is not None
    assert proposed.tax_breakdown.value == (
        TaxBreakdown(rate=Decimal("0.10"), taxable_amount=10000, tax_amount=1000),
    )
    assert proposed.issue_date is not None
    assert proposed.issue_date.value == date(2026, 11, 1)
    assert proposed.due_date is not None
    assert proposed.due_date.value == date(2026, 11, 30)


def test_labelled_registration_number_wins_over_others() -> None:
    text = "取引先 T9234567890123\n株式会社サンプル\n登録番号：T1180301018771\n"
    proposed = propose_invoice_fields(text)
    assert proposed.issuer_registration_number == Proposal(
        "T1180301018771", "登録番号：T1180301018771"
    )
    assert proposed.issuer_name is not None
    assert proposed.issuer_name.value == "株式会社サンプル"


def test_name_on_the_registration_line() -> None:
    proposed = propose_invoice_fields("山田工房　登録番号：Ｔ１１８０３０１０１８７７１\n")
    assert proposed.issuer_name is not None
    assert proposed.issuer_name.value == "山田工房"
    assert proposed.issuer_registration_number is not None
    assert proposed.issuer_registration_number.value == "T1180301018771"


def test_weak_number_label_and_other_labels() -> None:
    proposed = propose_invoice_fields(
        "No. A-77\n請求年月日 令和8年10月31日\n振込期日 令和8年11月30日\n税込合計 ¥5,500"
    )
    assert proposed.invoice_number is not None
    assert proposed.invoice_number.value == "A-77"
    assert proposed.issue_date is not None
    assert proposed.issue_date.value == date(2026, 10, 31)
    assert proposed.due_date is not None
    assert proposed.due_date.value == date(2026, 11, 30)
    assert proposed.total_amount is not None
    assert proposed.total_amount.value == 5500


def test_incomplete_proposal_cannot_become_invoice_data() -> None:
    proposed = propose_invoice_fields("ご請求金額 ¥1,000")
    assert not proposed.is_complete
    assert proposed.missing_fields() == (
        "issuer_name",
        "debtor_name",
        "invoice_number",
        "issue_date",
        "due_date",
    )
    with pytest.raises(DomainError) as info:
        proposed.to_invoice_data()
    assert info.value.code == "invoice_text.incomplete"
    assert info.value.field == "issuer_name"
    assert "売掛先" in info.value.message
    assert ProposedInvoice().missing_fields()[-1] == "total_amount"


def test_empty_and_garbage_text() -> None:
    assert propose_invoice_fields("") == ProposedInvoice()
    assert propose_invoice_fields("\x00\ufffd" * 100) == ProposedInvoice()


# ---------------------------------------------------------------------------------------
# PDFs
# ---------------------------------------------------------------------------------------


def test_cid_font_text_extracts_exactly() -> None:
    text = extract_pdf_text(make_invoice_pdf())
    for expected in (
        "株式会社みなと商事 御中",
        "請求書番号：INV-2026-1101",
        "請求日：令和8年11月1日",
        "登録番号：T1180301018771",
        "ご請求金額（税込）　¥330,000",
        "10%対象 ¥300,000　消費税 ¥30,000",
        "口座名義：カ）サンプルセイサクシヨ",
    ):
        assert expected in text


def test_default_pdf_proposals() -> None:
    invoice = propose_invoice_fields(extract_pdf_text(make_invoice_pdf())).to_invoice_data()
    assert invoice == InvoiceData(
        issuer_name="株式会社サンプル製作所",
        debtor_name="株式会社みなと商事",
        invoice_number="INV-2026-1101",
        issue_date=date(2026, 11, 1),
        due_date=date(2026, 12, 31),
        total_amount=330000,
        issuer_registration_number="T1180301018771",
        tax_breakdown=(
            TaxBreakdown(rate=Decimal("0.10"), taxable_amount=300000, tax_amount=30000),
        ),
        payee=PayeeAccount(
            bank_name="三井住友銀行",
            branch_name="青葉通支店",
            account_type=1,
            account_number="1234567",
            holder_name="カ）サンプルセイサクシヨ",
        ),
    )
    assert validate_invoice(invoice, today=TODAY) == []


_KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"
_KANJI = "青葉山川田中北南東西桜松竹梅星光海空森林大小新富士"
_WORD = st.text(alphabet=_KANJI + _KANA + "みなとさくら", min_size=2, max_size=6)
_COMPANY = st.one_of(
    st.builds(lambda w, f: f + w, _WORD, st.sampled_from(["株式会社", "有限会社", "合同会社"])),
    st.builds(lambda w, f: w + f, _WORD, st.sampled_from(["株式会社", "商事株式会社", "工業㈱"])),
    st.builds(lambda w, s: w + s, _WORD, st.sampled_from(["デザイン事務所", "工房", "商店"])),
)
_PERSON = st.builds(lambda a, b: f"{a} {b}", _WORD, _WORD)


@st.composite
def invoices(draw: st.DrawFn) -> dict[str, object]:
    issuer = draw(_COMPANY)
    honorific = draw(st.sampled_from(["御中", "様"]))
    debtor = draw(_COMPANY if honorific == "御中" else _PERSON)
    issue = draw(st.dates(min_value=date(2019, 5, 1), max_value=date(2031, 12, 31)))
    due = issue + timedelta(days=draw(st.integers(min_value=1, max_value=180)))
    breakdown = []
    for rate in draw(st.sampled_from([(Decimal("0.10"),), (Decimal("0.10"), Decimal("0.08"))])):
        taxable = draw(st.integers(min_value=1, max_value=99_999_999))
        rounding = draw(st.sampled_from([Rounding.TRUNCATE, Rounding.HALF_UP, Rounding.CEILING]))
        breakdown.append(TaxBreakdown(rate, taxable, apply_rate(taxable, rate, rounding=rounding)))
    account_type = draw(st.sampled_from([AccountType.ORDINARY, AccountType.CURRENT]))
    payee = PayeeAccount(
        bank_name=draw(st.sampled_from(["三井住友銀行", "みずほ銀行", "城南信用金庫", "横浜銀行"])),
        branch_name=draw(st.sampled_from(["本店", "渋谷支店", "青葉通支店", "東京営業部"])),
        account_type=int(account_type),
        account_number=str(draw(st.integers(min_value=1, max_value=9_999_999))).zfill(7),
        holder_name=draw(st.sampled_from(["カ）", "ユ）", ""]))
        + draw(st.text(alphabet=_KANA, min_size=2, max_size=12)),
    )
    return {
        "issuer_name": issuer,
        "issuer_registration_number": "T" + draw(st.from_regex(r"[0-9]{13}", fullmatch=True)),
        "registration_style": draw(st.sampled_from(["plain", "hyphen", "fullwidth", "spaced"])),
        "debtor_name": debtor,
        "debtor_honorific": honorific,
        "invoice_number": draw(st.from_regex(r"(?:[A-Z]{1,3}-)?[0-9]{1,8}", fullmatch=True)),
        "issue_date": issue,
        "due_date": due,
        "date_style": draw(st.sampled_from(["wareki", "kanji", "slash"])),
        "issue_label": draw(st.sampled_from(["請求日", "発行日"])),
        "due_label": draw(st.sampled_from(["お支払期限", "支払期日", "振込期日"])),
        "tax_breakdown": tuple(breakdown),
        "payee": payee,
        "fullwidth_amounts": draw(st.booleans()),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(invoices())
def test_generated_pdf_round_trip(fields: dict[str, object]) -> None:
    proposed = propose_invoice_fields(extract_pdf_text(make_invoice_pdf(**fields)))  # type: ignore[arg-type]
    breakdown = fields["tax_breakdown"]
    assert isinstance(breakdown, tuple)
    expected = InvoiceData(
        issuer_name=str(fields["issuer_name"]),
        debtor_name=str(fields["debtor_name"]),
        invoice_number=str(fields["invoice_number"]),
        issue_date=fields["issue_date"],  # type: ignore[arg-type]
        due_date=fields["due_date"],  # type: ignore[arg-type]
        total_amount=sum(t.taxable_amount + t.tax_amount for t in breakdown),
        issuer_registration_number=str(fields["issuer_registration_number"]),
        tax_breakdown=breakdown,
        payee=fields["payee"],  # type: ignore[arg-type]
    )
    assert proposed.to_invoice_data() == expected
    problems = validate_invoice(expected, today=expected.issue_date)
    assert [p.code for p in problems if p.code != "invoice_registration_number.check_digit"] == []


def test_format_date_styles() -> None:
    d = date(2019, 5, 1)
    assert format_date(d, "wareki") == "令和元年5月1日"
    assert format_date(d, "kanji") == "2019年5月1日"
    assert format_date(d, "slash") == "2019/05/01"


def _pdf(pages: list[str]) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for text in pages:
        if text:
            c.setFont(FONT, 12)
            c.drawString(50, 800, text)
        c.showPage()
    c.save()
    return buf.getvalue()


def test_only_the_first_pages_are_read() -> None:
    text = extract_pdf_text(_pdf([f"ページ{i}" for i in range(1, 8)]))
    assert "ページ5" in text
    assert "ページ6" not in text
    assert "ページ2" in extract_pdf_text(_pdf(["ページ1", "ページ2"]), max_pages=2)


def test_encrypted_pdf_refused() -> None:
    with pytest.raises(DomainError) as info:
        extract_pdf_text(make_invoice_pdf(encrypt_password="secret"))
    assert info.value.code == "pdf.encrypted"
    assert "パスワード" in info.value.message


def test_pdf_without_text_refused() -> None:
    with pytest.raises(DomainError) as info:
        extract_pdf_text(_pdf([""]))
    assert info.value.code == "pdf.no_text"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "pdf.not_pdf"),
        (b"hello world", "pdf.not_pdf"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "pdf.not_pdf"),
        (b"%PDF-1.4\n%garbage\n", "pdf.broken"),
        (
            b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer <<>>\n%%EOF",
            "pdf.broken",
        ),
    ],
)
def test_garbage_refused(data: bytes, code: str) -> None:
    with pytest.raises(DomainError) as info:
        extract_pdf_text(data)
    assert info.value.code == code


def test_truncated_pdf_refused_or_read() -> None:
    pdf = make_invoice_pdf()
    for cut in (len(pdf) // 4, len(pdf) // 2, len(pdf) - 50):
        error: DomainError | None = None
        try:
            text = extract_pdf_text(pdf[:cut])
        except DomainError as exc:
            error = exc
        if error is not None:
            assert error.code in {"pdf.broken", "pdf.no_text"}
        else:
            assert isinstance(text, str)


def test_not_bytes_and_too_large() -> None:
    with pytest.raises(DomainError) as info:
        extract_pdf_text("%PDF-1.4")  # type: ignore[arg-type]
    assert info.value.code == "pdf.invalid_type"
    with pytest.raises(DomainError) as info:
        extract_pdf_text(b"%PDF-" + b" " * (20 * 1024 * 1024))
    assert info.value.code == "pdf.too_large"


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=600))
def test_fuzz_pdf_bytes(data: bytes) -> None:
    for candidate in (data, b"%PDF-1.4\n" + data):
        error: DomainError | None = None
        try:
            propose_invoice_fields(extract_pdf_text(candidate))
        except DomainError as exc:
            error = exc
        assert error is None or error.code.startswith("pdf.")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_fuzz_text(text: str) -> None:
    proposed = propose_invoice_fields(text + "\n" + SAMPLE[: len(text) % len(SAMPLE)])
    assert isinstance(proposed, ProposedInvoice)
