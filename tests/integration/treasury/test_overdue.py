"""Overdue purchased receivables: ageing page and CSV, reminders over real SMTP, escalation,
default and write-off with balanced ledger entries (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.test import Client

from tests.fixtures.deals import make_deal
from urikake.audit.models import AuditRecord
from urikake.domain import ledger as book
from urikake.domain.errors import DomainError
from urikake.ledger import services as ledger
from urikake.ledger.models import LedgerEntry
from urikake.receivables.models import FinancingApplication
from urikake.servicing import overdue
from urikake.servicing.models import Position, PositionNote
from urikake.servicing.tasks import send_daily_reminders
from urikake.treasury.models import Payout
from urikake.treasury.policy import client_code, debtor_code

pytestmark = pytest.mark.django_db


# --- helpers (also used by test_my_treasury.py) -------------------------------------------------


def purchased(product: str = "three_party", **deal_kwargs: Any) -> Position:
    """A funded deal's purchased receivable, with its purchase entry posted to the ledger.

    Funding is not part of this module: the row and the entry are made here the way funding
    makes them (amounts from the accepted offer, expected on the offer's settlement date).
    """
    deal = make_deal(product=product, **deal_kwargs)
    FinancingApplication.objects.filter(pk=deal.application.pk).update(status="funded")
    offer = deal.application.offer["invoices"][0]
    p = Position.objects.create(
        application=deal.application,
        invoice=deal.invoice,
        organization=deal.organization,
        debtor=deal.debtor,
        product=product,
        face_amount=offer["face_amount"],
        advance_amount=offer["advance_amount"],
        fee=offer["fee"],
        admin_fee=offer["admin_fee"],
        holdback=offer["holdback"],
        due_date=date.fromisoformat(offer["due_date"]),
        expected_on=date.fromisoformat(offer["settlement_date"]),
    )
    ledger.post(
        book.purchase_receivable(
            f"purchase:{p.pk}",
            date.fromisoformat(offer["payout_date"]),
            client=client_code(deal.organization.pk),
            debtor=debtor_code(deal.debtor.pk),
            face=p.face_amount,
            fee=p.fee + p.admin_fee,
            reserve_amount=p.holdback,
        ),
        actor="system:test",
    )
    return p


def staff_user(django_user_model: Any, email: str, role: str = "treasury") -> Any:
    user = django_user_model.objects.create_user(
        email=email, password="x" * 20, is_staff=True, staff_role=role
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    return user


def staff_client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def audit_actions(p: Position) -> list[str]:
    return list(
        AuditRecord.objects.filter(
            object_type="servicing.position", object_id=str(p.pk)
        ).values_list("action", flat=True)
    )


# --- ageing --------------------------------------------------------------------------------------


def test_ageing_page_and_csv(django_user_model: Any) -> None:
    late = purchased("three_party")
    fresh = purchased("two_party", amount=2_200_000)
    as_of = late.expected_on + timedelta(days=45)  # 45 days late: 31–60
    # The two-party one was reported collected; its forward deadline is 70 days before as_of.
    Position.objects.filter(pk=fresh.pk).update(forward_due_on=as_of - timedelta(days=70))
    client = staff_client(staff_user(django_user_model, "t@staff.example"))
    html = client.get(f"/backoffice/treasury/overdue/?as_of={as_of:%Y-%m-%d}").content.decode()
    assert late.organization.name in html
    assert "31〜60日" in html
    assert f"{late.residual:,}" in html
    assert f"/backoffice/treasury/overdue/{late.pk}/" in html
    assert f"/backoffice/treasury/overdue/{fresh.pk}/" in html

    response = client.get(f"/backoffice/treasury/overdue/ageing.csv?as_of={as_of:%Y-%m-%d}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header = rows[0]
    by_client = {r[1]: r for r in rows[1:] if r[0] == "顧客"}
    late_row = by_client[client_code(late.organization_id)]
    assert int(late_row[header.index("31〜60日(円)")]) == late.residual
    assert int(late_row[header.index("31〜60日(件)")]) == 1
    fresh_row = by_client[client_code(fresh.organization_id)]
    assert int(fresh_row[header.index("61〜90日(円)")]) == fresh.residual
    total = next(r for r in rows if r[0] == "合計")
    assert int(total[header.index("合計(円)")]) == late.residual + fresh.residual
    # Both deals share one debtor company: one debtor row carries both.
    debtor_rows = [r for r in rows if r[0] == "売掛先"]
    assert len(debtor_rows) == 1
    assert int(debtor_rows[0][header.index("合計(件)")]) == 2


def test_not_yet_due_is_not_overdue() -> None:
    p = purchased("three_party")
    assert overdue.overdue_items(p.expected_on) == []
    assert [i.purchase.pk for i in overdue.overdue_items(p.expected_on + timedelta(days=1))] == [
        p.pk
    ]
    report = overdue.ageing_report(p.expected_on).report
    assert report.total.amounts[0] == p.residual  # 期日未到来


# --- reminders -----------------------------------------------------------------------------------


def _remind(on: date, *extra: str) -> str:
    out = io.StringIO()
    call_command("treasury_remind", "--date", on.isoformat(), *extra, stdout=out)
    return out.getvalue()


def test_reminders_are_sent_once_per_step_over_smtp_and_escalate(
    smtp_server: Any, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.TREASURY_REMINDER_DAYS = [1, 7, 14]
    settings.TREASURY_ESCALATE_AFTER_DAYS = 30
    p = purchased("three_party")
    owner = p.organization.memberships.get(role="owner").user
    due = p.expected_on

    assert "督促 0件" in _remind(due)  # on the due date: not late yet
    with django_capture_on_commit_callbacks(execute=True):
        out = _remind(due + timedelta(days=1))
    assert "督促 1件（メール 1通）" in out
    first = smtp_server.wait_for(owner.email, subject_contains="第1回")
    body = smtp_server.body(first)
    assert "お支払いがまだ確認できておりません" in body
    assert f"¥{p.residual:,}" in body
    assert f"/my/treasury/{p.pk}/" in body

    # Again the same day, and on a day between steps: nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        _remind(due + timedelta(days=1))
        _remind(due + timedelta(days=3))
    assert len(smtp_server.messages) == 1

    # A dry run reports step 2 but neither mails nor records it.
    assert "督促 1件" in _remind(due + timedelta(days=7), "--dry-run")
    p.refresh_from_db()
    assert p.reminders_sent == 1

    with django_capture_on_commit_callbacks(execute=True):
        _remind(due + timedelta(days=7))
        _remind(due + timedelta(days=14))
        _remind(due + timedelta(days=14))
    smtp_server.wait_for(owner.email, subject_contains="第3回")
    assert len(smtp_server.messages) == 3
    p.refresh_from_db()
    assert p.reminders_sent == 3
    assert p.escalated_on is None

    with django_capture_on_commit_callbacks(execute=True):
        out = _remind(due + timedelta(days=30))
        _remind(due + timedelta(days=31))
    assert "エスカレーション 1件" in out
    p.refresh_from_db()
    assert p.escalated_on == due + timedelta(days=30)
    assert len(smtp_server.messages) == 3  # escalation is for the back office, not a 4th mail
    actions = audit_actions(p)
    assert actions.count("purchase.reminded") == 3
    assert actions.count("purchase.escalated") == 1


def test_two_party_reminder_asks_to_forward(
    smtp_server: Any, django_capture_on_commit_callbacks: Any, django_user_model: Any
) -> None:
    p = purchased("two_party")
    owner = p.organization.memberships.get(role="owner").user
    deadline = overdue.deadline_of(p)
    assert deadline > p.expected_on  # expected date + forwarding days
    with django_capture_on_commit_callbacks(execute=True):
        result = send_daily_reminders.call((deadline + timedelta(days=1)).isoformat())
    assert result["reminded"] == 1
    message = smtp_server.wait_for(owner.email, subject_contains="回収金のお振込みのお願い")
    body = smtp_server.body(message)
    assert f"¥{p.residual:,}" in body
    assert f"{deadline.year}年{deadline.month}月{deadline.day}日 までに当社口座へ" in body

    # The escalated item is highlighted in the back office.
    Position.objects.filter(pk=p.pk).update(escalated_on=deadline)
    client = staff_client(staff_user(django_user_model, "t@staff.example"))
    as_of = deadline + timedelta(days=40)
    html = client.get(f"/backoffice/treasury/overdue/?as_of={as_of:%Y-%m-%d}").content.decode()
    assert 'class="highlight"' in html
    assert "エスカレーション" in html


def test_a_client_who_reads_english_gets_the_reminder_in_english(
    smtp_server: Any, django_capture_on_commit_callbacks: Any
) -> None:
    p = purchased("two_party")
    owner = p.organization.memberships.get(role="owner").user
    type(owner).objects.filter(pk=owner.pk).update(preferred_language="en")
    deadline = overdue.deadline_of(p)
    with django_capture_on_commit_callbacks(execute=True):
        send_daily_reminders.call((deadline + timedelta(days=1)).isoformat())
    message = smtp_server.wait_for(owner.email, subject_contains="Please transfer the collected")
    body = smtp_server.body(message)
    assert f"¥{p.residual:,}" in body
    assert f"to our account by {deadline.day} {deadline:%B} {deadline.year}" in body
    assert "当社" not in body
    assert "期限" not in body


def test_defaulted_items_get_no_reminders(django_user_model: Any) -> None:
    p = purchased("three_party")
    overdue.mark_default(
        p, acting_user=staff_user(django_user_model, "t@staff.example"), comment="倒産"
    )
    summary = overdue.send_reminders(today=p.expected_on + timedelta(days=7), actor="system:t")
    assert summary.reminded == []


# --- default and write-off ----------------------------------------------------------------------


def test_mark_default_moves_the_application(django_user_model: Any) -> None:
    p = purchased("three_party")
    client = staff_client(staff_user(django_user_model, "t@staff.example"))
    url = f"/backoffice/treasury/overdue/{p.pk}/default/"
    # Without the confirmation box nothing happens.
    response = client.post(url, {"default-comment": "倒産の連絡あり"})
    assert response.status_code == 400
    p.refresh_from_db()
    assert p.status == "open"
    response = client.post(url, {"default-comment": "倒産の連絡あり", "default-confirm": "on"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "defaulted"
    assert FinancingApplication.objects.get(pk=p.application_id).status == "defaulted"
    assert "purchase.defaulted" in audit_actions(p)
    # The reason is kept beside the trail, which only points to it (free text may name people).
    record = AuditRecord.objects.get(action="purchase.defaulted")
    assert "倒産" not in str(record.payload)
    assert PositionNote.objects.get(pk=record.payload["note"]).comment == "倒産の連絡あり"
    assert "倒産の連絡あり" in client.get(f"/backoffice/treasury/overdue/{p.pk}/").content.decode()
    assert AuditRecord.objects.filter(
        action="application.defaulted", object_id=str(p.application_id)
    ).exists()
    # Twice is refused.
    response = client.post(url, {"default-comment": "再度", "default-confirm": "on"})
    assert response.status_code == 400


def _receivable_account(p: Position) -> str:
    return book.receivable(client_code(p.organization_id), debtor_code(p.debtor_id))


def test_write_off_offsets_the_holdback_then_books_the_loss(django_user_model: Any) -> None:
    p = purchased("three_party")
    account = _receivable_account(p)
    reserve_account = book.reserve(client_code(p.organization_id))
    assert ledger.balance(account) == p.face_amount
    reserve_before = ledger.balance(reserve_account)
    residual = p.residual
    assert 0 < p.holdback < residual

    proposer = staff_client(staff_user(django_user_model, "t@staff.example"))
    response = proposer.post(
        f"/backoffice/treasury/overdue/{p.pk}/write-off/",
        {"write_off-comment": "破産手続開始", "write_off-confirm": "on"},
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "open"  # proposed only: nothing booked yet
    assert ledger.balance(account) == p.face_amount
    proposal = overdue.pending_write_off(p)
    assert proposal is not None
    approver = staff_client(staff_user(django_user_model, "t2@staff.example"))
    response = approver.post(
        f"/backoffice/treasury/overdue/{p.pk}/write-off/approve/",
        {
            "approve-comment": "確認済み",
            "approve-confirm": "on",
            "approve-proposal": proposal.seq,
        },
    )
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == "written_off"
    assert p.residual == 0
    assert p.shortfall_written_off == residual
    assert ledger.balance(account) == 0
    assert ledger.balance(reserve_account) == reserve_before + p.holdback
    assert ledger.balance(book.WRITE_OFF) == residual - p.holdback
    for entry_id in (f"reserve_offset:{p.pk}", f"write_off:{p.pk}"):
        entry = LedgerEntry.objects.get(entry_id=entry_id)
        assert sum(leg.amount for leg in entry.legs.all()) == 0
    assert ledger.trial_balance().balanced
    assert "purchase.written_off" in audit_actions(p)
    record = AuditRecord.objects.get(action="purchase.written_off", object_id=str(p.pk))
    assert record.payload["reserve_offset"] == p.holdback
    assert record.payload["written_off"] == residual - p.holdback
    assert FinancingApplication.objects.get(pk=p.application_id).status == "defaulted"

    # Nothing is left: a second write-off is refused and posts nothing.
    entries = LedgerEntry.objects.count()
    with pytest.raises(DomainError) as exc:
        overdue.write_off(
            p, acting_user=staff_user(django_user_model, "u@staff.example"), comment="x"
        )
    assert exc.value.code == "treasury.nothing_to_write_off"
    assert LedgerEntry.objects.count() == entries


def test_a_small_residual_is_covered_by_the_holdback_alone(django_user_model: Any) -> None:
    p = purchased("three_party")
    client, debtor = client_code(p.organization_id), debtor_code(p.debtor_id)
    left = p.holdback // 2
    received = p.face_amount - left
    ledger.post(
        book.collection(
            f"collection:test:{p.pk}",
            p.expected_on,
            client=client,
            debtor=debtor,
            cash_account=book.cash("0001", "001", "1234567"),
            received=received,
        ),
        actor="system:test",
    )
    Position.objects.filter(pk=p.pk).update(collected_amount=received)
    p.refresh_from_db()
    assert not overdue.write_off(
        p, acting_user=staff_user(django_user_model, "t@staff.example"), comment="端数不足"
    ).done
    outcome = overdue.write_off(
        p, acting_user=staff_user(django_user_model, "t2@staff.example"), comment="承認"
    )
    assert outcome.done
    assert (outcome.reserve_offset, outcome.written_off) == (left, 0)
    assert not LedgerEntry.objects.filter(entry_id=f"write_off:{p.pk}").exists()
    assert ledger.balance(_receivable_account(p)) == 0
    # The rest of the holdback goes back to the client, as a payout.
    p.refresh_from_db()
    assert p.reserve_applied == left
    release = Payout.objects.get(purchase=p, kind="reserve")
    assert release.amount == p.holdback - left
    assert ledger.balance(book.reserve(client)) == 0
    net = p.advance_amount - p.fee - p.admin_fee  # the advance: not paid out in this test
    assert ledger.balance(book.client_payable(client)) == -net - (p.holdback - left)


def test_large_write_offs_need_a_second_staff_user(django_user_model: Any, settings: Any) -> None:
    p = purchased("three_party")
    settings.FOUR_EYES_THRESHOLD_YEN = p.residual  # "at least": exactly the threshold counts
    first = staff_user(django_user_model, "t1@staff.example")
    second = staff_user(django_user_model, "t2@staff.example")
    outcome = overdue.write_off(p, acting_user=first, comment="回収不能")
    assert not outcome.done
    assert (
        not LedgerEntry.objects.filter(entry_id__endswith=f":{p.pk}")
        .exclude(entry_id=f"purchase:{p.pk}")
        .exists()
    )
    with pytest.raises(DomainError) as exc:
        overdue.write_off(p, acting_user=first, comment="もう一度")
    assert exc.value.code == "treasury.four_eyes"
    html = staff_client(second).get(f"/backoffice/treasury/overdue/{p.pk}/").content.decode()
    assert "償却を承認する" in html
    outcome = overdue.write_off(p, acting_user=second, comment="承認")
    assert outcome.done
    assert ledger.balance(_receivable_account(p)) == 0
    actions = audit_actions(p)
    assert actions.index("purchase.write_off_requested") < actions.index("purchase.written_off")


def test_only_treasury_staff_may_default_or_write_off(django_user_model: Any) -> None:
    p = purchased("three_party")
    reviewer = staff_user(django_user_model, "r@staff.example", role="reviewer")
    with pytest.raises(DomainError) as exc:
        overdue.write_off(p, acting_user=reviewer, comment="x")
    assert exc.value.code == "treasury.forbidden"
    response = staff_client(reviewer).post(
        f"/backoffice/treasury/overdue/{p.pk}/write-off/",
        {"write_off-comment": "x", "write_off-confirm": "on"},
    )
    assert response.status_code == 403
    p.refresh_from_db()
    assert p.status == "open"


def test_a_request_for_a_stale_residual_is_replaced(django_user_model: Any, settings: Any) -> None:
    settings.FOUR_EYES_THRESHOLD_YEN = 1
    p = purchased("three_party")
    first = staff_user(django_user_model, "t1@staff.example")
    second = staff_user(django_user_model, "t2@staff.example")
    assert not overdue.write_off(p, acting_user=first, comment="回収不能").done
    # Part of the money arrives after the request.
    ledger.post(
        book.collection(
            f"collection:test:{p.pk}",
            p.expected_on,
            client=client_code(p.organization_id),
            debtor=debtor_code(p.debtor_id),
            cash_account=book.cash("0001", "001", "1234567"),
            received=100_000,
        ),
        actor="system:test",
    )
    Position.objects.filter(pk=p.pk).update(collected_amount=100_000)
    p.refresh_from_db()
    # The second user's call does not approve the old amount: it is a new request ...
    assert not overdue.write_off(p, acting_user=second, comment="残額で再申請").done
    assert overdue.pending_write_off(p).payload["residual"] == p.residual
    # ... which the first user may approve.
    outcome = overdue.write_off(p, acting_user=first, comment="承認")
    assert outcome.done
    assert outcome.reserve_offset + outcome.written_off == p.face_amount - 100_000
    assert ledger.balance(_receivable_account(p)) == 0


def test_write_off_after_real_funding_clears_the_receivable(treasury_staff: Any) -> None:
    """Through the real funding path (perfection, advance payout): the client's receivable
    account ends at 0 and the trial balance stays balanced."""
    from tests.integration.treasury.helpers import approved, funded_deal, second_treasury_user
    from urikake.treasury import payouts
    from urikake.treasury.models import Payout

    deal = funded_deal(treasury_staff, "two_party")
    p = Position.objects.get(application=deal.application)
    # Not before the advance has left: that would be a cancellation, not a default.
    with pytest.raises(DomainError) as exc:
        overdue.write_off(p, acting_user=treasury_staff, comment="早すぎる")
    assert exc.value.code == "treasury.not_funded"
    advance = Payout.objects.get(application=deal.application)
    batch = payouts.build_batch(acting_user=treasury_staff, value_date=advance.requested_for)
    payouts.mark_sent(approved(batch), acting_user=treasury_staff)
    summary = overdue.send_reminders(
        today=overdue.deadline_of(p) + timedelta(days=31), actor="system:test"
    )
    assert summary.reminded == [(p.pk, 3)]  # missed steps collapse into one reminder
    assert summary.escalated == [p.pk]
    overdue.mark_default(p, acting_user=treasury_staff, comment="転送なし・連絡不通")
    assert not overdue.write_off(p, acting_user=treasury_staff, comment="回収不能").done
    outcome = overdue.write_off(p, acting_user=second_treasury_user(), comment="承認")
    assert outcome.done
    assert ledger.balance(_receivable_account(p)) == 0
    assert ledger.trial_balance().balanced
    assert FinancingApplication.objects.get(pk=p.application_id).status == "defaulted"
