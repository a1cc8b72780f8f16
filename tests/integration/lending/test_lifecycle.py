"""A revolving loan from application to default, through the services, on the real ledger
and the real treasury payout path (dual control). The trial balance balances after every
step; both databases (DATABASE_URL)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from pypdf import PdfReader

from tests.fixtures.clock import travel_to
from tests.integration.lending.helpers import borrower, documents_checked, invoice, staff
from tests.integration.treasury.helpers import approved
from urikake.audit.models import AuditRecord
from urikake.domain import ledger_lending as loan_book
from urikake.domain.errors import DomainError
from urikake.domain.lending import CreditGrade, month_end
from urikake.domain.perfection import Method
from urikake.ledger import services as ledger
from urikake.lending import services
from urikake.lending.models import BalanceReport, Collateral, LoanFacility, ShortfallNotice
from urikake.mail.models import OutboundMail
from urikake.notifications.models import Notification
from urikake.treasury import payouts
from urikake.treasury.models import Payout
from urikake.treasury.policy import client_code

pytestmark = pytest.mark.django_db(transaction=False)


def balanced() -> bool:
    return ledger.trial_balance().balanced and ledger.unbalanced_entries() == []


@pytest.fixture
def people(django_user_model):
    user, org = borrower()
    return user, org, staff("reviewer"), staff("treasury")


def _revolving(people, amounts=(1_100_000, 2_200_000)):
    user, org, _, _ = people
    invoices = [invoice(org, user, a) for a in amounts]
    facility = services.apply_for_loan(
        org,
        acting_user=user,
        scheme="revolving",
        guarantee_scheme="receivables_2001",
        requested_amount=3_000_000,
        purpose="運転資金（仕入代金）",
        invoices=invoices,
    )
    return facility, invoices


def test_revolving_loan_life_cycle(people) -> None:
    user, org, reviewer, treasury = people
    facility, invoices = _revolving(people)
    client = client_code(org.pk)
    # Trading history comes from the imported bank statements (a year of payments).
    assert all(c.trading_since is not None for c in facility.collateral.all())

    # The decision needs the document set checked.
    with pytest.raises(DomainError) as exc:
        services.decide(
            facility,
            acting_user=reviewer,
            approve=True,
            comment="ok",
            interest_rate=Decimal("0.025"),
            decided_amount=3_000_000,
        )
    assert exc.value.code == "lending.documents_missing"
    documents_checked(facility, user, reviewer)
    for c in facility.collateral.all():
        services.assess_collateral(
            c, grade=CreditGrade.HIGH, method=Method.CONSENT, acting_user=reviewer
        )
    facility = services.decide(
        facility,
        acting_user=reviewer,
        approve=True,
        comment="売上安定・回収期間短い",
        interest_rate=Decimal("0.025"),
        decided_amount=3_000_000,
        decided_reason="資金需要",
    )
    # min(collateral 3,300,000 × 90% = 2,970,000, cap 111,000,000, decided 3,000,000).
    assert facility.amount == 2_970_000
    assert [b["kind"] for b in facility.bounds] == ["collateral", "scheme_cap", "decided"]
    assert facility.guarantee_fee == 22_720  # 2,970,000 × 90% × 0.85% = 22,720.5, 切捨て
    assert (facility.period_end - facility.period_start).days in (364, 365)

    # The contract: the borrower agrees to what it was shown; the platform seals it.
    with pytest.raises(DomainError):
        services.sign_contract(facility, acting_user=user, agreed_sha256="0" * 64, ip_address=None)
    facility = services.sign_contract(
        facility, acting_user=user, agreed_sha256=facility.contract_sha256, ip_address="192.0.2.1"
    )
    assert facility.status == LoanFacility.Status.CONTRACTED
    signed = PdfReader(io.BytesIO(bytes(facility.signed_pdf)))
    assert "UrikakeSeal" in (signed.get_fields() or {})

    # No draw before the perfection (IV.4).
    with pytest.raises(DomainError) as exc:
        services.draw(facility, amount=1_000_000, acting_user=treasury)
    assert exc.value.code == "lending.not_perfected"
    services.record_perfection(facility, perfected_on=timezone.localdate(), acting_user=treasury)

    first = services.draw(facility, amount=1_000_000, acting_user=treasury)
    assert (first.guarantee_fee, first.payout.amount) == (22_720, 977_280)
    assert first.payout.kind == Payout.Kind.LOAN
    with pytest.raises(DomainError) as exc:  # available: 2,970,000 − 1,000,000
        services.draw(facility, amount=2_000_000, acting_user=treasury)
    assert exc.value.code == "lending.over_base"
    second = services.draw(facility, amount=1_500_000, acting_user=treasury)
    assert second.guarantee_fee == 0
    assert second.payout.amount == 1_500_000
    assert balanced()
    assert ledger.balance(loan_book.loan_account(client)) == 2_500_000
    assert ledger.balance(loan_book.guarantee_fee_payable("receivables_2001")) == -22_720

    # The payouts leave through the batch, approved by a second person.
    batch = payouts.build_batch(acting_user=treasury, value_date=first.payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury)
    assert set(Payout.objects.filter(kind="loan").values_list("status", flat=True)) == {"sent"}
    assert ledger.balance(f"payable:{client}") == 0
    assert balanced()

    # 30 days later the first debtor pays its invoice into the designated account.
    # Interest runs from the 融資実行日, the day the money arrives (tested on its own in
    # test_a_draw_after_the_cut_off_earns_interest_from_the_day_the_money_arrives).
    later = first.drawn_on + timedelta(days=30)
    collateral = facility.collateral.get(invoice=invoices[0])
    with travel_to(later):
        repayment = services.record_repayment(
            facility,
            amount=1_100_000,
            received_on=later,
            source="designated",
            reference="REF-0001",
            collateral=collateral,
            acting_user=treasury,
        )
        # A retry with the same bank reference records nothing more.
        again = services.record_repayment(
            facility,
            amount=1_100_000,
            received_on=later,
            source="designated",
            reference="REF-0001",
            collateral=collateral,
            acting_user=treasury,
        )
    assert again.pk == repayment.pk
    # 2,500,000 × 2.5% × 30/365 = 5,136.98… → 5,136 (act/365, 切捨て).
    assert (repayment.interest, repayment.principal, repayment.surplus) == (5_136, 1_094_864, 0)
    assert ledger.balance(loan_book.interest_receivable(client)) == 0
    assert ledger.balance(loan_book.INTEREST_INCOME) == -5_136
    collateral.refresh_from_db()
    assert collateral.status == Collateral.Status.COLLECTED
    # Paid in full: the invoice is 回収済み and can back nothing else.
    assert collateral.invoice.__class__.objects.get(pk=collateral.invoice_id).status == "settled"
    base = services.borrowing_base(facility)
    assert (base.collateral_value, base.outstanding) == (1_980_000, 1_405_136)
    assert base.available == 1_980_000 - 1_405_136
    assert balanced()

    # Release is refused when it would leave the loan uncovered; substitution is fine.
    remaining = facility.collateral.get(invoice=invoices[1])
    with pytest.raises(DomainError) as exc:
        services.release_collateral(remaining, acting_user=reviewer)
    assert exc.value.code == "lending.release_shortfall"
    remaining.refresh_from_db()
    assert remaining.status == Collateral.Status.PLEDGED
    replacement = invoice(org, user, 2_200_000)
    new = services.release_collateral(remaining, acting_user=reviewer, replacement=replacement)
    assert new.replaces_id == remaining.pk
    assert new.advance_rate == Decimal("0.900")

    # A downgrade (low grade, registration: 50%) leaves the loan short: a notice and a mail.
    mail.outbox.clear()
    services.assess_collateral(
        new, grade=CreditGrade.LOW, method=Method.REGISTRATION, acting_user=reviewer
    )
    notice = ShortfallNotice.objects.get(facility=facility)
    # Told through the notifications app (centre + mail under the organisation's settings).
    told = Notification.objects.get(event="loan_shortfall", recipient=user)
    assert told.context["shortfall_yen"] == 305_136
    shortfall_mail = OutboundMail.objects.get(
        template="notifications/mail/event", subject__contains="担保価値"
    )
    assert "¥305,136" in shortfall_mail.body
    assert (notice.collateral_value, notice.shortfall) == (1_100_000, 305_136)
    # A new receivable covers it again (revolving: future receivables are added).
    services.add_collateral(
        facility,
        invoice(org, user, 550_000),
        grade="normal",
        method="notice",
        acting_user=reviewer,
    )
    notice.refresh_from_db()
    assert notice.resolved_on is not None

    # The month-end report, generated by the daily job, with a reminder before the deadline.
    with travel_to(later):
        period_end = month_end(later.year, later.month)
    first_of_next = period_end + timedelta(days=1)
    with travel_to(first_of_next):
        counts = services.run_month_end(acting_user="system:test")
    assert counts["generated"] == 1
    report = BalanceReport.objects.get(facility=facility, period_end=period_end)
    assert report.deadline.day >= 10
    rows = list(csv.reader(io.StringIO(bytes(report.csv).decode("utf-8-sig"))))
    assert rows[0][:4] == ["売掛先", "請求書番号", "支払期日", "月末残高"]
    assert rows[-1] == ["借入残高", "", "", str(report.outstanding_principal), "", ""]
    assert report.outstanding_principal == 1_405_136
    assert bytes(report.pdf).startswith(b"%PDF")
    overdue_day = report.deadline + timedelta(days=1)
    assert services.is_overdue(report, overdue_day)
    report = services.submit_report(report, acting_user=user)
    assert not services.is_overdue(report, overdue_day)

    # Default: the guarantor owes 90% of the outstanding principal.
    claim = services.default_facility(facility, acting_user=treasury, comment="期日延滞")
    assert claim == 1_264_622  # 1,405,136 × 90% = 1,264,622.4 → 切捨て
    assert ledger.balance(loan_book.guarantee_claim("receivables_2001")) == claim
    assert ledger.balance(loan_book.loan_account(client)) == 1_405_136 - claim
    assert balanced()
    # The guarantor pays its share (never more than claimed; once per bank reference).
    with pytest.raises(DomainError) as exc:
        services.record_guarantor_payment(
            facility,
            amount=claim + 1,
            received_on=timezone.localdate(),
            reference="G-1",
            acting_user=treasury,
        )
    assert exc.value.code == "lending.claim_exceeded"
    for _ in range(2):
        facility = services.record_guarantor_payment(
            facility,
            amount=claim,
            received_on=timezone.localdate(),
            reference="G-1",
            acting_user=treasury,
        )
    assert facility.guarantee_claim_paid == claim
    assert ledger.balance(loan_book.guarantee_claim("receivables_2001")) == 0
    assert balanced()
    kinds = set(
        AuditRecord.objects.filter(action__startswith="lending.").values_list("action", flat=True)
    )
    assert {
        "lending.applied",
        "lending.approved",
        "lending.drawn",
        "lending.repaid",
        "lending.shortfall",
        "lending.report_generated",
        "lending.defaulted",
    } <= kinds


def test_individual_loan_is_one_draw_of_the_decided_amount_and_closes_when_repaid(
    people,
) -> None:
    user, org, reviewer, treasury = people
    inv = invoice(org, user, 5_000_000, due_days=120)
    facility = services.apply_for_loan(
        org,
        acting_user=user,
        scheme="individual",
        guarantee_scheme="liquid_assets_2007",
        requested_amount=4_000_000,
        purpose="大口工事の立替資金",
        invoices=[inv],
    )
    documents_checked(facility, user, reviewer)
    facility = services.decide(
        facility,
        acting_user=reviewer,
        approve=True,
        comment="ok",
        interest_rate=Decimal("0.02"),
        decided_amount=4_000_000,
    )
    # 5,000,000 × 60% (normal grade, registration) = 3,000,000 binds.
    assert facility.amount == 3_000_000
    assert facility.guarantee_fee == 16_320  # 3,000,000 × 80% × 0.68%
    facility = services.sign_contract(
        facility, acting_user=user, agreed_sha256=facility.contract_sha256, ip_address=None
    )
    services.record_perfection(facility, perfected_on=timezone.localdate(), acting_user=reviewer)
    with pytest.raises(DomainError) as exc:
        services.draw(facility, amount=1_000_000, acting_user=treasury)
    assert exc.value.code == "lending.individual_amount"
    services.draw(facility, amount=3_000_000, acting_user=treasury)
    with pytest.raises(DomainError):
        services.draw(facility, amount=3_000_000, acting_user=treasury)
    services.record_repayment(
        facility,
        amount=3_000_000,
        received_on=timezone.localdate(),
        source="repayment",
        reference="R1",
        acting_user=treasury,
    )
    facility.refresh_from_db()
    assert facility.status == LoanFacility.Status.CLOSED
    assert balanced()


def test_bad_input_changes_nothing(people) -> None:
    user, org, _, _ = people
    inv = invoice(org, user, 1_000_000)
    for kwargs, code in (
        ({"requested_amount": 0}, "lending.amount"),
        ({"requested_amount": 111_000_001}, "lending.amount_too_large"),
        ({"guarantee_scheme": "nope"}, "lending.scheme_unknown"),
        ({"purpose": "  "}, "lending.purpose"),
    ):
        args = {
            "scheme": "revolving",
            "guarantee_scheme": "receivables_2001",
            "requested_amount": 1_000_000,
            "purpose": "運転資金",
            "invoices": [inv],
            **kwargs,
        }
        with pytest.raises(DomainError) as exc:
            services.apply_for_loan(org, acting_user=user, **args)
        assert exc.value.code == code
    assert not LoanFacility.objects.exists()
    # A receivable is pledged once.
    services.apply_for_loan(
        org,
        acting_user=user,
        scheme="revolving",
        guarantee_scheme="receivables_2001",
        requested_amount=1_000_000,
        purpose="運転資金",
        invoices=[inv],
    )
    with pytest.raises(DomainError) as exc:
        services.apply_for_loan(
            org,
            acting_user=user,
            scheme="revolving",
            guarantee_scheme="receivables_2001",
            requested_amount=1_000_000,
            purpose="運転資金",
            invoices=[inv],
        )
    assert exc.value.code == "lending.invoice_pledged"
    assert LoanFacility.objects.count() == 1


def test_the_matrix_is_effective_dated_and_bounded(people) -> None:
    _, _, reviewer, _ = people
    today = timezone.localdate()
    rates = {
        (g, m): Decimal(v)
        for g, row in (
            (CreditGrade.LOW, ("0.50", "0.55", "0.60")),
            (CreditGrade.NORMAL, ("0.60", "0.65", "0.75")),
            (CreditGrade.HIGH, ("0.70", "0.80", "0.85")),
        )
        for m, v in zip((Method.REGISTRATION, Method.NOTICE, Method.CONSENT), row, strict=True)
    }
    with pytest.raises(DomainError):
        services.set_matrix(
            effective_from=today - timedelta(days=1), rates=rates, note="", acting_user=reviewer
        )
    services.set_matrix(
        effective_from=today + timedelta(days=10), rates=rates, note="改定", acting_user=reviewer
    )
    assert services.matrix_on(today)[1] is None  # the seed's until the new one starts
    matrix, version = services.matrix_on(today + timedelta(days=10))
    assert version is not None
    assert matrix.rate("high", "consent") == Decimal("0.85")
    bad = dict(rates)
    bad[(CreditGrade.HIGH, Method.CONSENT)] = Decimal("0.95")
    with pytest.raises(DomainError) as exc:
        services.set_matrix(
            effective_from=today + timedelta(days=20), rates=bad, note="", acting_user=reviewer
        )
    assert exc.value.code == "lending.advance_rate_bounds"


def test_month_end_job_reminds_before_the_deadline_once_and_flags_overdue(people) -> None:
    from tests.integration.lending.helpers import active_revolving
    from urikake.domain.lending import report_reminder_dates

    user, org, reviewer, treasury = people
    facility = active_revolving(user, org, reviewer, treasury)
    today = timezone.localdate()
    period_end = month_end(today.year, today.month)
    first_of_next = period_end + timedelta(days=1)
    assert services.run_month_end(today=first_of_next, acting_user="system:test") == {
        "generated": 1,
        "reminded": 0,
        "overdue": 0,
    }
    report = BalanceReport.objects.get(facility=facility)
    reminder_day = report_reminder_dates(report.deadline)[0]
    mail.outbox.clear()
    with travel_to(reminder_day):
        counts = services.run_month_end(today=reminder_day, acting_user="system:test")
        again = services.run_month_end(today=reminder_day, acting_user="system:test")
    assert counts["reminded"] == 1
    assert again["reminded"] == 0  # once a day
    sent = Notification.objects.filter(event="loan_report_reminder")
    assert sent.count() == len(sent.values("recipient").distinct()) >= 1  # once per person
    assert OutboundMail.objects.filter(subject__contains="提出期限が近づいて").exists()
    report.refresh_from_db()
    assert report.reminders_sent == [reminder_day.isoformat()]
    late = report.deadline + timedelta(days=1)
    assert services.run_month_end(today=late, acting_user="system:test")["overdue"] == 1
    assert services.run_month_end(today=late, acting_user="system:test")["overdue"] == 1
    overdue = Notification.objects.filter(event="loan_report_overdue")
    assert overdue.count() == len(overdue.values("recipient").distinct()) >= 1  # told once
    # An individual loan has no monthly duty: the job makes no report for it.
    assert BalanceReport.objects.count() == 1
