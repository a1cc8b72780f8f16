"""Guarantee factoring from application to recovery, through the services, on the real
ledger and the real treasury payout path (dual control). The trial balance balances after
every step; both databases (DATABASE_URL)."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from pypdf import PdfReader

from tests.fixtures.clock import travel_to
from tests.integration.guarantees.helpers import (
    PDF,
    active_individual,
    client,
    invoice,
    staff,
    value_day,
)
from tests.integration.treasury.helpers import approved
from urikake.audit.models import AuditRecord
from urikake.domain import ledger_guarantees as book
from urikake.domain.errors import DomainError
from urikake.guarantees import services
from urikake.guarantees.models import Claim, GuaranteeContract, GuaranteedReceivable
from urikake.ledger import services as ledger
from urikake.notifications.models import Notification
from urikake.receivables.exposure import exposure_of
from urikake.receivables.models import Invoice
from urikake.treasury import payouts
from urikake.treasury.models import Payout
from urikake.treasury.policy import client_code

pytestmark = pytest.mark.django_db(transaction=False)


def balanced() -> bool:
    return ledger.trial_balance().balanced and ledger.unbalanced_entries() == []


def balance(account: str) -> int:
    rows = {r.account: r for r in ledger.trial_balance().rows}
    row = rows.get(account)
    return 0 if row is None else row.debit - row.credit


@pytest.fixture
def people(django_user_model):
    user, org = client()
    return user, org, staff("reviewer"), staff("treasury")


def test_individual_guarantee_premium_default_claim_assignment_recovery(people):
    user, org, reviewer, treasury = people
    contract, inv = active_individual(user, org, reviewer)
    code = client_code(org.pk)
    # Premium = guaranteed amount × the normal grade's 2%, 円未満切捨て; booked as unearned.
    assert contract.status == "active"
    assert contract.premium_rate == Decimal("0.02")
    assert contract.premium_charged == 20_000
    assert contract.signed_pdf
    assert bytes(contract.signed_pdf).startswith(b"%PDF")
    assert len(PdfReader(__import__("io").BytesIO(bytes(contract.signed_pdf))).pages) >= 1
    assert balance(book.premium_receivable(code)) == 20_000
    assert balance(book.UNEARNED_PREMIUM) == -20_000
    # The contingent liability, as a memo pair.
    assert balance(book.MEMO_ASSET) == 1_000_000
    assert balance(book.MEMO) == -1_000_000
    assert balanced()

    services.record_premium_payment(
        contract,
        amount=20_000,
        received_on=timezone.localdate(),
        reference="P1",
        acting_user=treasury,
    )
    # Twice the same bank reference: booked once.
    services.record_premium_payment(
        contract,
        amount=20_000,
        received_on=timezone.localdate(),
        reference="P1",
        acting_user=treasury,
    )
    contract.refresh_from_db()
    assert contract.premium_paid == 20_000
    assert balance(book.premium_receivable(code)) == 0
    with pytest.raises(DomainError, match="未入金の保証料"):
        services.record_premium_payment(
            contract,
            amount=1,
            received_on=timezone.localdate(),
            reference="P2",
            acting_user=treasury,
        )

    # Ten days on, part of the premium is earned (evenly over the 91-day term).
    with travel_to(timezone.localdate() + timedelta(days=9)):
        services.run_daily(acting_user=treasury)
    contract.refresh_from_db()
    assert contract.premium_earned == 20_000 * 10 // 91
    assert balance(book.PREMIUM_INCOME) == -(20_000 * 10 // 91)

    # The debtor defaults; the client files a claim with evidence.
    receivable = contract.receivables.get()
    with pytest.raises(DomainError, match="PDF・PNG・JPEG"):
        services.file_claim(
            receivable,
            default_on=timezone.localdate(),
            unpaid_amount=1_100_000,
            reason="売掛先の破産",
            evidence_name="x.exe",
            evidence=b"MZ\x90\x00",
            acting_user=user,
        )
    with pytest.raises(DomainError, match="未回収額"):
        services.file_claim(
            receivable,
            default_on=timezone.localdate(),
            unpaid_amount=2_000_000,  # more than the guaranteed receivable's amount
            reason="売掛先の破産",
            evidence_name="notice.pdf",
            evidence=PDF,
            acting_user=user,
        )
    assert not Claim.objects.exists()  # nothing changed
    contract.waiting_days = 30
    contract.save(update_fields=["waiting_days"])
    claim = services.file_claim(
        receivable,
        default_on=timezone.localdate(),
        unpaid_amount=1_100_000,
        reason="売掛先の破産手続開始決定",
        evidence_name="notice.pdf",
        evidence=PDF,
        acting_user=user,
    )
    assert claim.evidence_type == "application/pdf"
    assert claim.payable_from == timezone.localdate() + timedelta(days=30)
    contract.refresh_from_db()
    assert contract.status == "claimed"
    # Not before the waiting period.
    with pytest.raises(DomainError, match="待機期間中"):
        services.pay_claim(claim, acting_user=reviewer)
    ageing = services.claims_ageing(timezone.localdate() + timedelta(days=5))
    assert [(line.claim.pk, line.stage, line.days) for line in ageing] == [(claim.pk, "claim", 5)]

    with travel_to(claim.payable_from):
        paid = services.pay_claim(claim, acting_user=reviewer, comment="破産の証拠を確認")
    # Paid within coverage: min(unpaid 1,100,000, coverage 1,000,000) × 100%.
    assert paid.paid_amount == 1_000_000
    assert paid.uncovered == 100_000
    assert paid.payout.kind == Payout.Kind.GUARANTEE
    assert paid.payout.amount == 1_000_000
    assert services.claim_state(paid)[0] == "approved"
    # The receivable is assigned to the platform.
    receivable.refresh_from_db()
    assert receivable.status == GuaranteedReceivable.Status.ASSIGNED
    assert Invoice.objects.get(pk=inv.pk).status == Invoice.Status.ASSIGNED
    assert AuditRecord.objects.filter(action="guarantee.receivable_assigned").exists()
    contract.refresh_from_db()
    assert contract.status == "closed"
    assert contract.contingent == 0
    assert balance(book.MEMO_ASSET) == 0
    assert balance(book.MEMO) == 0
    assert contract.premium_earned == 20_000  # the risk ended: all of the premium is earned
    assert balance(book.subrogated_receivable(code)) == 1_000_000
    # Paying twice is refused.
    with pytest.raises(DomainError, match="審査は終わっています"):
        services.pay_claim(claim, acting_user=reviewer)
    assert balanced()

    # Treasury's dual control sends it.
    batch = payouts.build_batch(
        acting_user=treasury, value_date=value_day(paid.payout.requested_for)
    )
    payouts.mark_sent(approved(batch), acting_user=treasury)
    paid.refresh_from_db()
    assert services.claim_state(paid)[0] == "paid"
    assert balanced()

    # Recovery from the debtor's estate, then the rest written off.
    services.record_recovery(
        paid, amount=300_000, received_on=timezone.localdate(), reference="R1", acting_user=treasury
    )
    services.record_recovery(
        paid, amount=300_000, received_on=timezone.localdate(), reference="R1", acting_user=treasury
    )
    paid.refresh_from_db()
    assert paid.recovered == 300_000
    with pytest.raises(DomainError, match="求償債権の残高"):
        services.record_recovery(
            paid,
            amount=800_000,
            received_on=timezone.localdate(),
            reference="R2",
            acting_user=treasury,
        )
    assert services.write_off_rest(paid, acting_user=treasury, comment="配当終了") == 700_000
    assert balance(book.subrogated_receivable(code)) == 0
    assert balanced()
    events = set(Notification.objects.filter(organization=org).values_list("event", flat=True))
    assert {
        "guarantee_received",
        "guarantee_approved",
        "guarantee_issued",
        "guarantee_claim_received",
        "guarantee_claim_paid",
    } <= events


def test_revolving_limit_usage_premium_and_limit(people):
    user, org, reviewer, _treasury = people
    first = invoice(org, user, 500_000)
    today = timezone.localdate()
    contract = services.apply(
        org,
        acting_user=user,
        scheme="revolving",
        debtor=first.debtor,
        invoice=None,
        requested_amount=1_000_000,
        period_start=today,
        period_end=today + timedelta(days=364),
    )
    services.decide(
        contract,
        acting_user=reviewer,
        approve=True,
        comment="",
        grade="high",
        premium_basis="usage",
        waiting_days=0,
    )
    contract.refresh_from_db()
    assert services.planned_premium(contract) == 0  # on usage: nothing at issue
    services.sign_contract(
        contract, acting_user=user, agreed_sha256=contract.contract_sha256, ip_address=None
    )
    contract.refresh_from_db()
    assert contract.status == "active"
    assert contract.premium_charged == 0
    row = services.report_receivable(contract, invoice=first, amount=None, acting_user=user)
    assert row.premium == 5_000  # 500,000 × 1% (high grade)
    second = invoice(org, user, 600_000)
    with pytest.raises(DomainError, match="保証極度額（1,000,000円）を超えます"):
        services.report_receivable(contract, invoice=second, amount=None, acting_user=user)
    services.report_receivable(contract, invoice=second, amount=500_000, acting_user=user)
    contract.refresh_from_db()
    assert contract.premium_charged == 10_000
    assert services.used(contract) == 1_000_000
    # Settled receivables free the limit again.
    services.record_settlement(row, acting_user=user)
    assert services.used(contract) == 500_000
    row.invoice.refresh_from_db()
    assert row.invoice.status == "settled"  # paid: it backs nothing else
    assert balanced()


def test_platform_wide_debtor_limit_counts_every_product(people):
    user, org, reviewer, _treasury = people
    _contract, inv = active_individual(user, org, reviewer)
    identity = inv.debtor.identity
    exposure = exposure_of(identity.pk)
    assert exposure.by_source["guarantees"] == 1_000_000
    assert {"positions", "loan_collateral", "guarantees"} <= set(exposure.by_source)
    services.set_debtor_limit(identity, limit=1_500_000, note="", acting_user=reviewer)
    other = invoice(org, user, 800_000)
    today = timezone.localdate()
    second = services.apply(
        org,
        acting_user=user,
        scheme="individual",
        debtor=other.debtor,
        invoice=other,
        requested_amount=800_000,
        period_start=today,
        period_end=today + timedelta(days=90),
    )
    with pytest.raises(DomainError) as caught:
        services.decide(second, acting_user=reviewer, approve=True, comment="", grade="normal")
    message = caught.value.message
    assert "1,500,000円" in message
    assert "1,000,000円" in message
    assert "800,000円" in message
    assert "300,000円" in message  # the excess
    second.refresh_from_db()
    assert second.status == "submitted"  # nothing changed


def test_validation_and_decline(people):
    user, org, reviewer, _ = people
    inv = invoice(org, user, 100_000)
    today = timezone.localdate()
    with pytest.raises(DomainError, match="債権の額面"):
        services.apply(
            org,
            acting_user=user,
            scheme="individual",
            debtor=inv.debtor,
            invoice=inv,
            requested_amount=100_001,
            period_start=today,
            period_end=today + timedelta(days=90),
        )
    with pytest.raises(DomainError, match="1年以内"):
        services.apply(
            org,
            acting_user=user,
            scheme="revolving",
            debtor=inv.debtor,
            invoice=None,
            requested_amount=100_000,
            period_start=today,
            period_end=today + timedelta(days=400),
        )
    contract = services.apply(
        org,
        acting_user=user,
        scheme="individual",
        debtor=inv.debtor,
        invoice=inv,
        requested_amount=100_000,
        period_start=today,
        period_end=today + timedelta(days=90),
    )
    with pytest.raises(DomainError, match="理由"):
        services.decide(contract, acting_user=reviewer, approve=False, comment=" ")
    services.decide(contract, acting_user=reviewer, approve=False, comment="売掛先の信用不足")
    assert GuaranteeContract.objects.get(pk=contract.pk).status == "declined"
    assert not ledger.entries_for(f"guarantee:{contract.pk}:issue").exists()


def test_expiry_releases_contingent_and_earns_all(people):
    user, org, reviewer, treasury = people
    contract, _ = active_individual(user, org, reviewer)
    # Half way through, from cron: half the premium (91-day term) is earned, once.
    half = contract.period_start + timedelta(days=45)
    call_command("guarantees_daily", "--date", half.isoformat(), stdout=io.StringIO())
    call_command("guarantees_daily", "--date", half.isoformat(), stdout=io.StringIO())
    contract.refresh_from_db()
    assert contract.premium_earned == contract.premium_charged * 46 // 91
    with travel_to(contract.period_end + timedelta(days=1)):
        result = services.run_daily(acting_user=treasury)
    assert result["ended"] == 1
    contract.refresh_from_db()
    assert contract.status == "expired"
    assert contract.contingent == 0
    assert contract.premium_earned == contract.premium_charged
    assert balance(book.MEMO) == 0
    assert balanced()
