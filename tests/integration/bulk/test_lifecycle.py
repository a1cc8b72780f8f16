"""Bulk factoring from enrolment to the monthly fee, through the services, on the real ledger
and the real treasury payout path (dual control): 100 payables, three early payments, one
due-date settlement paying the rest in ONE 全銀 総合振込 file that the project's own parser
(validator) accepts. The trial balance balances after every step (both databases)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from tests.fixtures.clock import travel_to
from tests.integration.bulk.helpers import (
    SUPPLIER_NUMBERS,
    business_day,
    buyer,
    csv_of,
    hundred_payables,
    supplier,
)
from tests.integration.lending.helpers import staff
from tests.integration.treasury.helpers import approved
from urikake.audit.models import AuditRecord
from urikake.bulk import services
from urikake.bulk.models import Payable
from urikake.domain import ledger_bulk as bulk_book
from urikake.domain.errors import DomainError
from urikake.domain.zengin_transfer import parse_transfer_file
from urikake.ledger import services as ledger
from urikake.notifications.models import Notification
from urikake.treasury import payouts
from urikake.treasury.models import Payout
from urikake.treasury.policy import client_code

pytestmark = pytest.mark.django_db(transaction=False)


def balanced() -> bool:
    return ledger.trial_balance().balanced and ledger.unbalanced_entries() == []


@pytest.fixture
def world(django_user_model):
    reviewer, treasury = staff("reviewer"), staff("treasury")
    buyer_user, buyer_org, program = buyer(reviewer)
    suppliers = [
        supplier(program, reviewer, f"S{i + 1}", number=SUPPLIER_NUMBERS[i]) for i in range(3)
    ]
    return reviewer, treasury, buyer_user, buyer_org, program, suppliers


def _at(day, hour=9):
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def test_hundred_payables_three_early_one_transfer_file(world) -> None:
    _reviewer, treasury, buyer_user, buyer_org, program, suppliers = world
    due = business_day(45)
    upload = services.upload_payables(
        program,
        hundred_payables([s for _, _, s in suppliers], due),
        filename="payables.csv",
        acting_user=buyer_user,
    )
    assert upload.rows == 100
    assert upload.total == sum(10_000 * (i + 1) for i in range(100))
    assert Payable.objects.filter(program=program).count() == 100
    # Each supplier sees only its own receivables.
    for _, org, _ in suppliers:
        assert {p.organization_id for p in Payable.objects.filter(organization=org)} == {org.pk}
    assert Notification.objects.filter(event="bulk_receivables_added").exists()

    # Three suppliers each discount one receivable early.
    early = []
    for user, _org, s in suppliers:
        p = Payable.objects.filter(supplier=s).order_by("pk").first()
        q = services.quote(p)
        assert q.discount == q.face * 3 * q.days // 36500  # 円未満切捨て
        done = services.request_early_payment(p, acting_user=user, expected_net=q.net)
        assert done.status == Payable.Status.EARLY
        assert done.discount == q.discount
        # Asking again changes nothing (idempotent).
        again = services.request_early_payment(p, acting_user=user, expected_net=q.net)
        assert again.early_payout_id == done.early_payout_id
        early.append(done)
        assert balanced()
    bought = sum(p.amount for p in early)
    discounts = sum(p.discount for p in early)
    assert ledger.balance(bulk_book.bulk_receivable(client_code(buyer_org.pk))) == bought
    assert ledger.balance(bulk_book.DISCOUNT_INCOME) == -discounts

    # The early payouts leave today (dual control).
    batch = payouts.build_batch(acting_user=treasury, now=_at(timezone.localdate(), 8))
    if batch is None:  # after the cut-off the early payouts wait for the next business day
        batch = payouts.build_batch(acting_user=treasury, value_date=business_day(1))
    assert batch is not None
    assert batch.total_count == 3
    payouts.mark_sent(approved(batch), acting_user=treasury)
    assert balanced()

    # On the due date the buyer pays once; everyone who did not discount is paid.
    total = upload.total
    with travel_to(due):
        with pytest.raises(DomainError) as exc:
            services.record_buyer_payment(
                program,
                due_date=due,
                amount=total - 1,
                received_on=due,
                reference="B-1",
                acting_user=treasury,
            )
        assert exc.value.code == "bulk.amount_mismatch"
        settlement = services.record_buyer_payment(
            program,
            due_date=due,
            amount=total,
            received_on=due,
            reference="B-1",
            acting_user=treasury,
        )
        assert settlement.bought == bought
        assert settlement.paid_to_suppliers == total - bought
        # A repeat is the same settlement, not a second one.
        assert (
            services.record_buyer_payment(
                program,
                due_date=due,
                amount=total,
                received_on=due,
                reference="B-1",
                acting_user=treasury,
            ).pk
            == settlement.pk
        )
        assert balanced()
        batch = payouts.build_batch(acting_user=treasury, value_date=due, now=_at(due))
    assert batch is not None
    # One transfer per supplier, in ONE file, that the project's own parser accepts.
    assert batch.total_count == 3
    assert batch.total_amount == total - bought
    _originator, _transfer_date, transfers = parse_transfer_file(bytes(batch.file_content))
    assert len(transfers) == 3
    assert sum(t.amount for t in transfers) == total - bought
    assert {p.kind for p in batch.payouts.all()} == {Payout.Kind.BULK}
    with travel_to(due):
        payouts.mark_sent(approved(batch), acting_user=treasury)
    assert Payable.objects.filter(program=program, status=Payable.Status.SETTLED).count() == 97
    assert ledger.balance(bulk_book.bulk_receivable(client_code(buyer_org.pk))) == 0
    for _, org, _ in suppliers:
        assert ledger.balance(f"payable:{client_code(org.pk)}") == 0
    assert balanced()

    # The monthly fee: base + 100 items; invoiced once, paid, booked.
    invoice = services.issue_fee_invoice(
        program, month=upload.uploaded_at.date(), acting_user=treasury
    )
    assert invoice.items == 100
    assert invoice.amount == 30_000 + 100 * 100
    assert bytes(invoice.pdf).startswith(b"%PDF")
    assert (
        services.issue_fee_invoice(
            program, month=upload.uploaded_at.date(), acting_user=treasury
        ).pk
        == invoice.pk
    )
    assert ledger.balance(bulk_book.FEE_INCOME) == -invoice.amount
    services.record_fee_payment(
        invoice, amount=invoice.amount, received_on=timezone.localdate(), acting_user=treasury
    )
    assert ledger.balance(bulk_book.fee_receivable(client_code(buyer_org.pk))) == 0
    assert balanced()
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {
        "bulk.buyer_enrolled",
        "bulk.supplier_added",
        "bulk.agreement_signed",
        "bulk.payables_uploaded",
        "bulk.early_paid",
        "bulk.settled",
        "bulk.fee_invoiced",
        "bulk.fee_paid",
    } <= actions


def test_a_bad_file_is_refused_whole_with_every_error(world) -> None:
    _reviewer, _treasury, buyer_user, _buyer_org, program, _suppliers = world
    due = business_day(30)
    services.upload_payables(
        program, csv_of([("S1", "OLD-1", 1000, due)]), filename="a.csv", acting_user=buyer_user
    )
    today = timezone.localdate()
    data = csv_of(
        [
            ("S1", "OK-1", 5_000, due),
            ("S9", "X-1", 5_000, due),  # unknown supplier
            ("S2", "X-2", 0, due),  # amount out of bounds
            ("S2", "X-3", 5_000, today),  # due today
            ("S1", "OLD-1", 1_000, due),  # uploaded before
            ("S3", "D-1", 1_000, due),
            ("S3", "D-1", 1_000, due),  # twice in this file
        ]
    )
    with pytest.raises(services.UploadRefused) as exc:
        services.upload_payables(program, data, filename="b.csv", acting_user=buyer_user)
    codes = [(e.line, e.code) for e in exc.value.errors]
    assert codes == [
        (3, "bulk.supplier_unknown"),
        (4, "bulk.amount_range"),
        (5, "bulk.due_past"),
        (6, "bulk.duplicate"),
        (8, "bulk.duplicate_row"),
    ]
    assert all(e.message and e.field for e in exc.value.errors)
    assert Payable.objects.filter(program=program).count() == 1  # nothing saved


def test_early_payment_needs_the_agreement_and_the_quote_shown(world) -> None:
    reviewer, _treasury, buyer_user, _buyer_org, program, _suppliers = world
    user, _org, unsigned = supplier(program, reviewer, "S4", sign=False)
    due = business_day(30)
    services.upload_payables(
        program, csv_of([("S4", "N-1", 100_000, due)]), filename="a.csv", acting_user=buyer_user
    )
    p = Payable.objects.get(supplier=unsigned)
    with pytest.raises(DomainError) as exc:
        services.request_early_payment(p, acting_user=user)
    assert exc.value.code == "bulk.no_agreement"
    services.sign_agreement(
        unsigned, acting_user=user, agreed_sha256=unsigned.agreement_sha256, ip_address=None
    )
    with pytest.raises(DomainError) as exc:
        services.request_early_payment(p, acting_user=user, expected_net=1)
    assert exc.value.code == "bulk.quote_changed"
    assert Payout.objects.count() == 0
    assert ledger.balance(bulk_book.DISCOUNT_INCOME) == 0


def test_receivables_bought_early_count_in_the_buyers_exposure(world) -> None:
    from urikake.receivables.exposure import exposure_of
    from urikake.receivables.models import DebtorIdentity

    _reviewer, _treasury, buyer_user, buyer_org, program, suppliers = world
    # The buyer is a debtor of other clients too: the identity is found by its 法人番号.
    type(buyer_org).objects.filter(pk=buyer_org.pk).update(corporate_number="1180301018771")
    buyer_org.refresh_from_db()
    identity = DebtorIdentity.objects.create(
        key=f"corp:{buyer_org.corporate_number}",
        corporate_number=buyer_org.corporate_number,
        display_name=buyer_org.name,
    )
    user, _org, s = suppliers[0]
    due = business_day(30)
    services.upload_payables(
        program,
        csv_of([(s.code, "X-1", 200_000, due), (s.code, "X-2", 300_000, due)]),
        filename="x.csv",
        acting_user=buyer_user,
    )
    assert exposure_of(identity.pk).by_source["bulk_payables"] == 0  # nothing bought yet
    p = Payable.objects.get(invoice_number="X-1")
    services.request_early_payment(p, acting_user=user, expected_net=services.quote(p).net)
    assert exposure_of(identity.pk).by_source["bulk_payables"] == 200_000


def test_an_early_payment_after_the_cut_off_is_discounted_from_the_day_the_money_arrives(
    world, settings
) -> None:
    """Asked for on a Friday after the bank's cut-off, the money arrives on the next bank
    business day: the quote the supplier sees, the price it is bought at and the 早期支払日 all
    count the discount from that day. Before, the supplier paid three days' discount for
    money it did not have yet."""
    from unittest import mock

    from urikake.domain.bank_calendar import next_bank_business_day

    settings.TREASURY_BANK_CUTOFF = "14:00"
    _reviewer, _treasury, buyer_user, _buyer_org, program, suppliers = world
    due = business_day(45)
    services.upload_payables(
        program,
        hundred_payables([s for _, _, s in suppliers], due),
        filename="payables.csv",
        acting_user=buyer_user,
    )
    user, _org, s = suppliers[0]
    payable = Payable.objects.filter(supplier=s).order_by("pk").first()
    today = timezone.localdate()
    friday = today + timedelta(days=(4 - today.weekday()) % 7 or 7)
    money_arrives = next_bank_business_day(friday)
    assert money_arrives >= friday + timedelta(days=3)
    with mock.patch.object(timezone, "now", return_value=_at(friday, 15)):
        shown = services.quote(payable)
        done = services.request_early_payment(payable, acting_user=user, expected_net=shown.net)
    assert shown.days == (due - money_arrives).days
    assert shown.discount == shown.face * 3 * shown.days // 36500  # 3% a year, 切捨て
    assert (done.early_paid_on, done.early_payout.requested_for) == (money_arrives, money_arrives)
    assert (done.early_days, done.discount) == (shown.days, shown.discount)
    assert balanced()
