"""Overdue purchased receivables: ageing, the applicant's receipt report (2社間), reminders,
default and write-off.

Use this module for everything that happens after a position's due date; funding is
:mod:`urikake.servicing.funding`, applying collections :mod:`urikake.servicing.collections`,
payouts and reconciliation the treasury's (cash) modules. The rules
(deadlines, buckets, the reminder schedule) are in :mod:`urikake.domain.ageing`; this module
loads rows, calls those rules and changes state, one service function per state change:

* :func:`report_collection` — the client reports that the debtor paid it (two-party), which
  starts the forwarding deadline (``forward_due_on``);
* :func:`send_reminders` — the daily run (command ``treasury_remind`` and a django-tasks task):
  reminder mails to the client's owners on the configured days, escalation after N days;
* :func:`mark_default` — 債務不履行: the purchase and its application become ``defaulted``;
* :func:`propose_write_off` / :func:`approve_write_off` — 貸倒償却 under dual control: one
  treasury user proposes, a different one approves, and only the approval posts the ledger
  entries; the holdback (留保金) still held absorbs the loss first, the rest is booked as
  貸倒損失.

Every change is audited; ledger entries carry ids naming the purchase (``reserve_offset:<pk>``,
``write_off:<pk>``), so a retry finds them instead of posting twice.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from urikake.accounts.access import has_capability
from urikake.accounts.models import User
from urikake.accounts.roles import Capability
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.audit.models import AuditRecord
from urikake.audit.services import actor_label
from urikake.domain import ledger as book
from urikake.domain import safe_csv
from urikake.domain.ageing import (
    BUCKETS,
    AgeingItem,
    AgeingReport,
    Bucket,
    ReminderPlan,
    age,
    bucket_for,
    collection_deadline,
    days_past_due,
    reminder_plan,
)
from urikake.domain.applications import ApplicationStatus
from urikake.domain.bank_calendar import add_bank_business_days
from urikake.domain.errors import DomainError
from urikake.domain.positions import PositionStatus
from urikake.ledger import services as ledger
from urikake.notifications import services as notifications
from urikake.servicing import sold
from urikake.servicing.collections import release_reserve
from urikake.servicing.models import POSITION_AUDIT_TYPES, Position, PositionNote
from urikake.treasury.policy import client_code, debtor_code

__all__ = [
    "OverdueItem",
    "RemindSummary",
    "WriteOffOutcome",
    "ageing_csv",
    "ageing_report",
    "approve_write_off",
    "deadline_from",
    "deadline_of",
    "four_eyes_required",
    "history",
    "holdback_left",
    "mark_default",
    "outstanding",
    "overdue_items",
    "pending_write_off",
    "pending_write_offs",
    "propose_write_off",
    "report_collection",
    "reported_collections",
    "send_reminders",
    "withdraw_write_off",
    "write_off",
    "write_off_plan",
]

#: Purchases that still carry money owed to the platform (defaulted ones until written off).
OUTSTANDING = (Position.Status.OPEN, Position.Status.DEFAULTED)
MAX_COMMENT = 500


# --- reading ----------------------------------------------------------------------------------


def deadline_of(purchase: Position) -> date:
    """The day the money is due to the platform (see :func:`collection_deadline`)."""
    return deadline_from(purchase.product, purchase.expected_on, purchase.forward_due_on)


def deadline_from(product: str, expected_on: date, forward_due_on: date | None) -> date:
    """:func:`deadline_of` from a purchase's columns, for callers that read rows, not models."""
    return collection_deadline(
        product, expected_on, forward_due_on, forward_days=settings.TREASURY_FORWARD_DAYS
    )


def outstanding() -> QuerySet[Position]:
    return Position.objects.filter(status__in=OUTSTANDING).select_related(
        "organization", "debtor", "debtor__identity"
    )


@dataclass(frozen=True)
class OverdueItem:
    purchase: Position
    deadline: date
    days: int
    bucket: Bucket

    @property
    def residual(self) -> int:
        return self.purchase.residual


def _rows(purchases: Iterable[Position], as_of: date) -> list[OverdueItem]:
    rows = []
    for p in purchases:
        if p.residual <= 0:
            continue
        deadline = deadline_of(p)
        days = days_past_due(deadline, as_of)
        rows.append(OverdueItem(p, deadline, days, bucket_for(days)))
    return rows


def overdue_items(as_of: date, purchases: Iterable[Position] | None = None) -> list[OverdueItem]:
    """Outstanding purchases past their deadline on ``as_of``, the longest overdue first
    (``purchases``: an already loaded :func:`outstanding`, to read the rows once)."""
    loaded = outstanding() if purchases is None else purchases
    rows = [r for r in _rows(loaded, as_of) if r.bucket.overdue]
    return sorted(rows, key=lambda r: (-r.days, r.purchase.pk))


def _debtor_key(p: Position) -> str:
    # One debtor company can be registered by several clients; the ageing per debtor is about
    # the company (concentration risk), so it groups by the platform-wide identity.
    return f"DI{p.debtor.identity_id}"


@dataclass(frozen=True)
class AgeingView:
    report: AgeingReport
    client_names: dict[str, str]
    debtor_names: dict[str, str]


def ageing_report(as_of: date, purchases: Iterable[Position] | None = None) -> AgeingView:
    """The ageing table on ``as_of`` with display names for its keys."""
    purchases = list(outstanding() if purchases is None else purchases)
    items = [
        AgeingItem(p.pk, client_code(p.organization_id), _debtor_key(p), p.residual, deadline_of(p))
        for p in purchases
        if p.residual > 0
    ]
    return AgeingView(
        age(items, as_of),
        {client_code(p.organization_id): p.organization.name for p in purchases},
        {_debtor_key(p): p.debtor.identity.display_name or p.debtor.name for p in purchases},
    )


def ageing_csv(as_of: date) -> str:
    """The ageing table as CSV (one row per client, per debtor, and the total)."""
    view = ageing_report(as_of)
    out = io.StringIO()
    writer = safe_csv.writer(out, lineterminator="\r\n")
    header = ["区分", "コード", "名称"]
    for bucket in BUCKETS:
        header += [f"{bucket.label}(円)", f"{bucket.label}(件)"]
    writer.writerow([*header, "合計(円)", "合計(件)", "基準日"])

    def line(kind: str, key: str, name: str, row: Any) -> None:
        cells: list[object] = [kind, key, name]
        for _, amount, count in row.cells():
            cells += [amount, count]
        writer.writerow([*cells, row.total, row.count, as_of.isoformat()])

    for row in view.report.by_client:
        line("顧客", row.key, view.client_names.get(row.key, ""), row)
    for row in view.report.by_debtor:
        line("売掛先", row.key, view.debtor_names.get(row.key, ""), row)
    line("合計", "", "", view.report.total)
    return out.getvalue()


# --- the applicant's receipt report (2社間) ----------------------------------------------------


def report_collection(
    purchase: Position, *, acting_user: User, received_on: date, amount: int
) -> Position:
    """売掛先から入金がありました: the client received ``amount`` on ``received_on`` and must
    forward it within ``TREASURY_FORWARD_DAYS`` bank business days.

    A later report never moves an earlier forwarding deadline back: what was collected first
    is due first.
    """
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise DomainError(
            "treasury.report_amount", "入金額は1円以上で入力してください。", field="amount"
        )
    today = timezone.localdate()
    if received_on > today:
        raise DomainError(
            "treasury.report_future", "未来の日付は入力できません。", field="received_on"
        )
    with transaction.atomic():
        locked = Position.objects.select_for_update().get(pk=purchase.pk)
        if not locked.spec.client_forwards:
            raise DomainError(
                "treasury.report_not_two_party",
                "3社間の債権は売掛先から当社へ直接お支払いいただくため、報告は不要です。",
            )
        if locked.status != Position.Status.OPEN or locked.residual <= 0:
            raise DomainError("treasury.report_closed", "この債権はすでに回収が完了しています。")
        if amount > locked.residual:
            raise DomainError(
                "treasury.report_too_much",
                f"入金額が未回収額（{locked.residual:,}円）を超えています。",
                field="amount",
            )
        if received_on < timezone.localdate(locked.application.created_at):
            raise DomainError(
                "treasury.report_too_early",
                "お申込みより前の日付は入力できません。",
                field="received_on",
            )
        due = add_bank_business_days(received_on, settings.TREASURY_FORWARD_DAYS)
        if locked.forward_due_on is None or due < locked.forward_due_on:
            locked.forward_due_on = due
        locked.save(update_fields=["forward_due_on"])
        audit.record(
            "purchase.collection_reported",
            actor=acting_user,
            obj=locked,
            payload={
                "received_on": received_on,
                "amount": amount,
                "forward_due_on": locked.forward_due_on,
            },
        )
    return locked


def reported_collections(purchase: Position) -> list[dict[str, Any]]:
    """The client's receipt reports for one purchase (from the audit trail), oldest first."""
    return [
        {**r.payload, "reported_at": r.created_at}
        for r in AuditRecord.objects.filter(
            action="purchase.collection_reported",
            object_type__in=POSITION_AUDIT_TYPES,
            object_id=str(purchase.pk),
        ).order_by("seq")
    ]


# --- reminders ---------------------------------------------------------------------------------


@dataclass
class RemindSummary:
    today: date
    dry_run: bool
    checked: int = 0
    reminded: list[tuple[int, int]] = field(default_factory=list)  # (purchase pk, step)
    escalated: list[int] = field(default_factory=list)
    mails: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "checked": self.checked,
            "reminded": len(self.reminded),
            "escalated": len(self.escalated),
            "mails": self.mails,
        }

    def text(self) -> str:
        prefix = "[dry-run] " if self.dry_run else ""
        lines = [
            f"{prefix}{self.today.isoformat()}: 延滞の確認 {self.checked}件 / "
            f"督促 {len(self.reminded)}件（メール {self.mails}通） / "
            f"エスカレーション {len(self.escalated)}件"
        ]
        lines += [f"  督促 purchase:{pk} 第{step}回" for pk, step in self.reminded]
        lines += [f"  エスカレーション purchase:{pk}" for pk in self.escalated]
        return "\n".join(lines)


def _reminder_context(p: Position, deadline: date, step: int) -> dict[str, Any]:
    return {
        "organization_name": p.organization.name,
        "debtor_name": p.debtor.name,
        "client_forwards": p.spec.client_forwards,
        "amount": p.residual,
        "deadline": deadline,
        "step": step,
        "invoice_number": p.invoice.invoice_number,
        "url": settings.SITE_URL.rstrip("/") + reverse("treasury:detail", args=[p.pk]),
    }


def _plan(
    p: Position, days: int, today: date, steps: list[int], escalate_after: int
) -> ReminderPlan:
    return reminder_plan(
        days,
        steps=steps,
        sent=p.reminders_sent,
        last_sent_on=p.last_reminded_on,
        today=today,
        escalate_after=escalate_after,
        escalated=p.escalated_on is not None,
    )


#: A client who collects for the platform (two-party) is told this many days before its
#: forwarding deadline.
COLLECTION_DUE_NOTICE_DAYS = 3


def _collection_due_notice(row: OverdueItem, today: date) -> None:
    """Two-party: remind the client of the forwarding deadline a few days ahead (once per
    purchase — the notification's unique key makes a second run tell nobody again)."""
    p = row.purchase
    if not p.spec.client_forwards or not 0 <= (row.deadline - today).days <= (
        COLLECTION_DUE_NOTICE_DAYS
    ):
        return
    with transaction.atomic():
        notifications.notify(
            "collection_due",
            organization=p.organization,
            subject=f"purchase:{p.pk}:due",
            context={
                "invoice_number": p.invoice.invoice_number,
                "amount_yen": p.residual,
                "deadline_date": row.deadline.isoformat(),
            },
            url=reverse("treasury:detail", args=[p.pk]),
        )


def send_reminders(
    *, today: date | None = None, dry_run: bool = False, actor: Actor
) -> RemindSummary:
    """The daily reminder run: for each open purchase past its deadline, the reminder step due
    today (mailed to the client's owners after commit) and the escalation. Running it again
    on the same day sends nothing new."""
    today = today or timezone.localdate()
    steps = list(settings.TREASURY_REMINDER_DAYS)
    escalate_after = settings.TREASURY_ESCALATE_AFTER_DAYS
    summary = RemindSummary(today, dry_run)
    candidates = outstanding().filter(status=Position.Status.OPEN).order_by("pk")
    for row in _rows(candidates, today):
        if not row.bucket.overdue:
            if not dry_run:
                _collection_due_notice(row, today)
            continue
        summary.checked += 1
        if not _plan(row.purchase, row.days, today, steps, escalate_after).acts:
            continue  # nothing due by the unlocked read; the locked re-read below decides
        with transaction.atomic():
            # Lock and re-read: a second run (or the worker and the command at once) must see
            # what the first one wrote.
            p = (
                Position.objects.select_for_update()
                .select_related("organization", "debtor", "invoice")
                .get(pk=row.purchase.pk)
            )
            if p.status != Position.Status.OPEN or p.residual <= 0:
                continue
            deadline = deadline_of(p)
            days = days_past_due(deadline, today)
            plan = _plan(p, days, today, steps, escalate_after)
            if plan.step is not None:
                to = notifications.mail_recipients("collection_overdue", p.organization)
                summary.reminded.append((p.pk, plan.step))
                summary.mails += len(to)
                if not dry_run:
                    p.reminders_sent = plan.steps_reached
                    p.last_reminded_on = today
                    p.save(update_fields=["reminders_sent", "last_reminded_on"])
                    audit.record(
                        "purchase.reminded",
                        actor=actor,
                        obj=p,
                        payload={
                            "step": plan.step,
                            "days_past_due": days,
                            "residual": p.residual,
                            "recipients": len(to),
                        },
                    )
                    notifications.notify(
                        "collection_overdue",
                        organization=p.organization,
                        subject=f"purchase:{p.pk}:reminder:{plan.step}",
                        context={
                            "invoice_number": p.invoice.invoice_number,
                            "amount_yen": p.residual,
                            "deadline_date": deadline.isoformat(),
                        },
                        url=reverse("treasury:detail", args=[p.pk]),
                        mail_template="servicing/mail/reminder",
                        mail_context=_reminder_context(p, deadline, plan.step),
                    )
            if plan.escalate:
                summary.escalated.append(p.pk)
                if not dry_run:
                    p.escalated_on = today
                    p.save(update_fields=["escalated_on"])
                    audit.record(
                        "purchase.escalated",
                        actor=actor,
                        obj=p,
                        payload={"days_past_due": days, "residual": p.residual},
                    )
    return summary


# --- default and write-off -----------------------------------------------------------------


def _require_staff(user: User) -> None:
    if not has_capability(user, Capability.MANAGE_TREASURY):
        raise DomainError("treasury.forbidden", "資金管理の権限がありません。")


def _require_comment(comment: str) -> str:
    text = (comment or "").strip()
    if not text:
        raise DomainError("treasury.comment", "理由をコメントに書いてください。", field="comment")
    if len(text) > MAX_COMMENT:
        raise DomainError(
            "treasury.comment", f"コメントは{MAX_COMMENT}文字以内にしてください。", field="comment"
        )
    return text


def _require_funded(p: Position) -> None:
    # Before the advance has left, a lost receivable is a cancelled deal, not a default: a
    # write-off now would still let the pending advance go out.
    if p.application.status not in (ApplicationStatus.FUNDED, ApplicationStatus.DEFAULTED):
        raise DomainError(
            "treasury.not_funded",
            "買取代金の送金前の債権は延滞・償却にできません。送金を止めて取引を取り消してください。",
        )


def _default_application(p: Position, *, actor: User) -> None:
    from urikake.receivables.services import mark_defaulted

    application = p.application
    if application.status == ApplicationStatus.FUNDED:
        mark_defaulted(application, acting_user=actor)


def mark_default(purchase: Position, *, acting_user: User, comment: str) -> Position:
    """債務不履行: the purchase stops being an ordinary open item (no more reminders) and its
    application moves funded → defaulted through the state machine."""
    _require_staff(acting_user)
    text = _require_comment(comment)
    with transaction.atomic():
        p = Position.objects.select_for_update().select_related("application").get(pk=purchase.pk)
        if p.status != Position.Status.OPEN or p.residual <= 0:
            raise DomainError("treasury.not_open", "回収待ちの債権ではないため、延滞にできません。")
        _require_funded(p)
        p.move_to(PositionStatus.DEFAULTED)
        p.save(update_fields=["status"])
        if sold.sold_in(p.pk) is not None:  # the SPV's default: it counts in the pool's record
            sold.report_event(
                p.pk, "default", p.residual, on=timezone.localdate(), actor=acting_user
            )
        audit.record(
            "purchase.defaulted",
            actor=acting_user,
            obj=p,
            payload={
                "residual": p.residual,
                "note": _note(p, "purchase.defaulted", text, acting_user),
            },
        )
        _default_application(p, actor=acting_user)
    return p


def _note(p: Position, action: str, text: str, user: User) -> int:
    """Keep the operator's reason outside the audit trail; the record points to it."""
    return PositionNote.objects.create(purchase=p, action=action, comment=text, author=user).pk


def history_with_notes(p: Position) -> list[tuple[AuditRecord, str]]:
    """The purchase's audit records (newest first) with the operator's reason, if any."""
    records = list(history(p)[:50])
    notes = dict(PositionNote.objects.filter(purchase=p).values_list("pk", "comment"))
    return [(r, notes.get(r.payload.get("note"), "")) for r in records]


def four_eyes_required(amount: int) -> bool:
    return amount >= settings.FOUR_EYES_THRESHOLD_YEN


def history(p: Position) -> QuerySet[AuditRecord]:
    """The purchase's audit records, newest first."""
    return AuditRecord.objects.filter(
        object_type__in=POSITION_AUDIT_TYPES, object_id=str(p.pk)
    ).order_by("-seq")


_WRITE_OFF_ACTIONS = (
    "purchase.write_off_requested",
    "purchase.written_off",
    "purchase.write_off_withdrawn",
)


def pending_write_off(purchase: Position) -> AuditRecord | None:
    """The open write-off proposal of a purchase (made, and not yet approved or withdrawn)."""
    latest = history(purchase).filter(action__in=_WRITE_OFF_ACTIONS).first()
    if latest is None or latest.action != "purchase.write_off_requested":
        return None
    return latest


def pending_write_offs() -> list[tuple[Position, AuditRecord]]:
    """Every open write-off proposal (oldest first), for the second pair of eyes to find."""
    latest: dict[str, AuditRecord] = {}
    for record in AuditRecord.objects.filter(
        object_type__in=POSITION_AUDIT_TYPES, action__in=_WRITE_OFF_ACTIONS
    ).order_by("seq"):
        latest[record.object_id] = record
    open_ = {int(pk): r for pk, r in latest.items() if r.action == "purchase.write_off_requested"}
    positions = Position.objects.filter(pk__in=open_).select_related("organization", "debtor")
    return sorted(((p, open_[p.pk]) for p in positions), key=lambda pr: pr[1].seq)


def holdback_left(p: Position) -> int:
    """What is still held of the holdback: nothing once paid back to the client, and less
    what a payer-deducted fee already took from it (``reserve_applied``)."""
    if p.reserve_released_on is not None:
        return 0
    return max(p.holdback - p.reserve_applied, 0)


@dataclass(frozen=True)
class WriteOffPlan:
    """What a write-off of the current residual would book (shown before anyone decides)."""

    residual: int
    reserve_offset: int
    loss: int


def write_off_plan(p: Position) -> WriteOffPlan:
    residual = max(p.residual, 0)
    offset = min(holdback_left(p), residual)
    return WriteOffPlan(residual=residual, reserve_offset=offset, loss=residual - offset)


@dataclass(frozen=True)
class WriteOffOutcome:
    purchase: Position
    done: bool  # False: proposed, waiting for a second treasury user
    reserve_offset: int = 0
    written_off: int = 0


def _locked_outstanding(purchase: Position) -> Position:
    p = Position.objects.select_for_update().select_related("application").get(pk=purchase.pk)
    if p.status not in OUTSTANDING or p.residual <= 0:
        raise DomainError("treasury.nothing_to_write_off", "償却できる残高がありません。")
    _require_funded(p)
    return p


def propose_write_off(purchase: Position, *, acting_user: User, comment: str) -> WriteOffOutcome:
    """貸倒償却の申請 (first pair of eyes): records the proposal for the current residual and
    what it would book; no ledger entry. A proposal for another residual (money arrived since)
    is replaced, so the approver always approves the amount that will be booked."""
    _require_staff(acting_user)
    text = _require_comment(comment)
    with transaction.atomic():
        p = _locked_outstanding(purchase)
        plan = write_off_plan(p)
        pending = pending_write_off(p)
        if pending is not None and pending.payload.get("residual") == plan.residual:
            raise DomainError(
                "treasury.write_off_pending",
                "この債権の償却はすでに申請されています。別の担当者が承認してください。",
            )
        audit.record(
            "purchase.write_off_requested",
            actor=acting_user,
            obj=p,
            payload={
                "residual": plan.residual,
                "reserve_offset": plan.reserve_offset,
                "written_off": plan.loss,
                "four_eyes": four_eyes_required(plan.residual),
                "note": _note(p, "purchase.write_off_requested", text, acting_user),
            },
        )
    return WriteOffOutcome(p, done=False)


def withdraw_write_off(purchase: Position, *, acting_user: User, comment: str) -> Position:
    """Withdraw the open proposal (either treasury user may: nothing was booked)."""
    _require_staff(acting_user)
    text = _require_comment(comment)
    with transaction.atomic():
        p = Position.objects.select_for_update().get(pk=purchase.pk)
        pending = pending_write_off(p)
        if pending is None:
            raise DomainError("treasury.no_write_off_pending", "承認待ちの償却申請はありません。")
        audit.record(
            "purchase.write_off_withdrawn",
            actor=acting_user,
            obj=p,
            payload={
                "proposal": pending.seq,
                "note": _note(p, "purchase.write_off_withdrawn", text, acting_user),
            },
        )
    return p


def approve_write_off(
    purchase: Position,
    *,
    acting_user: User,
    comment: str,
    on: date | None = None,
    proposal: int | None = None,
) -> WriteOffOutcome:
    """貸倒償却の承認 (second pair of eyes): a treasury user other than the proposer carries out
    the open proposal — only now are ledger entries posted.

    The holdback (留保金) still held absorbs the loss first (Dr 留保金 / Cr 買取債権 for
    min(holdback left, residual)); the rest is 貸倒損失 (the domain's ``write_off`` recipe).
    The receivable account of the client and debtor drops by the full residual. Refused, with
    nothing changed, when there is no proposal, the proposal was for another residual or is
    not the one the approver saw (``proposal``: its audit ``seq``), or the approver proposed
    it. Every write-off needs the two people, whatever the amount; at or above
    ``FOUR_EYES_THRESHOLD_YEN`` the records also flag it (``four_eyes``).
    """
    _require_staff(acting_user)
    text = _require_comment(comment)
    on = on or timezone.localdate()
    with transaction.atomic():
        p = _locked_outstanding(purchase)
        residual = p.residual
        request = pending_write_off(p)
        if request is None or (proposal is not None and request.seq != proposal):
            raise DomainError(
                "treasury.no_write_off_pending",
                "承認できる償却申請がありません（取り下げられたか、新しい申請に替わりました）。"
                "画面を更新して確認してください。",
            )
        if request.payload.get("residual") != residual:
            raise DomainError(
                "treasury.write_off_stale",
                "申請後に入金があり、未回収額が変わりました。現在の未回収額で申請し直してください。",
            )
        if request.actor == actor_label(acting_user):
            raise DomainError(
                "treasury.four_eyes",
                "償却の申請者とは別の担当者が承認してください（4つの目の原則）。",
            )
        pool = sold.sold_in(p.pk)
        if pool is None:
            entries, offset, loss = p.spec.ledger.write_off(
                str(p.pk),
                on,
                client=client_code(p.organization_id),
                debtor=debtor_code(p.debtor_id),
                residual=residual,
                holdback_available=holdback_left(p),
            )
        else:
            entries, offset, loss = _sold_write_off(p, pool, on, residual)
            sold.report_event(
                p.pk, "write_off", residual, on=on, actor=acting_user, holdback_applied=offset
            )
        for entry in entries:
            ledger.post(entry, actor=acting_user)
        p.shortfall_written_off += residual
        p.reserve_applied += offset
        p.move_to(PositionStatus.WRITTEN_OFF)
        p.save(update_fields=["shortfall_written_off", "reserve_applied", "status"])
        audit.record(
            "purchase.written_off",
            actor=acting_user,
            obj=p,
            payload={
                "residual": residual,
                "reserve_offset": offset,
                "written_off": loss,
                "proposed_by": request.actor,
                "proposal": request.seq,
                "four_eyes": four_eyes_required(residual),
                "note": _note(p, "purchase.written_off", text, acting_user),
            },
        )
        _default_application(p, actor=acting_user)
        # What the loss did not use of the holdback is still the client's: pay it back.
        release_reserve(p, acting_user=acting_user)
    return WriteOffOutcome(p, done=True, reserve_offset=offset, written_off=loss)


def _sold_write_off(
    p: Position, pool: str, on: date, residual: int
) -> tuple[list[book.JournalEntry], int, int]:
    """A write-off of a position sold to an SPV: the true sale already took its receivable
    off the books, and the loss is the SPV's. The platform books only what the client's
    holdback absorbs, owed on to the SPV (``spv_reserve_passed``); nothing goes to 貸倒損失.
    ``loss`` is what the SPV loses (the pool's record keeps it)."""
    offset = min(holdback_left(p), residual)
    entries = []
    if offset:
        entries.append(
            book.spv_reserve_passed(
                f"reserve_offset:{p.pk}",
                on,
                pool=pool,
                client=client_code(p.organization_id),
                amount=offset,
            )
        )
    return entries, offset, residual - offset


def write_off(
    purchase: Position, *, acting_user: User, comment: str, on: date | None = None
) -> WriteOffOutcome:
    """One call per pair of eyes: proposes when nothing (or a stale proposal) is open,
    otherwise approves the open proposal (refused for its proposer)."""
    pending = pending_write_off(purchase)
    if pending is None or pending.payload.get("residual") != purchase.residual:
        return propose_write_off(purchase, acting_user=acting_user, comment=comment)
    return approve_write_off(purchase, acting_user=acting_user, comment=comment, on=on)
