"""Servicing's models: :class:`Position` (a financed position and its state) and
:class:`PositionNote` (an operator's written reason for a decision on it).

Both tables were created by the treasury app (``treasury_purchasedreceivable``,
``treasury_treasurynote``); the migration ``servicing.0001`` moved the models here in Django's
state only, so no row was copied and the ids stayed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from urikake.domain.positions import PositionStatus, check_transition
from urikake.domain.products import ProductSpec, spec
from urikake.domain.products import choices as product_choices

__all__ = ["POSITION_AUDIT_TYPES", "Position", "PositionNote"]

#: The audit object types of a position: records written before the move to servicing name
#: the old model (the audit chain is never rewritten), later ones ``servicing.position``.
POSITION_AUDIT_TYPES = ("servicing.position", "treasury.purchasedreceivable")


class Position(models.Model):
    """A financed position: today an invoice the platform bought (two- or three-party
    factoring) — the expected collection (due date moved to the next bank business day), what
    has been collected, its holdback (留保金). ``spec`` is its product's spec.

    The table is the former ``treasury.PurchasedReceivable``'s (moved without copying a row).
    """

    class Status(models.TextChoices):
        """The stored states; the transitions are :mod:`urikake.domain.positions`."""

        OPEN = PositionStatus.OPEN.value, _(PositionStatus.OPEN.label)
        COLLECTED = PositionStatus.COLLECTED.value, _(PositionStatus.COLLECTED.label)
        DEFAULTED = PositionStatus.DEFAULTED.value, _(PositionStatus.DEFAULTED.label)
        WRITTEN_OFF = PositionStatus.WRITTEN_OFF.value, _(PositionStatus.WRITTEN_OFF.label)

    application = models.ForeignKey(
        "receivables.FinancingApplication", on_delete=models.PROTECT, related_name="purchases"
    )
    invoice = models.OneToOneField(
        "receivables.Invoice", on_delete=models.PROTECT, related_name="purchase"
    )
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="purchases"
    )
    debtor = models.ForeignKey(
        "receivables.Debtor", on_delete=models.PROTECT, related_name="purchases"
    )
    product = models.CharField(
        max_length=20, choices=[(v, _(label)) for v, label in product_choices()]
    )
    face_amount = models.BigIntegerField("額面")
    advance_amount = models.BigIntegerField("買取金額")
    fee = models.BigIntegerField("買取手数料")
    admin_fee = models.BigIntegerField("事務手数料", default=0)
    holdback = models.BigIntegerField("留保金")
    due_date = models.DateField("支払期日")
    expected_on = models.DateField("回収予定日")  # due date moved to a bank business day
    # Two-party: the applicant collects and must forward by this date.
    forward_due_on = models.DateField("転送期限", null=True, blank=True)
    collected_amount = models.BigIntegerField("回収額", default=0)
    fee_deducted = models.BigIntegerField("先方負担手数料", default=0)
    shortfall_written_off = models.BigIntegerField("償却額", default=0)
    # The part of the holdback used to absorb a loss (the rest goes back to the client).
    reserve_applied = models.BigIntegerField("留保金充当額", default=0)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    collected_on = models.DateField("回収完了日", null=True, blank=True)
    reserve_released_on = models.DateField("留保金返還日", null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField("督促回数", default=0)
    last_reminded_on = models.DateField(null=True, blank=True)
    escalated_on = models.DateField("エスカレーション日", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "treasury_purchasedreceivable"
        verbose_name = "買取債権"
        verbose_name_plural = "買取債権"
        constraints = [
            models.CheckConstraint(
                condition=Q(face_amount__gt=0)
                & Q(collected_amount__gte=0)
                & Q(fee_deducted__gte=0)
                & Q(holdback__gte=0),
                name="purchase_amounts_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    collected_amount__lte=F("face_amount")
                    - F("fee_deducted")
                    - F("shortfall_written_off")
                ),
                name="purchase_not_overcollected",
            ),
        ]

    def __str__(self) -> str:
        return f"purchase:{self.pk}"

    @property
    def residual(self) -> int:
        """What is still expected from the payer (face − collected − fees − written off)."""
        return (
            self.face_amount
            - self.collected_amount
            - self.fee_deducted
            - self.shortfall_written_off
        )

    def move_to(self, target: PositionStatus) -> None:
        """Set the status after checking the transition in the domain state machine (the
        caller saves, inside its transaction, with its audit record)."""
        check_transition(PositionStatus(self.status), target)
        self.status = target

    @property
    def spec(self) -> ProductSpec:
        """The product's spec: who collects, the ageing plan, the ledger recipes."""
        return spec(self.product)

    @property
    def client_code(self) -> str:
        return f"O{self.organization_id}"

    @property
    def debtor_code(self) -> str:
        return f"D{self.debtor_id}"


class PositionNote(models.Model):
    """An operator's written reason for a decision on a purchase (default, write-off request,
    write-off). Free text may name people, so it lives here — the audit record only points to
    it (``payload["note"]``)."""

    purchase = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="notes")
    action = models.CharField(max_length=60)
    comment = models.TextField("理由")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "treasury_treasurynote"
        verbose_name = "判断の理由"
        verbose_name_plural = "判断の理由"

    def __str__(self) -> str:
        return f"position_note:{self.pk}"
