"""Loan servicing after the draw: repayments matched from the imported collection statement,
the guarantee fee and surpluses paid out, recoveries after default shared with the guarantor,
the loss written off under dual control (docs/lending.md)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.fixtures.clients import applicant_client
from tests.fixtures.clock import travel_to
from tests.fixtures.deals import DEBTOR_PAYER
from tests.integration.lending.helpers import active_revolving, borrower, staff
from tests.integration.treasury.helpers import approved, statement_file
from urikake.domain import ledger_lending as loan_book
from urikake.domain.bank_calendar import is_bank_business_day, next_bank_business_day
from urikake.domain.errors import DomainError
from urikake.domain.lending import split_recovery
from urikake.ledger import services as ledger
from urikake.ledger.models import LedgerEntry
from urikake.lending import collections as loan_collections
from urikake.lending import services
from urikake.lending.models import Collateral, LoanFacility, Repayment
from urikake.mail.models import OutboundMail
from urikake.notifications.models import Notification
from urikake.treasury import collections, payouts
from urikake.treasury.models import Deposit, Payout
from urikake.treasury.policy import client_code

pytestmark = pytest.mark.django_db(transaction=False)


def balanced() -> bool:
    return ledger.trial_balance().balanced and ledger.unbalanced_entries() == []


@pytest.fixture
def loan(django_user_model):
    """An active revolving loan: ¥1,000,000 drawn at 2.5% against a ¥2,200,000 receivable."""
    user, org = borrower()
    reviewer, treasury = staff("reviewer"), staff("treasury")
    facility = active_revolving(user, org, reviewer, treasury)
    return facility, user, org, treasury


def _import(rows, treasury):
    result = collections.import_collection_statement(
        statement_file(rows), filename="stmt.txt", acting_user=treasury
    )
    return result, collections.run_reconciliation(acting_user=treasury)


def test_a_debtor_paying_a_pledged_receivable_repays_the_loan_automatically(loan):
    facility, user, org, treasury = loan
    pledged = Collateral.objects.get(facility=facility)
    later = facility.draws.get().drawn_on + timedelta(days=30)  # from the 融資実行日
    rows = [(later, pledged.outstanding, DEBTOR_PAYER)]
    with travel_to(later):
        result, summary = _import(rows, treasury)
        assert (len(result.added), summary.auto) == (1, 1)
        # The same statement again: nothing new, nothing applied twice.
        again, second = _import(rows, treasury)
    assert (again.statement, second.total) == (None, 0)
    deposit = Deposit.objects.get()
    assert deposit.status == Deposit.Status.AUTO
    repayment = Repayment.objects.get(facility=facility)
    # Interest first (30 days of ¥1,000,000 at 2.5%, act/365, 切捨て = ¥2,054), then
    # principal; the rest of the receivable's ¥2,200,000 is the borrower's, returned.
    assert (repayment.interest, repayment.principal) == (2_054, 1_000_000)
    assert repayment.surplus == 2_200_000 - 2_054 - 1_000_000
    assert repayment.source == Repayment.Source.DESIGNATED
    assert repayment.reference == f"deposit:{deposit.pk}"
    pledged.refresh_from_db()
    assert pledged.status == Collateral.Status.COLLECTED
    surplus = Payout.objects.get(kind=Payout.Kind.LOAN_SURPLUS)
    assert (surplus.amount, surplus.debit_account) == (repayment.surplus, "")
    client = client_code(org.pk)
    assert ledger.balance(loan_book.loan_account(client)) == 0
    assert ledger.balance(loan_book.interest_receivable(client)) == 0
    assert ledger.balance("suspense") == 0
    assert Notification.objects.filter(event="loan_repayment_received", recipient=user).count() == 1
    assert Notification.objects.filter(event="loan_surplus_returned", recipient=user).exists()
    assert balanced()


def test_a_partial_repayment_waits_in_the_queue_and_is_applied_from_the_loan_page(loan, client):
    facility, _user, _org, treasury = loan
    later = timezone.localdate() + timedelta(days=10)
    with travel_to(later):
        # The borrower (ウリヌシ) pays part of the loan into the repayment account.
        _, summary = _import([(later, 300_000, "ｳﾘﾇｼ")], treasury)
    assert summary.auto == 0
    deposit = Deposit.objects.get()
    assert deposit.status in (Deposit.Status.SUGGESTED, Deposit.Status.UNMATCHED)
    assert deposit.proposal["item_ids"] == []  # nothing for the purchases' queue to offer
    assert Repayment.objects.count() == 0
    assert ledger.balance("suspense") == -300_000  # the money waits in 仮受金
    assert deposit in loan_collections.pending_deposits(facility)
    client.force_login(treasury)
    with travel_to(later):
        response = client.post(
            f"/backoffice/lending/{facility.pk}/deposit/",
            {"deposit": str(deposit.pk), "collateral": ""},
        )
        assert response.status_code == 302
        # A second click applies nothing more.
        client.post(
            f"/backoffice/lending/{facility.pk}/deposit/",
            {"deposit": str(deposit.pk), "collateral": ""},
        )
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.CONFIRMED
    repayment = Repayment.objects.get()
    assert repayment.source == Repayment.Source.REPAYMENT_ACCOUNT
    assert repayment.interest > 0
    assert repayment.interest + repayment.principal == 300_000
    assert ledger.balance("suspense") == 0
    assert balanced()


def test_a_statement_line_from_the_future_is_refused_and_nothing_is_applied(loan):
    facility, _, _, treasury = loan
    pledged = Collateral.objects.get(facility=facility)
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(DomainError) as raised:
        collections.import_collection_statement(
            statement_file([(tomorrow, pledged.outstanding, DEBTOR_PAYER)]),
            filename="future.txt",
            acting_user=treasury,
        )
    assert raised.value.code == "statement.future_date"
    assert Deposit.objects.count() == 0
    assert Repayment.objects.count() == 0


def test_the_guarantee_fee_is_paid_to_the_guarantor_under_dual_control(loan, client):
    facility, user, _org, treasury = loan
    scheme = facility.guarantee_scheme
    held = -ledger.balance(loan_book.guarantee_fee_payable(scheme))
    assert held == facility.guarantee_fee > 0
    client.force_login(treasury)
    client.post(f"/backoffice/lending/{facility.pk}/guarantee-fee/", {"confirm": "on"})
    client.post(f"/backoffice/lending/{facility.pk}/guarantee-fee/", {"confirm": "on"})
    fee = Payout.objects.get(kind=Payout.Kind.GUARANTEE_FEE)  # once, not twice
    assert fee.amount == facility.guarantee_fee
    assert fee.holder_kana == "ｼﾝﾖｳﾎｼﾖｳｷﾖｳｶｲ"
    with pytest.raises(DomainError):
        services.remit_guarantee_fee(facility, acting_user=treasury)
    batch = payouts.build_batch(acting_user=treasury)
    with pytest.raises(DomainError):  # the preparer cannot release it
        payouts.mark_sent(batch, acting_user=treasury)
    payouts.mark_sent(approved(batch), acting_user=treasury)
    assert ledger.balance(loan_book.guarantee_fee_payable(scheme)) == 0
    # The client is told of its own money only (the draw), never of the guarantor's.
    told = Notification.objects.filter(event="payout_sent", recipient=user).get()
    assert told.context["amount_yen"] == facility.draws.get().payout.amount
    assert balanced()


def test_the_recovery_rule_shares_pro_rata_and_rounds_the_guarantor_down():
    assert split_recovery(100_000, uncovered=100_000, subrogated=900_000) == (10_000, 90_000, 0)
    assert split_recovery(1_001, uncovered=1, subrogated=2) == (1, 2, 998)
    assert split_recovery(10, uncovered=1, subrogated=2) == (1, 2, 7)
    assert split_recovery(100, uncovered=1, subrogated=0) == (1, 0, 99)
    assert split_recovery(5, uncovered=3, subrogated=3) == (3, 2, 0)  # the odd yen: platform


def test_recoveries_after_default_are_shared_with_the_guarantor_and_the_rest_written_off(loan):
    facility, user, org, treasury = loan
    other = staff("treasury")
    claim = services.default_facility(facility, acting_user=treasury, comment="延滞3か月")
    assert claim == 900_000  # 90% of ¥1,000,000
    facility.refresh_from_db()
    services.record_guarantor_payment(
        facility,
        amount=claim,
        received_on=timezone.localdate(),
        reference="KYOKAI-1",
        acting_user=treasury,
    )
    facility.refresh_from_db()
    owed_platform = services.uncovered(facility)  # ¥100,000 principal + interest accrued
    assert owed_platform >= 100_000
    # The debtor pays ¥500,000 of the pledged receivable: a recovery, matched automatically.
    later = timezone.localdate() + timedelta(days=30)
    collected = 500_000
    Collateral.objects.filter(facility=facility).update(face_amount=collected)
    with travel_to(later):
        _, summary = _import([(later, collected, DEBTOR_PAYER)], treasury)
    assert summary.auto == 1
    recovery = Repayment.objects.get(facility=facility)
    platform, guarantor, surplus = split_recovery(
        collected, uncovered=owed_platform, subrogated=claim
    )
    assert (recovery.interest + recovery.principal, recovery.guarantor_share) == (
        platform,
        guarantor,
    )
    assert recovery.surplus == surplus == 0
    share = Payout.objects.get(kind=Payout.Kind.RECOVERY_SHARE)
    assert share.amount == guarantor
    assert share.debit_account == loan_book.guarantor_payable(facility.guarantee_scheme)
    value_date = later if is_bank_business_day(later) else next_bank_business_day(later)
    batch = payouts.build_batch(acting_user=treasury, value_date=value_date)
    payouts.mark_sent(approved(batch), acting_user=treasury)
    assert ledger.balance(loan_book.guarantor_payable(facility.guarantee_scheme)) == 0
    facility.refresh_from_db()
    assert facility.recovered_for_guarantor == guarantor
    left = services.uncovered(facility)
    assert left == owed_platform - platform > 0
    # The rest is written off: one person proposes, another approves.
    with travel_to(later):
        services.propose_write_off(facility, acting_user=treasury, comment="回収見込みなし")
        with pytest.raises(DomainError):
            services.approve_write_off(facility, acting_user=treasury)
        services.approve_write_off(facility, acting_user=other)
    facility.refresh_from_db()
    assert facility.status == LoanFacility.Status.WRITTEN_OFF
    assert facility.written_off == left
    client = client_code(org.pk)
    assert ledger.balance(loan_book.loan_account(client)) == 0
    assert ledger.balance(loan_book.interest_receivable(client)) == 0
    assert ledger.balance("write_off") == left
    assert Notification.objects.filter(event="loan_defaulted", recipient=user).exists()
    assert balanced()


def test_collateral_collected_after_full_repayment_goes_back_to_the_borrower(loan):
    facility, _, org, treasury = loan
    today = timezone.localdate()
    services.record_repayment(
        facility,
        amount=1_000_000,
        received_on=today,
        source="repayment",
        reference="FULL-1",
        acting_user=treasury,
    )
    assert services.outstanding_principal(facility) == 0
    # Closed as an individual loan is when repaid; its receivable is still pledged.
    LoanFacility.objects.filter(pk=facility.pk).update(status=LoanFacility.Status.CLOSED)
    pledged = Collateral.objects.get(facility=facility)
    later = today + timedelta(days=30)
    with travel_to(later):
        _, summary = _import([(later, pledged.outstanding, DEBTOR_PAYER)], treasury)
    assert summary.auto == 1
    repayment = Repayment.objects.get(facility=facility, reference__startswith="deposit:")
    assert (repayment.interest, repayment.principal) == (0, 0)
    assert repayment.surplus == pledged.outstanding
    refund = Payout.objects.get(kind=Payout.Kind.LOAN_SURPLUS)
    assert refund.amount == pledged.outstanding
    assert ledger.balance(loan_book.loan_account(client_code(org.pk))) == 0
    assert balanced()


def test_a_draw_after_the_cut_off_earns_interest_from_the_day_the_money_arrives(settings):
    """Staff execute a draw on a Friday after the bank's cut-off: the money leaves on the next
    bank business day, and that is the 融資実行日 the client is shown and interest runs from.
    Before, interest ran from the Friday: three days of interest on money not yet received."""
    settings.TREASURY_BANK_CUTOFF = "14:00"
    jst = ZoneInfo("Asia/Tokyo")
    user, org = borrower()
    reviewer, treasury = staff("reviewer"), staff("treasury")
    facility = active_revolving(user, org, reviewer, treasury, draw=0)
    today = timezone.localdate()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    money_arrives = next_bank_business_day(friday)
    assert money_arrives >= friday + timedelta(days=3)

    with mock.patch.object(timezone, "now", return_value=datetime.combine(friday, time(15), jst)):
        drawn = services.draw(facility, amount=1_000_000, acting_user=treasury)
        # The debtor pays part of the pledged receivable the same evening, before the loan's
        # money arrives: no interest is due yet, it all repays principal.
        early = services.record_repayment(
            facility,
            amount=200_000,
            received_on=friday,
            source="designated",
            reference="REF-EARLY",
            collateral=Collateral.objects.get(facility=facility),
            acting_user=treasury,
        )
    assert (drawn.drawn_on, drawn.payout.requested_for) == (money_arrives, money_arrives)
    assert (early.interest, early.principal) == (0, 200_000)
    booked = LedgerEntry.objects.get(entry_id=f"loan:{facility.pk}:draw:1")
    assert booked.date == friday  # on the books (and owed to the client) from the Friday
    browser = applicant_client(user)
    page = browser.get(f"/my/loans/{facility.pk}/")
    assert f"{money_arrives:%Y-%m-%d}" in page.content.decode()
    # How the limit was set, in the reader's language (these rows were Japanese in English).
    assert "制度上の上限（売掛債権担保融資保証制度）" in page.content.decode()
    browser.cookies["django_language"] = "en"
    english = browser.get(f"/my/loans/{facility.pk}/").content.decode()
    assert "Collateral value (receivables × advance rate)" in english
    assert "The scheme's ceiling (Receivables-backed loan guarantee scheme)" in english
    assert "担保価値（" not in english
    assert "制度上の上限" not in english
    # The client is told the day the money arrives and that interest runs from it.
    told = OutboundMail.objects.get(subject__contains="融資を実行しました")
    arrives = f"{money_arrives.year}年{money_arrives.month}月{money_arrives.day}日"
    assert f"（融資実行日 {arrives}）" in told.body
    assert f"{arrives} 付で登録口座へお振込みします" in told.body

    # 30 days after the money arrived the borrower repays: 30 days of interest on ¥800,000.
    later = money_arrives + timedelta(days=30)
    with mock.patch.object(timezone, "now", return_value=datetime.combine(later, time(10), jst)):
        repaid = services.record_repayment(
            facility,
            amount=300_000,
            received_on=later,
            source="repayment",
            reference="REF-LATER",
            acting_user=treasury,
        )
    # 800,000 × 2.5% × 30/365 = 1,643.8… → 1,643 (act/365, 切捨て); from the Friday it was 1,808.
    assert repaid.interest == 1_643
    assert balanced()
