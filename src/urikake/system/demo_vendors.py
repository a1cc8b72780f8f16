"""Demo data for the screening vendors: a client whose representative the local credit
bureau reports as delinquent (延滞), so the reviewer queue shows an application referred by
a vendor finding, with its evidence (docs/screening-vendors.md).

Loaded only while screening asks the vendors (``settings.SCREENING_VENDOR_CHECKS``): ``make
run`` starts both simulators before the demo data. The treasury demo client consents to both
external data uses; the main demo applicant (``applicant@demo…``) has not, so the
application form shows the consent checkboxes.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from urikake.accounts.models import User
from urikake.applicants import data_use
from urikake.applicants import services as applicants
from urikake.applicants.models import Organization
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.domain.products import ProductId
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.kyc import services as kyc
from urikake.receivables import services as receivables
from urikake.receivables.tasks import screen_application
from urikake.system.demo_company import create_demo_company

VENDOR_CLIENT_EMAIL = "client-review@demo.urikake.example"
VENDOR_CLIENT_NAME = "株式会社デモ精機"
# The credit-bureau simulator reports a 延滞 record for a name containing 延滞.
VENDOR_REPRESENTATIVE = "延滞 一郎"
_DEBTOR = ("株式会社あおば建設", "カブシキガイシャアオバケンセツ", "ｶ)ｱｵﾊﾞｹﾝｾﾂ", 880_000)


def load_vendor_demo(password: str) -> bool:
    """Create the referred-by-a-vendor demo client unless present; True when created."""
    if not settings.SCREENING_VENDOR_CHECKS:
        return False
    if get_user_model().objects.filter(email=VENDOR_CLIENT_EMAIL).exists():
        return False
    user, org = create_demo_company(
        VENDOR_CLIENT_EMAIL,
        password,
        applicants.ProfileData(
            kind="corporation",
            name=VENDOR_CLIENT_NAME,
            name_kana="デモセイキ",
            corporate_number="",
            representative_name=VENDOR_REPRESENTATIVE,
            address="埼玉県さいたま市大宮区1-2-3",
            industry="manufacturing",
            established_year=2009,
            established_month=6,
        ),
    )
    applicants.give_data_use_consent(org, list(data_use.Use), acting_user=user, ip=None)
    kyc.record_verified_check(org, requested_by=user, acting_user="system:demo")
    _history(org, user)
    name, kana, _, amount = _DEBTOR
    debtor = receivables.register_debtor(
        org, acting_user=user, name=name, name_kana=kana, address="宮城県仙台市青葉区1-1-1"
    )
    today = timezone.localdate()
    invoice = receivables.register_invoice(
        org,
        InvoiceData(
            issuer_name=VENDOR_CLIENT_NAME,
            debtor_name=name,
            invoice_number=f"DEMO-V-{today:%Y%m}-001",
            issue_date=today - timedelta(days=2),
            due_date=today + timedelta(days=45),
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
    return True


def _history(org: Organization, user: User) -> None:
    """A year of monthly payments from the debtor (so that only the vendor finding refers)."""
    today = timezone.localdate()
    payer, amount = _DEBTOR[2], _DEBTOR[3]
    lines = tuple(
        StatementLine(
            value_date=(today.replace(day=1) - timedelta(days=30 * n)).replace(day=25),
            direction=Direction.DEPOSIT,
            amount=amount,
            counterparty=payer,
            reference=f"{n:08d}",
            line_number=n,
        )
        for n in range(1, 13)
    )
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT, "0005", "001", 1, "3456789", "", None, None, lines
    )
    receivables.import_statement(org, statement, acting_user=user, content=b"demo history")
