"""Applying collections to positions, and what follows a position paid in full.

Treasury matches deposits against open items and applies them (``urikake.treasury.
collections``); the positions' side — which positions are open and who is expected to pay them,
crediting a deposit to them with the payer-deducted fee, closing a position paid in full,
releasing its holdback (留保金) and settling the deal — is here, reached by treasury through the
:class:`~urikake.treasury.positions.PositionBook` port (:class:`ServicingBook`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from urikake.applicants.services import current_payout_account
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.domain import ledger as book
from urikake.domain import reconciliation as engine
from urikake.domain.applications import ApplicationStatus
from urikake.domain.bank_calendar import refund_value_date
from urikake.domain.errors import DomainError
from urikake.domain.positions import PositionStatus
from urikake.ledger import services as ledger
from urikake.plans import services as plans
from urikake.receivables import services as receivables
from urikake.receivables.models import FinancingApplication, Invoice
from urikake.servicing import sold
from urikake.servicing.models import Position
from urikake.treasury.models import Allocation, Deposit, Payout
from urikake.treasury.policy import client_code, debtor_code, payout_queue_date
from urikake.treasury.positions import AppliedCollection

__all__ = ["COLLECTIBLE", "ServicingBook", "apply_collection", "open_items", "release_reserve"]


COLLECTIBLE = (Position.Status.OPEN, Position.Status.DEFAULTED)


def open_items() -> list[engine.OpenItem]:
    """Open purchased receivables as the engine sees them. Three-party: the debtor pays us.
    Two-party: the client forwards what the debtor paid, so the expected payer is the client."""
    items = []
    for p in (
        # Defaulted items stay matchable: a late payment after default is still ours.
        Position.objects.filter(status__in=COLLECTIBLE)
        .select_related("debtor", "organization", "invoice")
        .order_by("pk")
    ):
        if p.residual <= 0:
            continue
        if p.spec.client_forwards:
            payer_id, name, kana = (
                client_code(p.organization_id),
                p.organization.name,
                (p.organization.name_kana),
            )
            due = p.forward_due_on or p.expected_on
        else:
            # The payer is the real company (one identity across every client that sells
            # its invoices), so a payer name learned on one client's deal serves all.
            payer_id, name, kana = (
                _identity(p.debtor.identity_id),
                p.debtor.name,
                (p.debtor.name_kana),
            )
            due = p.expected_on
        items.append(
            engine.OpenItem(
                id=str(p.pk),
                debtor_id=payer_id,
                debtor_name=name,
                debtor_kana=kana or name,
                amount=p.residual,
                due_date=due,
                invoice_number=p.invoice.invoice_number,
            )
        )
    return items


def _identity(identity_id: int) -> str:
    return f"I{identity_id}"


def apply_collection(
    deposit: Deposit,
    allocations: Sequence[tuple[int, int]],
    fee_deducted: int,
    *,
    acting_user: Actor,
) -> AppliedCollection:
    """Credit a deposit's ``allocations`` (position id, yen credited) to the positions inside
    the caller's transaction. The payer-deducted fee is charged to the items in order; it is
    booked as 支払手数料 or charged to the client's holdback, per
    ``TREASURY_PAYER_FEE_BORNE_BY``. Returns the positions' ledger legs and the step that closes
    the positions paid in full once the deposit is recorded."""
    purchases = {
        p.pk: p
        for p in Position.objects.select_for_update().filter(pk__in=[i for i, _ in allocations])
    }
    legs: list[book.Leg] = []
    fee_left = fee_deducted
    client_bears = settings.TREASURY_PAYER_FEE_BORNE_BY == "client"
    touched: list[Position] = []
    for purchase_id, amount in allocations:
        purchase = purchases.get(purchase_id)
        if purchase is None or purchase.status not in COLLECTIBLE:
            raise DomainError(
                "reconciliation.item_not_open",
                f"買取債権 {purchase_id} は回収待ちではありません。",
            )
        if amount > purchase.residual:
            raise DomainError(
                "reconciliation.over_residual",
                f"買取債権 {purchase_id} の残額（{purchase.residual:,}円）を超えています。",
            )
        # The payer's fee is charged to the items in order (it is one deduction).
        fee_here = min(fee_left, amount)
        fee_left -= fee_here
        purchase.collected_amount += amount - fee_here
        purchase.fee_deducted += fee_here
        # Who bears it: the platform (支払手数料), or — as many factoring contracts say — the
        # client, out of the holdback still held for this receivable (the rest, if the
        # holdback is used up, is the platform's expense).
        charged = 0
        if client_bears:
            charged = min(fee_here, purchase.holdback - purchase.reserve_applied)
            purchase.reserve_applied += charged
        client, debtor = client_code(purchase.organization_id), debtor_code(purchase.debtor_id)
        these = purchase.spec.ledger.collection_legs(
            client=client,
            debtor=debtor,
            amount=amount,
            fee_deducted=fee_here,
            fee_from_reserve=charged,
        )
        pool = sold.sold_in(purchase.pk)
        if pool is not None:  # securitized: the platform services it, the SPV is owed
            these = sold.redirect_to_spv(
                these, receivable=book.receivable(client, debtor), pool=pool
            )
            if purchase.status == Position.Status.DEFAULTED:  # a recovery, for the SPV
                sold.report_event(
                    purchase.pk, "recovery", amount, on=deposit.value_date, actor=acting_user
                )
        legs += these
        Allocation.objects.create(
            deposit=deposit, purchase=purchase, amount=amount, fee_deducted=fee_here
        )
        touched.append(purchase)

    def close() -> None:
        for purchase in touched:
            purchase.save(update_fields=["collected_amount", "fee_deducted", "reserve_applied"])
            if purchase.residual == 0:
                _collected(purchase, on=deposit.value_date, actor=acting_user)

    return AppliedCollection(legs, close)


def _collected(purchase: Position, *, on: date, actor: Actor) -> None:
    """A receivable paid in full: close it, release its holdback, settle the deal if done."""
    purchase.move_to(PositionStatus.COLLECTED)
    purchase.collected_on = on
    purchase.save(update_fields=["status", "collected_on"])
    Invoice.objects.filter(pk=purchase.invoice_id).update(status=Invoice.Status.SETTLED)
    audit.record(
        "treasury.purchase_collected",
        actor=actor,
        obj=purchase,
        payload={"collected": purchase.collected_amount, "fee_deducted": purchase.fee_deducted},
    )
    release_reserve(purchase, acting_user=actor)
    application = purchase.application
    if (
        application.status in (ApplicationStatus.FUNDED, ApplicationStatus.DEFAULTED)
        and not Position.objects.filter(application=application)
        .exclude(status=Position.Status.COLLECTED)
        .exists()
    ):
        receivables.mark_settled(application, acting_user=actor)
        plans.record_settlement(application, acting_user=actor, settled_on=on)


def release_reserve(purchase: Position, *, acting_user: Actor) -> Payout | None:
    """留保金の返還: the holdback — less any part that absorbed a written-off loss — becomes
    payable to the client and is queued as a payout, once the receivable is collected or
    written off. Idempotent (one release per purchase); nothing to do without a holdback."""
    if purchase.holdback - purchase.reserve_applied <= 0:
        return None
    with transaction.atomic():
        locked = Position.objects.select_for_update().get(pk=purchase.pk)
        existing = Payout.objects.filter(
            purchase=locked, kind=Payout.Kind.RESERVE, replaces__isnull=True
        ).first()
        if existing is not None:
            return existing
        if locked.status not in (
            Position.Status.COLLECTED,
            Position.Status.WRITTEN_OFF,
        ):
            raise DomainError(
                "reserve.not_collected", "回収が終わっていない債権の留保金は返還できません。"
            )
        amount = locked.holdback - locked.reserve_applied
        if amount <= 0:
            return None
        account = current_payout_account(locked.organization)
        if account is None:
            raise DomainError("funding.no_payout_account", "振込先口座が登録されていません。")
        today = timezone.localdate()
        # Paid on a bank business day, never before the debtor's money has arrived.
        value_date = refund_value_date(today=today, money_arrived_on=locked.collected_on)
        ledger.post(
            locked.spec.ledger.release_holdback(
                f"reserve:{locked.pk}:release",
                value_date,
                client=client_code(locked.organization_id),
                amount=amount,
                description=f"留保金の返還（買取債権{locked.pk}）",
            ),
            actor=acting_user,
        )
        payout = Payout.objects.create(
            organization_id=locked.organization_id,
            application_id=locked.application_id,
            purchase=locked,
            kind=Payout.Kind.RESERVE,
            amount=amount,
            requested_for=payout_queue_date(value_date),
            **Payout.beneficiary(account),
        )
        locked.reserve_released_on = today
        locked.save(update_fields=["reserve_released_on"])
        audit.record(
            "treasury.reserve_released",
            actor=acting_user,
            obj=locked,
            payload={"amount": amount, "payout": payout.pk},
        )
    return payout


class ServicingBook:
    """Servicing's side of the :class:`~urikake.treasury.positions.PositionBook` port."""

    def fund(self, application: FinancingApplication, *, acting_user: Actor) -> Payout:
        from urikake.servicing.funding import fund_application

        return fund_application(application, acting_user=acting_user)

    def open_items(self) -> list[engine.OpenItem]:
        return open_items()

    def apply(
        self,
        deposit: Deposit,
        allocations: Sequence[tuple[int, int]],
        fee_deducted: int,
        *,
        acting_user: Actor,
    ) -> AppliedCollection:
        return apply_collection(deposit, allocations, fee_deducted, acting_user=acting_user)

    def collectible(self, ids: Sequence[int]) -> list[tuple[int, int]]:
        rows = Position.objects.filter(pk__in=ids, status__in=COLLECTIBLE).order_by("pk")
        return [(p.pk, p.residual) for p in rows]

    def direct_payer_debtors(self, ids: Iterable[int]) -> set[int]:
        return {
            p.debtor_id
            for p in Position.objects.filter(pk__in=list(ids))
            if not p.spec.client_forwards
        }

    def collectible_positions(self) -> Sequence[Any]:
        return list(
            Position.objects.filter(status__in=COLLECTIBLE).select_related(
                "debtor", "organization", "invoice"
            )
        )

    def of_application(self, application: FinancingApplication) -> Sequence[Any]:
        return list(
            Position.objects.filter(application=application).select_related("debtor", "invoice")
        )

    def open_summary(self, today: date, days: int) -> dict[str, Any]:
        open_ = Position.objects.filter(status=Position.Status.OPEN)
        return {
            "open_purchases": open_.count(),
            "open_amount": open_.aggregate(s=Sum("face_amount"))["s"] or 0,
            "upcoming": open_.filter(
                expected_on__gte=today, expected_on__lte=today + timedelta(days=days)
            )
            .select_related("organization", "debtor", "invoice")
            .order_by("expected_on", "pk")[:100],
        }
