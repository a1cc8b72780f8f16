"""Demo deals for the treasury (issue 5), created by ``urikake demo`` after the logins.

A second demo client, 株式会社デモ運送 (login ``client@demo.urikake.example``), already
verified and trading, with three deals at different stages:

1. an accepted offer whose contracts the client can sign in the app;
2. a signed (contracted) deal waiting for the operator to record the perfection and fund it;
3. a funded deal whose payout file was sent — and a bank statement with its debtor's payment
   written to ``var/demo/collection-statement.txt`` for the operator to import and watch the
   automatic reconciliation.

Everything goes through the services (screening, signing, perfection, funding, payouts), as
a user would; only the eKYC result is recorded directly (the vendor round trip is what the
first demo applicant walks through).
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from urikake.accounts.models import User
from urikake.applicants import data_use
from urikake.applicants import services as applicants
from urikake.applicants.models import Organization
from urikake.audit import services as audit
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.domain.products import ProductId
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_statements import write_statement_file
from urikake.kyc.models import KycCheck
from urikake.receivables import services as receivables
from urikake.receivables.models import FinancingApplication
from urikake.receivables.tasks import screen_application
from urikake.security import crypto
from urikake.system.demo_company import create_demo_company

CLIENT_EMAIL = "client@demo.urikake.example"
TREASURY_PREPARER = "treasury@demo.urikake.example"
TREASURY_APPROVER = "treasury2@demo.urikake.example"
CLIENT_NAME = "株式会社デモ運送"

DEBTORS = [
    # name, kana, 法人番号, how its transfers read on a statement, invoice amount
    ("株式会社みなと商事", "カブシキガイシャミナトシヨウジ", "", "ｶ)ﾐﾅﾄｼﾖｳｼﾞ", 1_650_000),
    ("株式会社さくら物産", "カブシキガイシャサクラブツサン", "", "ｶ)ｻｸﾗﾌﾞﾂｻﾝ", 2_420_000),
    ("株式会社ひかり製作所", "カブシキガイシャヒカリセイサクシヨ", "", "ｶ)ﾋｶﾘｾｲｻｸｼﾖ", 3_080_000),
]


# Where each debtor has its head office (本店), as the client entered it: the notices and the
# 債権譲渡登記 data name it.
DEBTOR_ADDRESSES = (
    "東京都港区海岸1-2-3",
    "大阪府大阪市中央区本町2-3-4",
    "愛知県名古屋市中村区名駅3-4-5",
)


def _client(password: str) -> tuple[User, Organization]:
    user, org = create_demo_company(
        CLIENT_EMAIL,
        password,
        applicants.ProfileData(
            kind="corporation",
            name=CLIENT_NAME,
            name_kana="デモウンソウ",
            corporate_number="",
            representative_name="運送 花子",
            address="神奈川県横浜市中区1-2-3",
            industry="transport",
            established_year=2012,
            established_month=10,
        ),
    )
    # 同意・利用目的: screening asks the 反社 vendor and the credit bureau about the client.
    applicants.give_data_use_consent(org, list(data_use.Use), acting_user=user, ip=None)
    draft = applicants.draft_payout_account(
        org,
        bank_code="0005",
        branch_code="001",
        account_type=1,
        account_number="2345678",
        holder_name="カ)デモウンソウ",
    )
    applicants.save_payout_account(org, draft, acting_user=user)
    _verified_kyc(org, user)
    return user, org


def _sample_document(full_name: str, born: date) -> bytes:
    """A one-page PDF marked as a sample, standing in for the representative's ID card."""
    from reportlab.lib.pagesizes import A6, landscape
    from reportlab.pdfgen import canvas

    from urikake.contracts.pdf import GOTHIC  # registers the CID fonts

    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=landscape(A6), invariant=True)
    page.setTitle("本人確認書類（デモ用の見本）")
    page.setFont(GOTHIC, 14)
    page.drawString(24, 230, "本人確認書類（デモ用の見本・無効）")
    page.setFont(GOTHIC, 11)
    page.drawString(24, 190, f"氏名　{full_name}")
    page.drawString(24, 165, f"生年月日　{born.year}年{born.month}月{born.day}日")
    page.drawString(24, 140, "住所　東京都大田区平和島1-1-1")
    page.showPage()
    page.save()
    return out.getvalue()


def _verified_kyc(org: Organization, user: User) -> KycCheck:
    """A verified eKYC check with what a real one holds: name, birth date and the document."""
    now = timezone.now()
    full_name, born = "運送 花子", date(1980, 4, 1)
    document = _sample_document(full_name, born)
    check = KycCheck.objects.create(
        organization=org,
        requested_by=user,
        status="verified",
        full_name=full_name,
        birth_date=born.isoformat(),
        document=crypto.encrypt_bytes(document),
        document_mime="application/pdf",
        document_sha256=hashlib.sha256(document).hexdigest(),
        document_size=len(document),
        submitted_at=now,
        sent_at=now,
        decided_at=now,
        expires_at=now + timedelta(days=365),
    )
    audit.record("demo.kyc_recorded", actor="system:demo", obj=check, payload={})
    return check


def _history(org: Organization, user: User) -> None:
    """A year of payments from each debtor on the client's own statement (for screening)."""
    today = timezone.localdate()
    lines: list[StatementLine] = []
    for d, (_, _, _, payer, amount) in enumerate(DEBTORS):
        for n in range(1, 13):
            day = (today.replace(day=1) - timedelta(days=30 * n)).replace(day=20 + d)
            lines.append(
                StatementLine(
                    value_date=day,
                    direction=Direction.DEPOSIT,
                    amount=amount,
                    counterparty=payer,
                    reference=f"{d}{n:07d}",
                    line_number=len(lines) + 1,
                )
            )
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT, "0005", "001", 1, "2345678", "", None, None, tuple(lines)
    )
    receivables.import_statement(org, statement, acting_user=user, content=b"demo history")


def _deal(org: Organization, user: User, index: int) -> FinancingApplication:
    name, kana, number, _, amount = DEBTORS[index]
    today = timezone.localdate()
    debtor = receivables.register_debtor(
        org,
        acting_user=user,
        name=name,
        name_kana=kana,
        corporate_number=number,
        address=DEBTOR_ADDRESSES[index],
    )
    invoice = receivables.register_invoice(
        org,
        InvoiceData(
            issuer_name=CLIENT_NAME,
            debtor_name=name,
            invoice_number=f"DEMO-{today:%Y%m}-{index + 1:03d}",
            issue_date=today - timedelta(days=3),
            # Due within the 消込 window of the demo's payment dated today.
            due_date=today + timedelta(days=30 + 5 * index),
            total_amount=amount,
            tax_breakdown=(
                TaxBreakdown(Decimal("0.10"), amount * 10 // 11, amount - amount * 10 // 11),
            ),
        ),
        acting_user=user,
        debtor=debtor,
        source="form",
    )
    application = receivables.create_application(
        org, acting_user=user, product=ProductId.THREE_PARTY, invoices=[invoice]
    )
    receivables.submit_application(application, acting_user=user)
    screen_application.call(application.pk)
    application.refresh_from_db()
    if application.status == "offered":
        application = receivables.accept_offer(application, acting_user=user)
    return application


def _sign(application: FinancingApplication, user: User) -> None:
    from urikake.contracts import services as contracts

    documents = contracts.prepare_contracts(application, acting_user=user)
    contracts.sign_contracts(
        application,
        acting_user=user,
        agreed_hashes={d.document_number: d.sha256 for d in documents},
        ip_address=None,
        user_agent="urikake demo",
    )


def load_treasury_demo(password: str) -> bool:
    """Create the demo client and its deals unless present; True when created."""
    if get_user_model().objects.filter(email=CLIENT_EMAIL).exists():
        return False
    from urikake.plans import services as plans
    from urikake.servicing.funding import fund_application
    from urikake.servicing.models import Position
    from urikake.treasury import payouts
    from urikake.treasury import perfection as steps
    from urikake.treasury.policy import next_value_date

    user, org = _client(password)
    _history(org, user)
    # Three deals open at once: a reviewer sets the line by hand (the first screening alone
    # would start it from the first deal only; see docs/plans.md).
    reviewer = get_user_model().objects.filter(email="reviewer@demo.urikake.example").first()
    plans.adjust_credit_line(
        org,
        amount=10_000_000,
        reason="既存の取引先3社との取引実績を確認し、審査担当者が設定しました。",
        acting_user=reviewer or "system:demo",
    )
    deals = [_deal(org, user, i) for i in range(len(DEBTORS))]
    if any(d.status != "accepted" for d in deals):
        return True  # screening referred one: the reviewer demo covers that path
    _sign(deals[1], user)
    _sign(deals[2], user)
    today = timezone.localdate()
    perfection = steps.open_perfection(deals[2])
    perfection = steps.record_notice_sent(
        perfection, certified_date=today, sent_on=today, acting_user="system:demo"
    )
    steps.record_notice_delivered(perfection, delivered_on=today, acting_user="system:demo")
    fund_application(FinancingApplication.objects.get(pk=deals[2].pk), acting_user="system:demo")
    # Dual control, as in the back office: one treasury user prepares, another approves.
    preparer = User.objects.get(email=TREASURY_PREPARER)
    approver = User.objects.get(email=TREASURY_APPROVER)
    # The offer's payout date follows the screening cut-off (noon, pricing policy) and the
    # earliest value date the bank's (14:00): between the two the payout is due on the next
    # business day, and so is the batch that carries it.
    payout_date = date.fromisoformat(deals[2].offer["payout_date"])
    batch = payouts.build_batch(
        acting_user=preparer, value_date=max(next_value_date(), payout_date)
    )
    if batch is not None:
        payouts.approve_batch(batch, acting_user=approver)
        payouts.mark_sent(batch, acting_user=preparer)
    purchase = Position.objects.get(application=deals[2])
    payer = DEBTORS[2][3]
    # The debtor pays early (a statement reports only days that have come: an import refuses
    # a line dated after today).
    paid_on = min(purchase.expected_on, today)
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT,
        settings.ZENGIN_BANK_CODE,
        settings.ZENGIN_BRANCH_CODE,
        1,
        settings.ZENGIN_ACCOUNT_NUMBER,
        "",
        paid_on,
        paid_on,
        (
            StatementLine(
                paid_on,
                Direction.DEPOSIT,
                purchase.face_amount - 660,
                payer,
                reference="00000001",
                line_number=1,
            ),
        ),
    )
    target = Path(settings.VAR_DIR) / "demo" / "collection-statement.txt"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(write_statement_file(statement, created=paid_on))
    return True
