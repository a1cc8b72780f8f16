"""Sample files a first visitor can try, fitting the demo data (issue 10 item 10).

For the demo applicant 株式会社ウリカケデモ商事 (``applicant@demo.urikake.example``) and its
two demo debtors (registered by ``urikake demo``):

* ``invoice.pdf`` — a 適格請求書 PDF to 株式会社あおば電機 (the invoice page reads it);
* ``invoice.xml`` — a JP PINT (デジタルインボイス) invoice to 合同会社こだま食品;
* ``statement.csv`` — the applicant's bank CSV (``generic_jp_bank``: Shift_JIS, 日付・摘要・
  お支払金額・お預り金額・差引残高) with twelve months of payments from both debtors, which
  screening reads as the transaction history behind the invoices.

For the operator's back office:

* ``collection-statement.txt`` — a 全銀 入出金取引明細 of the platform's collection account in
  which the debtors of the open three-party purchases pay (less a ¥660 transfer fee, as
  debtors often deduct it): imported at 入金と消込, it reconciles against the demo's open
  items. Built from the database, as the open items are.

Every file is a pure function of the day it is made for (``today``): dates are relative to
it (an invoice due after today, statement lines up to yesterday — an import refuses lines
after today), and the PDF is written with ``invariant=True``, so the same day gives the same
bytes. ``scripts/make_samples.py`` writes the applicant files into
``src/urikake/system/samples/`` (the copies shipped in the repository, for a fixed day); the
pages link to ``/samples/<name>``, which builds them for today.
"""

from __future__ import annotations

import calendar
import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from urikake.domain import safe_csv
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_charset import to_zengin
from urikake.domain.zengin_statements import write_statement_file

ISSUER_NAME = "株式会社ウリカケデモ商事"
ISSUER_ADDRESS = "〒100-0005 東京都千代田区丸の内1-1-1"
ISSUER_CORPORATE_NUMBER = "1180301018771"  # the demo applicant's 法人番号 (demo.py)
ISSUER_REGISTRATION = "T" + ISSUER_CORPORATE_NUMBER
# The demo applicant's payout account (demo.py): bank 0001 branch 001 普通 1234567.
PAYEE_BANK = ("0001", "本店", "001")
PAYEE_ACCOUNT = "1234567"
PAYEE_HOLDER = "カ）ウリカケデモシヨウジ"


@dataclass(frozen=True)
class SampleDebtor:
    name: str
    name_kana: str
    corporate_number: str  # fictitious but well-formed (登記所 code 9999 does not exist)
    address: str
    monthly_amount: int  # what it pays the demo applicant each month (the statement)
    invoice_amount: int  # the sample invoice's total, tax included

    @property
    def payer(self) -> str:
        """How its transfers read on a bank statement (ｶ)ｱｵﾊﾞﾃﾞﾝｷ)."""
        return to_zengin(self.name_kana, abbreviate_legal_form=True)


DEBTORS = (
    SampleDebtor(
        "株式会社あおば電機",
        "カブシキガイシャアオバデンキ",
        "6999901000101",
        "宮城県仙台市青葉区一番町1-2-3",
        monthly_amount=880_000,
        invoice_amount=880_000,
    ),
    SampleDebtor(
        "合同会社こだま食品",
        "ゴウドウガイシャコダマシヨクヒン",
        "5999901000102",
        "静岡県静岡市葵区追手町4-5-6",
        monthly_amount=539_000,
        invoice_amount=550_000,
    ),
)

# The day the copies in src/urikake/system/samples/ were made for (scripts/make_samples.py).
SHIPPED_DAY = date(2026, 12, 1)
SHIPPED_DIR = "samples"  # next to this module

APPLICANT_FILES = ("invoice.pdf", "invoice.xml", "statement.csv")
BACKOFFICE_FILES = ("collection-statement.txt",)
MIME = {
    "invoice.pdf": "application/pdf",
    "invoice.xml": "application/xml",
    "statement.csv": "text/csv; charset=Shift_JIS",
    "collection-statement.txt": "text/plain; charset=Shift_JIS",
}


def _end_of_next_month(today: date) -> date:
    year, month = (today.year + 1, 1) if today.month == 12 else (today.year, today.month + 1)
    return date(year, month, calendar.monthrange(year, month)[1])


def invoice_number(today: date, index: int) -> str:
    return f"UD-{today:%Y%m%d}-{index + 1:02d}"


def _tax(total: int) -> tuple[int, int]:
    """(taxable, tax) of a 10% total; the tax 円未満切捨て from the taxable amount."""
    taxable = total * 10 // 11
    return taxable, total - taxable


def invoice_pdf(today: date) -> bytes:
    """A one-page 適格請求書 from the demo applicant to its first debtor, due at the end of
    next month (the layout the invoice reader understands: labels and values on one line)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from urikake.contracts.pdf import GOTHIC  # registers the CID fonts

    debtor = DEBTORS[0]
    taxable, tax = _tax(debtor.invoice_amount)
    issued = today - timedelta(days=5)
    due = _end_of_next_month(today)
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, invariant=True)
    c.setTitle(f"請求書 {invoice_number(today, 0)}（見本）")
    width, height = A4
    left = 50
    y = height - 60

    def line(text: str, *, size: int = 10, x: float = left, gap: float = 16) -> None:
        nonlocal y
        c.setFont(GOTHIC, size)
        c.drawString(x, y, text)
        y -= gap

    c.setFont(GOTHIC, 20)
    c.drawCentredString(width / 2, y, "請求書")
    y -= 36
    line(f"{debtor.name} 御中", size=13, gap=22)
    rx = width / 2 + 40
    line(f"請求書番号：{invoice_number(today, 0)}", x=rx)
    line(f"請求日：{issued.year}年{issued.month}月{issued.day}日", x=rx, gap=22)
    line(ISSUER_NAME, size=11, x=rx)
    line(ISSUER_ADDRESS, x=rx)
    line(f"登録番号：{ISSUER_REGISTRATION}", x=rx, gap=28)
    line("下記のとおりご請求申し上げます。")
    line(f"ご請求金額（税込）　¥{debtor.invoice_amount:,}", size=14, gap=22)
    line(f"お支払期限：{due.year}年{due.month}月{due.day}日", gap=26)
    c.setFont(GOTHIC, 10)
    c.drawString(left, y, "品名")
    c.drawString(left + 260, y, "数量")
    c.drawString(left + 320, y, "単価")
    c.drawString(left + 410, y, "金額")
    y -= 18
    c.drawString(left, y, "業務用照明器具（見本）")
    c.drawString(left + 260, y, "1")
    c.drawString(left + 320, y, f"¥{taxable:,}")
    c.drawString(left + 410, y, f"¥{taxable:,}")
    y -= 24
    line(f"10%対象 ¥{taxable:,}　消費税 ¥{tax:,}", x=left + 200)
    line(f"合計 ¥{debtor.invoice_amount:,}", x=left + 200, gap=20)
    line(f"お振込先：みずほ銀行 本店 普通 {PAYEE_ACCOUNT}")
    line(f"口座名義：{PAYEE_HOLDER}")
    line("※デモ用の見本です。実在の取引ではありません。", size=9)
    c.showPage()
    c.save()
    return out.getvalue()


def invoice_xml(today: date) -> bytes:
    """A JP PINT (UBL 2.1) invoice from the demo applicant to its second debtor."""
    debtor = DEBTORS[1]
    taxable, tax = _tax(debtor.invoice_amount)
    issued = today - timedelta(days=3)
    due = _end_of_next_month(today)
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Urikake demo sample (見本): not a real transaction. -->
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
         xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
         xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:peppol:pint:billing-1@jp-1</cbc:CustomizationID>
  <cbc:ProfileID>urn:peppol:bis:billing</cbc:ProfileID>
  <cbc:ID>{invoice_number(today, 1)}</cbc:ID>
  <cbc:IssueDate>{issued.isoformat()}</cbc:IssueDate>
  <cbc:DueDate>{due.isoformat()}</cbc:DueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>JPY</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0188">{ISSUER_CORPORATE_NUMBER}</cbc:EndpointID>
      <cac:PartyName><cbc:Name>ウリカケデモ商事</cbc:Name></cac:PartyName>
      <cac:PostalAddress>
        <cbc:StreetName>丸の内1-1-1</cbc:StreetName>
        <cbc:CityName>千代田区</cbc:CityName>
        <cbc:PostalZone>100-0005</cbc:PostalZone>
        <cbc:CountrySubentity>東京都</cbc:CountrySubentity>
        <cac:Country><cbc:IdentificationCode>JP</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyTaxScheme>
        <cbc:CompanyID>{ISSUER_REGISTRATION}</cbc:CompanyID>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:PartyTaxScheme>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>{ISSUER_NAME}</cbc:RegistrationName>
        <cbc:CompanyID schemeID="0188">{ISSUER_CORPORATE_NUMBER}</cbc:CompanyID>
      </cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty>
    <cac:Party>
      <cbc:EndpointID schemeID="0188">{debtor.corporate_number}</cbc:EndpointID>
      <cac:PostalAddress>
        <cac:Country><cbc:IdentificationCode>JP</cbc:IdentificationCode></cac:Country>
      </cac:PostalAddress>
      <cac:PartyLegalEntity>
        <cbc:RegistrationName>{debtor.name}</cbc:RegistrationName>
        <cbc:CompanyID schemeID="0188">{debtor.corporate_number}</cbc:CompanyID>
      </cac:PartyLegalEntity>
    </cac:Party>
  </cac:AccountingCustomerParty>
  <cac:PaymentMeans>
    <cbc:PaymentMeansCode>30</cbc:PaymentMeansCode>
    <cac:PayeeFinancialAccount>
      <cbc:ID>{PAYEE_ACCOUNT}</cbc:ID>
      <cbc:Name>{PAYEE_HOLDER}</cbc:Name>
      <cbc:AccountTypeCode>1</cbc:AccountTypeCode>
      <cac:FinancialInstitutionBranch>
        <cbc:ID>{PAYEE_BANK[0]}{PAYEE_BANK[2]}</cbc:ID>
        <cbc:Name>{PAYEE_BANK[1]}</cbc:Name>
      </cac:FinancialInstitutionBranch>
    </cac:PayeeFinancialAccount>
  </cac:PaymentMeans>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="JPY">{tax}</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="JPY">{taxable}</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="JPY">{tax}</cbc:TaxAmount>
      <cac:TaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>10</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="JPY">{taxable}</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="JPY">{taxable}</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="JPY">{debtor.invoice_amount}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="JPY">{debtor.invoice_amount}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="H87">1</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="JPY">{taxable}</cbc:LineExtensionAmount>
    <cac:Item>
      <cbc:Name>業務用食品容器（見本）</cbc:Name>
      <cac:ClassifiedTaxCategory>
        <cbc:ID>S</cbc:ID>
        <cbc:Percent>10</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme>
      </cac:ClassifiedTaxCategory>
    </cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="JPY">{taxable}</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
"""
    return text.encode("utf-8")


def statement_rows(today: date) -> list[tuple[date, str, int, int]]:
    """(date, 摘要, withdrawal, deposit) rows: twelve months of the debtors' payments (the
    first on the 25th, the second on the 10th of each past month) and the monthly rent."""
    rows: list[tuple[date, str, int, int]] = []
    first_of_month = today.replace(day=1)
    for back in range(12, 0, -1):
        month = first_of_month
        for _ in range(back):
            month = (month - timedelta(days=1)).replace(day=1)
        rows.append((month.replace(day=10), DEBTORS[1].payer, 0, DEBTORS[1].monthly_amount))
        rows.append((month.replace(day=20), "ﾔﾁﾝ ﾏﾙﾉｳﾁﾋﾞﾙ", 330_000, 0))
        rows.append((month.replace(day=25), DEBTORS[0].payer, 0, DEBTORS[0].monthly_amount))
    return [r for r in rows if r[0] < today]


def statement_csv(today: date) -> bytes:
    """The applicant's net-banking CSV (preset ``generic_jp_bank``, Shift_JIS/cp932)."""
    out = io.StringIO()
    writer = safe_csv.writer(out, lineterminator="\r\n")
    writer.writerow(["日付", "摘要", "お支払金額", "お預り金額", "差引残高"])
    balance = 2_000_000
    for day, memo, paid, received in statement_rows(today):
        balance += received - paid
        writer.writerow([f"{day:%Y/%m/%d}", memo, paid or "", received or "", balance])
    return out.getvalue().encode("cp932")


TRANSFER_FEE_DEDUCTED = 660  # what a debtor commonly deducts (振込手数料先方負担)


def collection_statement(today: date, open_items: list[dict[str, Any]]) -> bytes:
    """The platform's 全銀 statement in which each open item is paid (less the transfer fee)
    on its expected day, or today when that is still ahead (a statement never reports a day
    that has not come). ``open_items``: ``{"payer", "amount", "expected_on"}``."""
    from django.conf import settings

    lines = tuple(
        StatementLine(
            value_date=min(item["expected_on"], today),
            direction=Direction.DEPOSIT,
            amount=item["amount"] - TRANSFER_FEE_DEDUCTED,
            counterparty=item["payer"],
            reference=f"{n:08d}",
            line_number=n,
        )
        for n, item in enumerate(open_items, start=1)
    )
    days = [line.value_date for line in lines] or [today]
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT,
        settings.ZENGIN_BANK_CODE,
        settings.ZENGIN_BRANCH_CODE,
        int(settings.ZENGIN_ACCOUNT_TYPE or 1),
        settings.ZENGIN_ACCOUNT_NUMBER,
        "",
        min(days),
        max(days),
        lines,
    )
    return write_statement_file(statement, created=today)


def open_demo_items() -> list[dict[str, Any]]:
    """The open purchases the platform collects itself (three-party), as the debtor pays."""
    from urikake.domain.products import spec
    from urikake.servicing.models import Position

    items = []
    for p in (
        Position.objects.select_related("debtor")
        .filter(status=Position.Status.OPEN, collected_amount=0)
        .order_by("expected_on", "pk")
    ):
        if spec(p.product).client_forwards:
            continue
        items.append(
            {
                "payer": to_zengin(p.debtor.name_kana, abbreviate_legal_form=True),
                "amount": p.face_amount,
                "expected_on": p.expected_on,
            }
        )
    return items


def _collection_statement_now(today: date) -> bytes:
    return collection_statement(today, open_demo_items())


def build(name: str, today: date) -> bytes:
    """One sample file for a day (``KeyError`` for an unknown name)."""
    builders = {
        "invoice.pdf": invoice_pdf,
        "invoice.xml": invoice_xml,
        "statement.csv": statement_csv,
        "collection-statement.txt": _collection_statement_now,
    }
    return builders[name](today)
