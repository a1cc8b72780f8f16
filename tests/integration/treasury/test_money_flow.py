"""Funding → payout file → sent → collection statement → reconciliation → reserve release,
checked against the ledger at each step (issue 5: payouts exactly once, collections, 消込)."""

from __future__ import annotations

import hashlib

import pytest
from django.utils import timezone

from tests.fixtures.clock import travel_to
from tests.integration.treasury.helpers import (
    DEBTOR_PAYER,
    approved,
    contracted_deal,
    funded_deal,
    paid_on,
    purchase_of,
    statement_file,
)
from urikake.domain.bank_calendar import adjust_to_business_day, is_bank_business_day
from urikake.domain.errors import DomainError
from urikake.domain.zengin_transfer import parse_transfer_file
from urikake.ledger import services as ledger
from urikake.servicing.funding import fund_application
from urikake.treasury import collections, payouts
from urikake.treasury.models import Deposit, Payout, PayoutBatch
from urikake.treasury.policy import client_code, debtor_code, platform_cash_account

pytestmark = pytest.mark.django_db


def _client_accounts(deal) -> dict[str, int]:
    c = client_code(deal.organization.pk)
    d = debtor_code(deal.debtor.pk)
    return {
        "receivable": ledger.balance(f"receivable:{c}:{d}"),
        "reserve": ledger.balance(f"reserve:{c}"),
        "payable": ledger.balance(f"payable:{c}"),
    }


def test_funding_waits_for_perfection_and_is_idempotent(treasury_staff) -> None:
    deal = contracted_deal("three_party")
    with pytest.raises(DomainError) as exc:
        fund_application(deal.application, acting_user=treasury_staff)
    assert exc.value.code == "perfection.required"
    assert not Payout.objects.exists()
    from tests.integration.treasury.helpers import perfect

    perfect(deal, treasury_staff)
    first = fund_application(deal.application, acting_user=treasury_staff)
    again = fund_application(deal.application, acting_user=treasury_staff)
    assert first.pk == again.pk
    offer = deal.application.offer
    assert first.amount == offer["net_payout"]
    assert Payout.objects.count() == 1
    accounts = _client_accounts(deal)
    assert accounts == {
        "receivable": offer["face_amount"],
        "reserve": -offer["holdback"],
        "payable": -offer["net_payout"],
    }
    assert ledger.trial_balance().balanced


def test_two_party_may_fund_after_filing_when_the_policy_says_so(treasury_staff, settings) -> None:
    from urikake.treasury import perfection as steps

    settings.TREASURY_PERFECTION = {"two_party": "registration:early"}
    deal = contracted_deal("two_party")
    p = steps.open_perfection(deal.application)
    with pytest.raises(DomainError) as exc:
        fund_application(deal.application, acting_user=treasury_staff)
    assert exc.value.code == "perfection.not_filed"
    steps.record_filing(p, filed_on=timezone.localdate(), acting_user=treasury_staff)
    fund_application(deal.application, acting_user=treasury_staff)
    p.refresh_from_db()
    assert p.funded_before_perfection is True


def test_batch_file_is_exact_once_and_regenerates_identically(treasury_staff) -> None:
    deals = [funded_deal(treasury_staff, amount=1_100_000 + 1_000 * n) for n in range(3)]
    value_date = max(p.requested_for for p in Payout.objects.all())
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=value_date)
    assert batch is not None
    assert batch.total_count == 3
    assert payouts.build_batch(acting_user=treasury_staff, value_date=value_date) is None
    content = bytes(batch.file_content)
    assert hashlib.sha256(content).hexdigest() == batch.file_sha256
    assert payouts.regenerate(batch) == content
    _, _, transfers = parse_transfer_file(content)
    assert sorted(t.amount for t in transfers) == sorted(
        d.application.offer["net_payout"] for d in deals
    )
    assert {t.customer_code for t in transfers} == {p.customer_code for p in Payout.objects.all()}
    # The database refuses to move a payout to another batch.
    other = PayoutBatch.objects.create(
        value_date=value_date,
        cutoff="14:00",
        file_content=b"x",
        file_sha256="x",
        total_count=0,
        total_amount=0,
    )
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Payout.objects.filter(batch=batch).update(batch=other)
    with pytest.raises(IntegrityError), transaction.atomic():
        PayoutBatch.objects.filter(pk=batch.pk).update(file_content=b"changed")


def test_sent_batch_posts_once_and_returns_reverse(treasury_staff, settings) -> None:
    deal = funded_deal(treasury_staff)
    payout = Payout.objects.get()
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)  # a retry posts nothing more
    deal.application.refresh_from_db()
    assert deal.application.status == "funded"
    cash = platform_cash_account()
    fee = settings.TREASURY_TRANSFER_FEE_YEN
    assert ledger.balance(cash) == -(payout.amount + fee)
    assert _client_accounts(deal)["payable"] == 0
    csv_file = f"customer_code,amount,reason\n{payout.customer_code},{payout.amount},口座なし\n"
    with pytest.raises(DomainError):
        payouts.import_returns(
            f"customer_code,amount\n{payout.customer_code},1\n".encode(),
            acting_user=treasury_staff,
        )
    returned = payouts.import_returns(csv_file.encode(), acting_user=treasury_staff)
    assert [p.pk for p in returned] == [payout.pk]
    assert payouts.import_returns(csv_file.encode(), acting_user=treasury_staff) == []
    assert ledger.balance(cash) == 0
    assert _client_accounts(deal)["payable"] == -payout.amount
    retry = payouts.retry_returned(Payout.objects.get(pk=payout.pk), acting_user=treasury_staff)
    assert retry.replaces_id == payout.pk
    assert retry.status == "pending"
    assert ledger.trial_balance().balanced


def test_debtor_payment_is_reconciled_and_the_holdback_released(treasury_staff) -> None:
    deal = funded_deal(treasury_staff)
    payout = Payout.objects.get()
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    purchase = purchase_of(deal)
    # The debtor pays on the due date; the statement reporting it is read on that day.
    arrived = purchase.expected_on
    content = statement_file(
        [
            (arrived, purchase.face_amount - 440, DEBTOR_PAYER),  # fee deducted
            (arrived, 12_345, "ﾀﾅｶ ﾀﾛｳ"),  # belongs to nothing
        ]
    )
    with travel_to(arrived):
        _import_and_release(deal, purchase, payout, content, treasury_staff)


def _import_and_release(deal, purchase, payout, content, treasury_staff) -> None:
    result = collections.import_collection_statement(
        content, filename="0001.txt", acting_user=treasury_staff
    )
    assert len(result.added) == 2
    again = collections.import_collection_statement(
        content, filename="0001.txt", acting_user=treasury_staff
    )
    assert again.added == []
    assert Deposit.objects.count() == 2
    summary = collections.run_reconciliation()
    assert (summary.auto, summary.unmatched) == (1, 1)
    purchase.refresh_from_db()
    assert purchase.status == "collected"
    assert purchase.fee_deducted == 440
    deal.application.refresh_from_db()
    assert deal.application.status == "settled"
    accounts = _client_accounts(deal)
    assert accounts["receivable"] == 0
    assert accounts["reserve"] == 0
    assert accounts["payable"] == -purchase.holdback  # the holdback now awaits its payout
    release = Payout.objects.get(kind="reserve")
    assert release.amount == purchase.holdback
    # The refund leaves on a bank business day, not before the debtor's money arrived.
    assert release.requested_for >= purchase.expected_on
    assert is_bank_business_day(release.requested_for)
    assert release.requested_for == adjust_to_business_day(purchase.expected_on)
    assert payout.requested_for < release.requested_for  # the invoice falls due later
    assert payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for) is None
    batch2 = payouts.build_batch(acting_user=treasury_staff, value_date=release.requested_for)
    payouts.mark_sent(approved(batch2), acting_user=treasury_staff)
    assert _client_accounts(deal)["payable"] == 0
    assert ledger.balance("suspense") == -12_345  # the stranger's money, not ours
    tb = ledger.trial_balance()
    assert tb.balanced
    assert tb.total_debits == tb.total_credits
    # Running again changes nothing.
    assert collections.run_reconciliation().auto == 0


def test_ledger_cash_ties_out_to_the_imported_statement(treasury_staff, settings) -> None:
    from datetime import timedelta

    from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
    from urikake.domain.zengin_statements import write_statement_file

    funded_deal(treasury_staff, amount=1_500_000)
    payout = Payout.objects.get()
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    fee = settings.TREASURY_TRANSFER_FEE_YEN
    day = batch.value_date
    lines = (
        StatementLine(
            day, Direction.WITHDRAWAL, payout.amount + fee, "ｿｳｺﾞｳﾌﾘｺﾐ", "", "00000001", None, "", 1
        ),
        StatementLine(day, Direction.DEPOSIT, 50_000, "ﾀﾅｶ ﾀﾛｳ", "", "00000002", None, "", 2),
    )
    content = write_statement_file(
        Statement(SourceFormat.ZENGIN_STATEMENT, "0001", "001", 1, "7654321", "", day, day, lines),
        created=day,
    )
    with travel_to(day):  # the batch's value date may be the next business day
        collections.import_collection_statement(
            content, filename="s.txt", acting_user=treasury_staff
        )
    report = collections.cash_tie_out(date_from=day - timedelta(days=1), date_to=day)
    assert report.tied, report
    assert report.difference == 0
    assert report.bank_total == 50_000 - payout.amount - fee
    # A bank charge nobody booked shows up as unexplained.
    extra = (StatementLine(day, Direction.WITHDRAWAL, 330, "ﾃｽｳﾘﾖｳ", "", "00000003", None, "", 3),)
    content2 = write_statement_file(
        Statement(SourceFormat.ZENGIN_STATEMENT, "0001", "001", 1, "7654321", "", day, day, extra),
        created=day,
    )
    with travel_to(day):
        collections.import_collection_statement(
            content2, filename="t.txt", acting_user=treasury_staff
        )
    report = collections.cash_tie_out(date_from=day, date_to=day)
    assert not report.tied
    assert report.difference == -330
    assert [m.amount for m in report.days[0].unexplained_bank] == [-330]


@pytest.mark.django_db(transaction=True)
def test_clients_are_mailed_when_paid_and_when_a_payout_is_returned(
    treasury_staff, smtp_server
) -> None:
    deal = funded_deal(treasury_staff, amount=1_600_000)
    payout = Payout.objects.get()
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    mail = smtp_server.wait_for(deal.user.email, subject_contains="お振込みのお知らせ")
    body = smtp_server.body(mail)
    assert f"¥{payout.amount:,}" in body
    assert "1234567" not in body  # never the account number
    payouts.import_returns(
        f"customer_code,amount\n{payout.customer_code},{payout.amount}\n".encode(),
        acting_user=treasury_staff,
    )
    returned = smtp_server.wait_for(deal.user.email, subject_contains="お振込みができませんでした")
    assert "/my/payout/change/" in smtp_server.body(returned)


def test_a_payment_after_default_is_still_applied_and_settles_the_deal(treasury_staff) -> None:
    from urikake.servicing.overdue import mark_default

    deal = funded_deal(treasury_staff, amount=1_700_000)
    payout = Payout.objects.get()
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    purchase = purchase_of(deal)
    mark_default(purchase, acting_user=treasury_staff, comment="期日から60日経過・連絡不通")
    deal.application.refresh_from_db()
    assert deal.application.status == "defaulted"
    collections.import_collection_statement(
        statement_file([(paid_on(purchase), purchase.face_amount, DEBTOR_PAYER)]),
        filename="late.txt",
        acting_user=treasury_staff,
    )
    assert collections.run_reconciliation().auto == 1
    purchase.refresh_from_db()
    assert purchase.status == "collected"
    deal.application.refresh_from_db()
    assert deal.application.status == "settled"


def test_collections_pulled_from_the_bank_api_are_reconciled(treasury_staff) -> None:
    from datetime import date as date_

    from urikake.integrations.bank.adapter import HttpBankApi
    from urikake.integrations.bank.simulator import BankApiSimulator, SimulatedAccount

    deal = funded_deal(treasury_staff, amount=1_800_000, due_days=60)
    payout = Payout.objects.get()
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    purchase = purchase_of(deal)
    paid_on = timezone.localdate()
    account = SimulatedAccount(
        "acc_platform",
        bank_code="0001",
        branch_code="001",
        account_number="7654321",
        account_name="ｶ)ｳﾘｶｹ",
        opened=date_(paid_on.year, paid_on.month, 1),
    )
    simulator = BankApiSimulator("127.0.0.1", 0, token="t" * 32, accounts=[account])
    simulator.start()
    try:
        simulator.add_transaction(
            "acc_platform",
            {
                "value_date": paid_on.isoformat(),
                "amount": purchase.face_amount,
                "counterparty": DEBTOR_PAYER,
            },
        )
        source = HttpBankApi(simulator.url, "t" * 32)
        result = collections.pull_collection_statement(
            source=source,
            account_id="acc_platform",
            date_from=paid_on.replace(day=1),
            date_to=paid_on,
            acting_user=treasury_staff,
        )
        again = collections.pull_collection_statement(
            source=source,
            account_id="acc_platform",
            date_from=paid_on.replace(day=1),
            date_to=paid_on,
            acting_user=treasury_staff,
        )
    finally:
        simulator.stop()
    assert result.added
    assert again.added == []
    # The debtor paid two months early: name and amount fit, but so early a payment is only
    # suggested (precision first); the operator confirms it.
    collections.run_reconciliation()
    deposit = Deposit.objects.get(amount=purchase.face_amount, payer_kana=DEBTOR_PAYER)
    assert deposit.status == "suggested"
    assert deposit.reason == "outside_date_window"
    collections.confirm_suggestion(deposit, purchase_ids=[purchase.pk], acting_user=treasury_staff)
    purchase.refresh_from_db()
    assert purchase.status == "collected"
    assert ledger.trial_balance().balanced
    # Every other movement the bank listed is in the books too (cash ties out).
    report = collections.cash_tie_out(date_from=paid_on.replace(day=1), date_to=paid_on)
    assert report.bank_total == sum(m.amount for m in collections.AccountMovement.objects.all())


def test_a_statement_of_another_account_is_refused(treasury_staff) -> None:
    from urikake.domain.statements import Direction, SourceFormat, Statement, StatementLine
    from urikake.domain.zengin_statements import write_statement_file

    day = timezone.localdate()
    lines = (StatementLine(day, Direction.DEPOSIT, 1_000, "ﾀﾅｶ", "", "00000001", None, "", 1),)
    content = write_statement_file(
        Statement(SourceFormat.ZENGIN_STATEMENT, "0005", "001", 1, "2345678", "", day, day, lines),
        created=day,
    )
    with pytest.raises(DomainError) as exc:
        collections.import_collection_statement(content, filename="x", acting_user=treasury_staff)
    assert exc.value.code == "collections.wrong_account"
    assert not Deposit.objects.exists()


def test_two_party_forwarding_by_the_client_is_reconciled(treasury_staff) -> None:
    deal = funded_deal(treasury_staff, product="two_party", amount=1_900_000)
    payout = Payout.objects.get()
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    purchase = purchase_of(deal)
    assert purchase.holdback > 0  # 掛目 80% for 2社間
    # The debtor paid the client; the client forwards the full amount from its own account.
    collections.import_collection_statement(
        statement_file([(paid_on(purchase), purchase.face_amount, "ｶ)ｳﾘﾇｼ")]),
        filename="forward.txt",
        acting_user=treasury_staff,
    )
    assert collections.run_reconciliation().auto == 1
    purchase.refresh_from_db()
    assert purchase.status == "collected"
    assert Payout.objects.get(kind="reserve").amount == purchase.holdback
    deal.application.refresh_from_db()
    assert deal.application.status == "settled"


def test_a_deducted_fee_can_be_charged_to_the_clients_holdback(treasury_staff, settings) -> None:
    settings.TREASURY_PAYER_FEE_BORNE_BY = "client"
    deal = funded_deal(treasury_staff, amount=2_100_000)
    payout = Payout.objects.get()
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=payout.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    fees_before = ledger.balance("transfer_fee")
    purchase = purchase_of(deal)
    collections.import_collection_statement(
        statement_file([(paid_on(purchase), purchase.face_amount - 660, DEBTOR_PAYER)]),
        filename="fee.txt",
        acting_user=treasury_staff,
    )
    assert collections.run_reconciliation().auto == 1
    purchase.refresh_from_db()
    assert purchase.status == "collected"
    assert purchase.reserve_applied == 660
    release = Payout.objects.get(kind="reserve")
    assert release.amount == purchase.holdback - 660
    assert ledger.balance("transfer_fee") == fees_before  # not the platform's expense
    accounts = _client_accounts(deal)
    assert accounts["receivable"] == 0
    assert accounts["reserve"] == 0
    assert ledger.trial_balance().balanced
