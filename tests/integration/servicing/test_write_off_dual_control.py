"""Write-off under dual control (issue 10, item 5): one treasury user proposes, a different
one approves, and only the approval writes the ledger; both steps are audited, the proposer
cannot approve (service and page), and the holdback already used for a payer-deducted fee
is not used twice."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.treasury.test_overdue import (
    audit_actions,
    purchased,
    staff_client,
    staff_user,
)
from urikake.domain import ledger as book
from urikake.domain.errors import DomainError
from urikake.ledger import services as ledger
from urikake.ledger.models import LedgerEntry
from urikake.servicing import overdue
from urikake.servicing.models import Position
from urikake.treasury.policy import client_code, debtor_code

pytestmark = pytest.mark.django_db


def _entries_of(p: Position) -> list[str]:
    return sorted(
        LedgerEntry.objects.filter(entry_id__endswith=f":{p.pk}")
        .exclude(entry_id=f"purchase:{p.pk}")
        .values_list("entry_id", flat=True)
    )


def test_a_small_write_off_also_needs_two_people(django_user_model: Any, settings: Any) -> None:
    settings.FOUR_EYES_THRESHOLD_YEN = 10**12  # far below the old four-eyes threshold
    p = purchased("three_party")
    first = staff_user(django_user_model, "w1@staff.example")
    second = staff_user(django_user_model, "w2@staff.example")

    outcome = overdue.propose_write_off(p, acting_user=first, comment="破産手続開始")
    assert not outcome.done
    assert _entries_of(p) == []  # nothing booked by a proposal
    p.refresh_from_db()
    assert p.status == "open"
    proposal = overdue.pending_write_off(p)
    assert proposal is not None
    assert proposal.actor == f"user:{first.pk}"
    assert proposal.payload["residual"] == p.residual

    # The proposer cannot approve, and nothing changes.
    with pytest.raises(DomainError) as exc:
        overdue.approve_write_off(p, acting_user=first, comment="自分で承認")
    assert exc.value.code == "treasury.four_eyes"
    assert _entries_of(p) == []
    # Proposing again the same amount is refused too (it is waiting for someone else).
    with pytest.raises(DomainError) as exc:
        overdue.propose_write_off(p, acting_user=first, comment="再申請")
    assert exc.value.code == "treasury.write_off_pending"

    outcome = overdue.approve_write_off(
        p, acting_user=second, comment="確認しました", proposal=proposal.seq
    )
    assert outcome.done
    assert _entries_of(p) == [f"reserve_offset:{p.pk}", f"write_off:{p.pk}"]
    assert ledger.trial_balance().balanced
    actions = audit_actions(p)
    assert actions.index("purchase.write_off_requested") < actions.index("purchase.written_off")
    from urikake.audit.models import AuditRecord

    done = AuditRecord.objects.get(action="purchase.written_off", object_id=str(p.pk))
    assert done.actor == f"user:{second.pk}"
    assert done.payload["proposed_by"] == f"user:{first.pk}"
    assert done.payload["proposal"] == proposal.seq


def test_no_approval_without_a_proposal_and_withdrawal(django_user_model: Any) -> None:
    p = purchased("three_party")
    first = staff_user(django_user_model, "w1@staff.example")
    second = staff_user(django_user_model, "w2@staff.example")
    with pytest.raises(DomainError) as exc:
        overdue.approve_write_off(p, acting_user=second, comment="申請なし")
    assert exc.value.code == "treasury.no_write_off_pending"
    overdue.propose_write_off(p, acting_user=first, comment="回収不能")
    stale = overdue.pending_write_off(p)
    assert stale is not None
    overdue.withdraw_write_off(p, acting_user=first, comment="入金の連絡あり")
    assert overdue.pending_write_off(p) is None
    with pytest.raises(DomainError) as exc:
        overdue.approve_write_off(p, acting_user=second, comment="承認", proposal=stale.seq)
    assert exc.value.code == "treasury.no_write_off_pending"
    assert _entries_of(p) == []
    # A new proposal: the approver must approve the one they saw, not an older one.
    overdue.propose_write_off(p, acting_user=first, comment="やはり回収不能")
    with pytest.raises(DomainError):
        overdue.approve_write_off(p, acting_user=second, comment="承認", proposal=stale.seq)
    assert "purchase.write_off_withdrawn" in audit_actions(p)


def test_write_off_uses_only_the_holdback_left_after_a_fee(
    django_user_model: Any, settings: Any
) -> None:
    """Part of the holdback already paid a payer-deducted fee (reserve_applied): the
    write-off offsets only what is left, and the reserve account never goes past zero."""
    p = purchased("three_party")
    client, debtor = client_code(p.organization_id), debtor_code(p.debtor_id)
    reserve_account = book.reserve(client)
    fee = 880
    received = 200_000
    # The debtor paid part and deducted the transfer fee, charged to the client's holdback.
    ledger.post(
        book.journal_entry(
            f"collection:test:{p.pk}",
            p.expected_on,
            "一部回収（先方差引手数料は留保金から）",
            [
                (book.cash("0001", "001", "1234567"), received - fee),
                *book.collection_legs(
                    client=client,
                    debtor=debtor,
                    amount=received,
                    fee_deducted=fee,
                    fee_from_reserve=fee,
                ),
            ],
        ),
        actor="system:test",
    )
    Position.objects.filter(pk=p.pk).update(
        collected_amount=received - fee, fee_deducted=fee, reserve_applied=fee
    )
    p.refresh_from_db()
    assert overdue.holdback_left(p) == p.holdback - fee
    plan = overdue.write_off_plan(p)
    assert plan.reserve_offset == p.holdback - fee
    assert plan.loss == p.residual - (p.holdback - fee)

    overdue.propose_write_off(
        p, acting_user=staff_user(django_user_model, "a@s.example"), comment="x"
    )
    outcome = overdue.approve_write_off(
        p, acting_user=staff_user(django_user_model, "b@s.example"), comment="y"
    )
    assert outcome.reserve_offset == p.holdback - fee  # not the full holdback
    assert outcome.written_off == plan.loss
    p.refresh_from_db()
    assert p.reserve_applied == p.holdback
    assert ledger.balance(reserve_account) == 0  # nothing left to pay back, nothing overdrawn
    assert ledger.balance(book.receivable(client, debtor)) == 0
    assert ledger.trial_balance().balanced


def test_the_page_refuses_the_proposer_and_lets_a_colleague_approve(
    django_user_model: Any,
) -> None:
    p = purchased("three_party")
    first_user = staff_user(django_user_model, "w1@staff.example")
    first = staff_client(first_user)
    second = staff_client(staff_user(django_user_model, "w2@staff.example"))
    url = f"/backoffice/treasury/overdue/{p.pk}/"

    response = first.post(
        url + "write-off/", {"write_off-comment": "回収不能", "write_off-confirm": "on"}
    )
    assert response.status_code == 302
    page = first.get(url).content.decode()
    assert "ご自身の申請は承認できません" in page
    assert "償却を承認する" not in page
    assert "w1@staff.example" in page  # who proposed, by name, not user:<pk>
    proposal = overdue.pending_write_off(p)
    assert proposal is not None
    # Forcing the POST anyway: refused with a clear message, nothing booked.
    data = {"approve-comment": "自分で", "approve-confirm": "on", "approve-proposal": proposal.seq}
    response = first.post(url + "write-off/approve/", data)
    assert response.status_code == 400
    assert "別の担当者が承認してください" in response.content.decode()
    assert _entries_of(p) == []

    assert "償却を承認する" in second.get(url).content.decode()
    # The second user finds it in the list of proposals awaiting approval.
    listing = second.get("/backoffice/treasury/overdue/").content.decode()
    assert 'id="write-off-proposals"' in listing
    assert f"/backoffice/treasury/overdue/{p.pk}/" in listing
    data["approve-comment"] = "確認済み"
    response = second.post(url + "write-off/approve/", data)
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "written_off"
    assert f"write_off:{p.pk}" in _entries_of(p)
    assert overdue.pending_write_offs() == []
    assert (
        'id="write-off-proposals"'
        not in second.get("/backoffice/treasury/overdue/").content.decode()
    )
