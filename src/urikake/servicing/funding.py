"""Funding a contracted deal: book its invoices into positions (ledger) and queue the advance
payout (a treasury payout).

Funding is refused until the contracts are signed and the perfection the product needs is in
place (or the policy lets funding go first — then the deal records that it did). Funding is
idempotent: the advance payout is unique per deal (a database constraint), so a second call —
a retry, a double click, 20 parallel requests — returns the payout the first one created.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from urikake.applicants.services import current_payout_account
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.domain.applications import ApplicationStatus
from urikake.domain.bank_calendar import BusinessDayConvention, adjust_to_business_day
from urikake.domain.errors import DomainError
from urikake.domain.perfection import Stage, check_can_fund
from urikake.ledger import services as ledger
from urikake.receivables.encumbrances import ensure_unencumbered
from urikake.receivables.models import FinancingApplication, Invoice
from urikake.servicing.models import Position
from urikake.treasury.models import Payout
from urikake.treasury.perfection import open_perfection
from urikake.treasury.policy import client_code, debtor_code, payout_queue_date, perfection_policy


def _buy(application: FinancingApplication, *, actor: Actor, on: date) -> list[Position]:
    invoices = list(application.invoices.select_related("debtor").order_by("pk"))
    # Last line against double financing: no loan or guarantee took an invoice since the
    # application was submitted (the rows stay locked until the purchase commits).
    ensure_unencumbered(invoices, besides="factoring")
    lines = application.offer_lines(invoices)
    purchases = []
    for invoice in invoices:
        offer = lines[invoice.pk]
        purchase = Position.objects.create(
            application=application,
            invoice=invoice,
            organization_id=application.organization_id,
            debtor=invoice.debtor,
            product=application.product,
            face_amount=offer["face_amount"],
            advance_amount=offer["advance_amount"],
            fee=offer["fee"],
            admin_fee=offer.get("admin_fee", 0),
            holdback=offer["holdback"],
            due_date=invoice.due_date,
            expected_on=adjust_to_business_day(invoice.due_date, BusinessDayConvention.FOLLOWING),
        )
        ledger.post(
            purchase.spec.ledger.purchase(
                f"purchase:{purchase.pk}",
                on,
                client=client_code(application.organization_id),
                debtor=debtor_code(invoice.debtor_id),
                face=purchase.face_amount,
                fee=purchase.fee + purchase.admin_fee,
                reserve_amount=purchase.holdback,
                description=f"債権買取 請求書{invoice.invoice_number}",
            ),
            actor=actor,
        )
        Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.ASSIGNED)
        purchases.append(purchase)
    return purchases


def fund_application(application: FinancingApplication, *, acting_user: Actor) -> Payout:
    """Buy the deal's invoices and queue its advance for the next payout batch."""
    with transaction.atomic():
        locked = FinancingApplication.objects.select_for_update().get(pk=application.pk)
        existing = Payout.objects.filter(
            application=locked, kind=Payout.Kind.ADVANCE, replaces__isnull=True
        ).first()
        if existing is not None:
            return existing
        if locked.status != ApplicationStatus.CONTRACTED:
            raise DomainError(
                "funding.not_contracted",
                "契約の締結（電子署名）が済んでいない申込みは送金できません。",
            )
        perfection = open_perfection(locked)
        early = check_can_fund(perfection_policy(locked.product), Stage(perfection.stage))
        if early:
            perfection.funded_before_perfection = True
            perfection.save(update_fields=["funded_before_perfection", "updated_at"])
        account = current_payout_account(locked.organization)
        if account is None:
            raise DomainError("funding.no_payout_account", "振込先口座が登録されていません。")
        today = timezone.localdate()
        purchases = _buy(locked, actor=acting_user, on=today)
        amount = sum(p.advance_amount - p.fee - p.admin_fee for p in purchases)
        payout_date = date.fromisoformat(locked.offer.get("payout_date", today.isoformat()))
        payout = Payout.objects.create(
            organization_id=locked.organization_id,
            application=locked,
            kind=Payout.Kind.ADVANCE,
            amount=amount,
            requested_for=payout_queue_date(payout_date),
            **Payout.beneficiary(account),
        )
        audit.record(
            "treasury.funding_queued",
            actor=acting_user,
            obj=locked,
            payload={
                "payout": payout.pk,
                "amount": amount,
                "purchases": [p.pk for p in purchases],
                "perfection_stage": perfection.stage,
                "funded_before_perfection": early,
            },
        )
    return payout
