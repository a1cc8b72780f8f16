"""Shared steps for treasury tests: a contracted deal, perfection done, funding, a sent batch,
and a 全銀 statement with the debtor's payment."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from tests.fixtures.deals import DEBTOR_PAYER, Deal, make_deal
from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
from urikake.domain.zengin_statements import write_statement_file
from urikake.receivables import services as receivables
from urikake.servicing.funding import fund_application
from urikake.servicing.models import Position
from urikake.treasury import payouts
from urikake.treasury import perfection as perfection_services
from urikake.treasury.models import PayoutBatch


def contracted_deal(product: str = "three_party", **kw) -> Deal:
    """An accepted deal moved to contracted the way signing does (contracts are tested in
    tests/integration/contracts).

    Due in 40 days unless told otherwise: close enough that a payment dated today (statements
    never report a future day) falls inside the reconciliation window (45 days early).
    """
    kw.setdefault("due_days", 40)
    deal = make_deal(product=product, **kw)
    deal.application = receivables.mark_contracted(deal.application, acting_user=deal.user)
    return deal


def perfect(deal: Deal, staff) -> None:
    p = perfection_services.open_perfection(deal.application)
    today = timezone.localdate()
    if p.method == "notice":
        p = perfection_services.record_notice_sent(
            p, certified_date=today, sent_on=today, acting_user=staff
        )
        perfection_services.record_notice_delivered(p, delivered_on=today, acting_user=staff)
    elif p.method == "consent":
        perfection_services.record_consent(
            p, certified_date=today, consented_on=today, acting_user=staff
        )
    else:
        p = perfection_services.record_filing(p, filed_on=today, acting_user=staff)
        perfection_services.record_registration(
            p,
            registration_number="第2026-12345号",
            registered_on=today,
            expires_on=today + timedelta(days=365 * 5),
            acting_user=staff,
        )


def funded_deal(staff, product: str = "three_party", **kw) -> Deal:
    deal = contracted_deal(product, **kw)
    perfect(deal, staff)
    fund_application(deal.application, acting_user=staff)
    return deal


def statement_file(payments: list[tuple[date, int, str]], *, account: str = "7654321") -> bytes:
    """A 全銀 入出金取引明細 (03) file of the platform's account with these deposits."""
    lines = tuple(
        StatementLine(
            value_date=d,
            direction=Direction.DEPOSIT,
            amount=amount,
            counterparty=payer,
            reference=f"{n:08d}",
            line_number=n,
        )
        for n, (d, amount, payer) in enumerate(payments, start=1)
    )
    start = min(d for d, _, _ in payments)
    end = max(d for d, _, _ in payments)
    statement = Statement(
        SourceFormat.ZENGIN_STATEMENT, "0001", "001", 1, account, "ｶ)ｳﾘｶｹ", start, end, lines
    )
    return write_statement_file(statement, created=end)


def paid_on(purchase: Position) -> date:
    """The day a test's debtor pays: the due date, or today while that is still ahead (a bank
    statement never reports a day that has not come; the import refuses such a line)."""
    return min(purchase.expected_on, timezone.localdate())


def purchase_of(deal: Deal) -> Position:
    return Position.objects.get(application=deal.application)


APPROVER_EMAIL = "approver@staff.example"


def second_treasury_user():
    """A second treasury user (the four eyes of a payout batch; MFA enrolled like every staff
    user), created on first use."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    user = get_user_model().objects.filter(email=APPROVER_EMAIL).first()
    if user is None:
        user = get_user_model().objects.create_user(
            email=APPROVER_EMAIL, password="z" * 20, is_staff=True, staff_role="treasury"
        )
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        TOTP.activate(user, generate_totp_secret())
    return user


def approved(batch: PayoutBatch) -> PayoutBatch:
    """The batch approved by a second treasury user (whoever prepared it)."""
    return payouts.approve_batch(batch, acting_user=second_treasury_user())


__all__ = [
    "DEBTOR_PAYER",
    "approved",
    "contracted_deal",
    "funded_deal",
    "paid_on",
    "perfect",
    "purchase_of",
    "second_treasury_user",
]


def sent_loan(organization, staff, amount: int = 500_000):
    """A loan transfer to the client's payout account, queued and sent the way a draw's is
    (treasury batch, approved by a second person)."""
    from urikake.applicants.services import current_payout_account
    from urikake.treasury.models import Payout
    from urikake.treasury.policy import payout_queue_date

    account = current_payout_account(organization)
    assert account is not None
    loan = Payout.objects.create(
        organization=organization,
        kind=Payout.Kind.LOAN,
        amount=amount,
        requested_for=payout_queue_date(),
        **Payout.beneficiary(account),
    )
    batch = payouts.build_batch(acting_user=staff, value_date=loan.requested_for)
    payouts.mark_sent(approved(batch), acting_user=staff)
    return loan
