"""Demo states of the three newer products, made by ``urikake demo`` after the treasury demo.

For the trading client 株式会社デモ運送 (``client@demo.urikake.example``):

1. 一括ファクタリング: a demo buyer, 株式会社デモ流通 (login ``buyer@demo.urikake.example``),
   enrolled by the reviewer; the client is its registered supplier with the three-party
   agreement signed (sealed as the product seals it), four payables due in one to three
   months uploaded by the buyer as its CSV, and one of them already paid early at the quote.
   The demo applicant is a second supplier that has not signed yet.
2. 保証ファクタリング: an individual guarantee decided by the reviewer, signed by the client
   (issued) and its premium received by treasury; a second application waiting for review.
3. 売掛債権担保融資: a loan applied for with two receivables, its documents checked, decided,
   signed, perfected and drawn; a debtor paid one pledged receivable into the designated
   account (the first repayment). A second application (a revolving limit) in review.

The money leaves as it always does: the early payment and the loan's payout go out in one
全銀 batch prepared by one treasury user and approved by the other (dual control).

Every state is reached through the products' own services (``urikake.bulk``,
``urikake.guarantees``, ``urikake.lending``), so the ledger entries are their recipes and
the trial balance balances. The services date what they do today, so the draw, the early
payment and the issue are today's; due dates and periods are relative to today. Made once:
a second run finds the buyer's login and does nothing. One audit record
``demo.products_loaded``. The contract seals use the TSA that ``make run`` starts first
(``CONTRACT_TSA_URL``), as the treasury demo's contracts do; without one they are PAdES B-B.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from urikake.accounts.models import User
from urikake.applicants import services as applicants
from urikake.applicants.models import Organization
from urikake.audit import services as audit
from urikake.domain.bank_calendar import is_bank_business_day, next_bank_business_day
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.domain.lending import LoanDocument
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.receivables import services as receivables
from urikake.receivables.models import Debtor, Invoice
from urikake.system.demo_company import create_demo_company
from urikake.system.demo_treasury import (
    CLIENT_EMAIL,
    CLIENT_NAME,
    DEBTORS,
    TREASURY_APPROVER,
    TREASURY_PREPARER,
)

if TYPE_CHECKING:
    from urikake.lending.models import LoanFacility

BUYER_EMAIL = "buyer@demo.urikake.example"
BUYER_NAME = "株式会社デモ流通"
APPLICANT_EMAIL = "applicant@demo.urikake.example"
REVIEWER_EMAIL = "reviewer@demo.urikake.example"
SUPPLIER_CODE = "UNSO01"
APPLICANT_SUPPLIER_CODE = "SHOJI01"
# The buyer's payables to the client: (days ahead, amount). The first is paid early.
PAYABLES = ((30, 1_320_000), (45, 880_000), (60, 2_145_000), (90, 1_650_000))


@dataclass(frozen=True)
class Made:
    program: int
    payables: int
    early: int
    guarantees: tuple[int, ...]
    loans: tuple[int, ...]
    batch: int | None


def present() -> bool:
    return User.objects.filter(email=BUYER_EMAIL).exists()


def load_products_demo(password: str) -> Made | None:
    """Create the three products' demo states unless present; what was made (None: present)."""
    if present():
        return None
    client = User.objects.get(email=CLIENT_EMAIL)
    org = client.memberships.get().organization
    reviewer = User.objects.get(email=REVIEWER_EMAIL)
    preparer = User.objects.get(email=TREASURY_PREPARER)
    approver = User.objects.get(email=TREASURY_APPROVER)
    debtors = {d.name: d for d in org.debtors.all()}
    minato, sakura, hikari = (debtors[d[0]] for d in DEBTORS)

    program, payables, early = _bulk(password, org, client, reviewer)
    guarantees = _guarantees(org, client, reviewer, preparer, sakura, minato)
    # The collection statement the treasury demo leaves is ひかり製作所's payment: the loans
    # pledge receivables of the other debtors, so it still reconciles automatically.
    del hikari
    loans, drawn = _loans(org, client, reviewer, preparer, minato)
    batch = _send_payouts(preparer, approver)
    _first_repayment(drawn, preparer)
    made = Made(program, payables, early, guarantees, loans, batch)
    audit.record(
        "demo.products_loaded",
        actor="system:demo",
        payload={
            "buyer": BUYER_EMAIL,
            "bulk_program": program,
            "payables": payables,
            "early_paid": early,
            "guarantees": list(guarantees),
            "loans": list(loans),
            "batch": batch,
        },
    )
    return made


# --- shared helpers ---------------------------------------------------------------------------


def _business_day(day: date) -> date:
    return day if is_bank_business_day(day) else next_bank_business_day(day)


def _invoice(
    org: Organization, user: User, debtor: Debtor, number: str, amount: int, due: date
) -> Invoice:
    today = timezone.localdate()
    return receivables.register_invoice(
        org,
        InvoiceData(
            issuer_name=org.name,
            debtor_name=debtor.name,
            invoice_number=number,
            issue_date=today - timedelta(days=5),
            due_date=due,
            total_amount=amount,
            tax_breakdown=(
                TaxBreakdown(Decimal("0.10"), amount * 10 // 11, amount - amount * 10 // 11),
            ),
        ),
        acting_user=user,
        debtor=debtor,
        source="form",
    )


def _sample_pdf(title: str, lines: list[str]) -> bytes:
    """A one-page PDF marked as a sample, standing in for a document a client uploads."""
    from reportlab.lib.pagesizes import A5
    from reportlab.pdfgen import canvas

    from urikake.contracts.pdf import GOTHIC  # registers the CID fonts

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A5, invariant=True)
    page.setTitle(f"{title}（デモ用の見本）")
    page.setFont(GOTHIC, 14)
    page.drawString(30, 540, f"{title}（デモ用の見本・無効）")
    page.setFont(GOTHIC, 10)
    for n, line in enumerate(lines):
        page.drawString(30, 510 - 16 * n, line)
    page.showPage()
    page.save()
    return out.getvalue()


# --- 一括ファクタリング -------------------------------------------------------------------------


def _buyer(password: str) -> tuple[User, Organization]:
    user, org = create_demo_company(
        BUYER_EMAIL,
        password,
        applicants.ProfileData(
            kind="corporation",
            name=BUYER_NAME,
            name_kana="デモリユウツウ",
            corporate_number="",
            representative_name="流通 一郎",
            address="埼玉県さいたま市大宮区1-2-3",
            industry="wholesale",
            established_year=2008,
            established_month=6,
        ),
    )
    return user, org


def _bulk(password: str, org: Organization, client: User, reviewer: User) -> tuple[int, int, int]:
    from urikake.bulk import services as bulk

    buyer, buyer_org = _buyer(password)
    program = bulk.enroll_buyer(
        buyer_org,
        risk_rate=Decimal("0.024"),
        base_fee=30_000,
        per_item_fee=200,
        acting_user=reviewer,
    )
    supplier = bulk.add_supplier(
        program, organization=org, code=SUPPLIER_CODE, acting_user=reviewer
    )
    bulk.sign_agreement(
        supplier, acting_user=client, agreed_sha256=supplier.agreement_sha256, ip_address=None
    )
    # The demo applicant is a supplier too; it has not agreed yet (its page asks it to).
    applicant_org = User.objects.get(email=APPLICANT_EMAIL).memberships.get().organization
    bulk.add_supplier(
        program, organization=applicant_org, code=APPLICANT_SUPPLIER_CODE, acting_user=reviewer
    )
    today = timezone.localdate()
    rows = [
        (
            SUPPLIER_CODE,
            f"RT-{today:%Y%m}-{n + 1:03d}",
            amount,
            _business_day(today + timedelta(days=days)),
        )
        for n, (days, amount) in enumerate(PAYABLES)
    ]
    rows.append(
        (
            APPLICANT_SUPPLIER_CODE,
            f"RT-{today:%Y%m}-101",
            770_000,
            _business_day(today + timedelta(days=60)),
        )
    )
    csv = "仕入先,請求書番号,金額,支払期日\n" + "".join(
        f"{code},{number},{amount},{due:%Y/%m/%d}\n" for code, number, amount, due in rows
    )
    upload = bulk.upload_payables(program, csv.encode(), filename="支払予定.csv", acting_user=buyer)
    first = supplier.payables.order_by("due_date", "pk").first()
    assert first is not None
    bulk.request_early_payment(first, acting_user=client, expected_net=bulk.quote(first).net)
    return program.pk, upload.rows, first.pk


# --- 保証ファクタリング -------------------------------------------------------------------------


def _guarantees(
    org: Organization,
    client: User,
    reviewer: User,
    treasury: User,
    issued_on: Debtor,
    waiting_on: Debtor,
) -> tuple[int, ...]:
    from urikake.guarantees import services as guarantees

    today = timezone.localdate()
    made = []
    for n, (debtor, amount, days) in enumerate(
        ((issued_on, 1_980_000, 50), (waiting_on, 1_210_000, 75))
    ):
        due = _business_day(today + timedelta(days=days))
        invoice = _invoice(org, client, debtor, f"DEMO-G-{today:%Y%m}-{n + 1:03d}", amount, due)
        made.append(
            guarantees.apply(
                org,
                acting_user=client,
                scheme="individual",
                debtor=debtor,
                invoice=invoice,
                requested_amount=amount,
                period_start=today,
                period_end=due + timedelta(days=30),
            )
        )
    issued = guarantees.decide(
        made[0],
        acting_user=reviewer,
        approve=True,
        comment="売掛先の支払実績（1年分の入金明細）を確認しました。",
        grade="normal",
        waiting_days=30,
    )
    issued = guarantees.sign_contract(
        issued, acting_user=client, agreed_sha256=issued.contract_sha256, ip_address=None
    )
    guarantees.record_premium_payment(
        issued,
        amount=issued.premium_due,
        received_on=today,
        reference=f"DEMO-GP-{today:%Y%m%d}",
        acting_user=treasury,
    )
    return tuple(g.pk for g in made)


# --- 売掛債権担保融資 ---------------------------------------------------------------------------


def _older_history(org: Organization, client: User, debtor: Debtor) -> None:
    """Two payments of the loan's debtor more than a year ago, from the client's earlier
    statement: lending asks for a year of trading shown by the bank (IV.4); the treasury
    demo's history covers the last twelve months only."""
    today = timezone.localdate()
    payer = next(d[3] for d in DEBTORS if d[0] == debtor.name)
    amount = next(d[4] for d in DEBTORS if d[0] == debtor.name)
    lines = tuple(
        StatementLine(
            value_date=today - timedelta(days=days),
            direction=Direction.DEPOSIT,
            amount=amount,
            counterparty=payer,
            reference=f"9{n:07d}",
            line_number=n + 1,
        )
        for n, days in enumerate((430, 400))
    )
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT, "0005", "001", 1, "2345678", "", None, None, lines
    )
    receivables.import_statement(org, statement, acting_user=client, content=b"demo history 2")


def _documents(facility: LoanFacility, client: User, reviewer: User | None) -> None:
    """The document set of IV.4 uploaded by the client; checked by the reviewer when given."""
    from urikake.lending import services as lending

    for kind in LoanDocument:
        if not kind.required:
            continue
        pdf = _sample_pdf(kind.label_ja, [CLIENT_NAME, f"融資申込 {facility.code}"])
        doc = lending.upload_document(
            facility,
            kind=kind,
            filename=f"{kind.value}.pdf",
            content=pdf,
            content_type="application/pdf",
            acting_user=client,
        )
        if reviewer is not None:
            lending.check_document(doc, acting_user=reviewer, accepted=True)


def _loans(
    org: Organization, client: User, reviewer: User, treasury: User, debtor: Debtor
) -> tuple[tuple[int, ...], LoanFacility]:
    from urikake.lending import services as lending

    today = timezone.localdate()
    _older_history(org, client, debtor)
    pledged = [
        _invoice(
            org,
            client,
            debtor,
            f"DEMO-L-{today:%Y%m}-{n + 1:03d}",
            amount,
            _business_day(today + timedelta(days=days)),
        )
        for n, (amount, days) in enumerate(((1_100_000, 21), (3_300_000, 60)))
    ]
    loan = lending.apply_for_loan(
        org,
        acting_user=client,
        scheme="individual",
        guarantee_scheme="receivables_2001",
        requested_amount=2_500_000,
        purpose="運転資金（燃料費・車両整備費の支払）",
        invoices=pledged,
    )
    _documents(loan, client, reviewer)
    loan = lending.decide(
        loan,
        acting_user=reviewer,
        approve=True,
        comment="担保の売掛債権2件（みなと商事）の取引実績と保全方法を確認しました。",
        interest_rate=Decimal("0.025"),
        decided_amount=2_500_000,
        decided_reason="運転資金の所要額と返済能力から",
    )
    loan = lending.sign_contract(
        loan, acting_user=client, agreed_sha256=loan.contract_sha256, ip_address=None
    )
    lending.record_perfection(loan, perfected_on=today, acting_user=treasury)
    lending.draw(loan, amount=2_500_000, acting_user=treasury)

    # A revolving limit in review: documents uploaded, not yet checked.
    review = lending.apply_for_loan(
        org,
        acting_user=client,
        scheme="revolving",
        guarantee_scheme="receivables_2001",
        requested_amount=5_000_000,
        purpose="運転資金（繁忙期の外注費）",
        invoices=[
            _invoice(
                org,
                client,
                debtor,
                f"DEMO-L-{today:%Y%m}-{n + 3:03d}",
                amount,
                _business_day(today + timedelta(days=days)),
            )
            for n, (amount, days) in enumerate(((4_400_000, 45), (2_860_000, 75)))
        ],
    )
    _documents(review, client, None)
    return (loan.pk, review.pk), loan


def _first_repayment(loan: LoanFacility, treasury: User) -> None:
    """The debtor paid the first pledged receivable (due in three weeks) early into the
    designated account: applied interest first, then principal; it leaves the base."""
    from urikake.lending import services as lending
    from urikake.lending.models import Collateral

    today = timezone.localdate()
    collateral = (
        Collateral.objects.filter(facility=loan, status=Collateral.Status.PLEDGED)
        .select_related("invoice")
        .order_by("invoice__due_date", "pk")
        .first()
    )
    assert collateral is not None
    lending.record_repayment(
        loan,
        amount=collateral.outstanding,
        received_on=today,
        source="designated",
        reference=f"DEMO-LR-{today:%Y%m%d}",
        collateral=collateral,
        acting_user=treasury,
    )


# --- the payouts ------------------------------------------------------------------------------


def _send_payouts(preparer: User, approver: User) -> int | None:
    """The early payment and the loan's payout leave in one batch: one treasury user
    prepares it, the other approves (dual control), the first marks it sent."""
    from urikake.treasury import payouts
    from urikake.treasury.policy import next_value_date

    batch = payouts.build_batch(acting_user=preparer, value_date=next_value_date())
    if batch is None:
        return None
    payouts.approve_batch(batch, acting_user=approver)
    payouts.mark_sent(batch, acting_user=preparer)
    return batch.pk
