"""Dual control on money leaving: a payout batch prepared by one treasury user is approved by
another before its file can be downloaded or the batch marked sent; both steps audited."""

from __future__ import annotations

import pytest

from tests.integration.treasury.helpers import funded_deal, second_treasury_user
from urikake.audit.models import AuditRecord
from urikake.domain.errors import DomainError
from urikake.ledger.models import LedgerEntry
from urikake.treasury import payouts
from urikake.treasury.models import Payout, PayoutBatch

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(treasury_staff) -> PayoutBatch:
    funded_deal(treasury_staff)
    value_date = Payout.objects.get().requested_for
    made = payouts.build_batch(acting_user=treasury_staff, value_date=value_date)
    assert made is not None
    return made


def _refused(code: str, call) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code
    return caught.value


def test_the_preparer_cannot_approve_download_or_send(batch, treasury_staff) -> None:
    assert batch.status == "generated"
    assert batch.created_actor == f"user:{treasury_staff.pk}"
    error = _refused(
        "payout.same_person", lambda: payouts.approve_batch(batch, acting_user=treasury_staff)
    )
    assert "同じデータを承認できません" in error.message
    _refused(
        "payout.batch_not_approved",
        lambda: payouts.released_file(batch),
    )
    error = _refused(
        "payout.batch_not_approved", lambda: payouts.mark_sent(batch, acting_user=treasury_staff)
    )
    assert "まだ承認されていません" in error.message
    batch.refresh_from_db()
    assert batch.status == "generated"
    assert batch.approved_by is None
    assert not LedgerEntry.objects.filter(entry_id__startswith="payout:").exists()
    assert not AuditRecord.objects.filter(
        action__in=["treasury.batch_approved", "treasury.batch_sent"]
    ).exists()


def test_only_a_person_with_the_treasury_role_approves(batch, django_user_model) -> None:
    reviewer = django_user_model.objects.create_user(
        email="reviewer@staff.example", password="x" * 20, is_staff=True, staff_role="reviewer"
    )
    for actor in ("system:demo", "cli:treasury", reviewer):
        _refused(
            "payout.approver_not_treasury",
            lambda actor=actor: payouts.approve_batch(batch, acting_user=actor),
        )
    batch.refresh_from_db()
    assert batch.status == "generated"


def test_a_second_user_approves_then_the_file_leaves_and_the_batch_is_sent(
    batch, treasury_staff
) -> None:
    approver = second_treasury_user()
    done = payouts.approve_batch(batch, acting_user=approver)
    assert done.status == "approved"
    assert done.approved_by == approver
    assert done.approved_at is not None
    assert payouts.approve_batch(batch, acting_user=approver).approved_at == done.approved_at
    approval = AuditRecord.objects.get(action="treasury.batch_approved")
    assert approval.actor == f"user:{approver.pk}"
    assert approval.payload["prepared_by"] == f"user:{treasury_staff.pk}"
    generated = AuditRecord.objects.get(action="treasury.batch_generated")
    assert generated.actor == f"user:{treasury_staff.pk}"

    assert payouts.released_file(done) == bytes(batch.file_content)
    sent = payouts.mark_sent(done, acting_user=treasury_staff)
    assert sent.status == "sent"
    assert LedgerEntry.objects.filter(entry_id__startswith="payout:").count() == 1
    # Once approved (or sent), nobody approves it again.
    _refused(
        "payout.batch_not_pending", lambda: payouts.approve_batch(sent, acting_user=treasury_staff)
    )
