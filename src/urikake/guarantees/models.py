"""Guarantee factoring (保証ファクタリング, seed 004 III.3; docs/guarantees.md).

* :class:`GuaranteeContract` — one application and, once issued, the guarantee: 個別保証 (one
  receivable, a guaranteed amount) or 根保証 (a limit on one debtor for a period), the premium,
  the waiting period, the PAdES-sealed contract.
* :class:`GuaranteedReceivable` — a receivable under the guarantee (個別保証: the one named at
  application; 根保証: each one the client reports as it arises).
* :class:`Claim` — the client's claim after the debtor's default, with its evidence; paid
  through a treasury payout (dual control) in exchange for the receivable.
* :class:`Recovery` — what the platform recovers from the debtor afterwards.
* :class:`DebtorLimit` — the platform-wide limit on one debtor identity.

Money is yen (``BigIntegerField``), rates ``DecimalField``. State changes happen only in
:mod:`urikake.guarantees.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from urikake.domain.guarantees import GuaranteeScheme, PremiumBasis
from urikake.domain.lending import CreditGrade

GRADE_CHOICES = [(g.value, pgettext_lazy("credit grade", g.label_ja)) for g in CreditGrade]
SCHEME_CHOICES = [(s.value, _(s.label_ja)) for s in GuaranteeScheme]
BASIS_CHOICES = [(b.value, _(b.label_ja)) for b in PremiumBasis]


class DebtorLimit(models.Model):
    """与信上限: what the platform may stand to lose on one debtor, across every product."""

    identity = models.OneToOneField(
        "receivables.DebtorIdentity", on_delete=models.PROTECT, related_name="guarantee_limit"
    )
    limit = models.BigIntegerField("与信上限額")
    note = models.CharField("理由", max_length=300, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "売掛先の与信上限"
        verbose_name_plural = "売掛先の与信上限"
        constraints = [
            models.CheckConstraint(condition=Q(limit__gte=0), name="debtor_limit_nonneg")
        ]


class GuaranteeContract(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("審査中")
        APPROVED = "approved", _("承認（契約待ち）")
        DECLINED = "declined", pgettext_lazy("guarantee status", "見送り")
        ACTIVE = "active", _("保証中")
        EXPIRED = "expired", _("保証期間満了")
        CLAIMED = "claimed", _("保証履行の請求あり")
        CLOSED = "closed", _("保証履行済み")

    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="guarantees"
    )
    scheme = models.CharField("方式", max_length=12, choices=SCHEME_CHOICES)
    debtor = models.ForeignKey(
        "receivables.Debtor", on_delete=models.PROTECT, related_name="guarantees"
    )
    # 個別保証: the receivable; 根保証: none (reported later).
    invoice = models.ForeignKey(
        "receivables.Invoice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guarantees",
    )
    status = models.CharField(
        "状態", max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    requested_amount = models.BigIntegerField("希望保証額")
    period_start = models.DateField("保証開始日")
    period_end = models.DateField("保証終了日")
    # The decision.
    grade = models.CharField("売掛先の信用格付け", max_length=10, choices=GRADE_CHOICES, blank=True)
    amount = models.BigIntegerField("保証金額・保証極度額", null=True, blank=True)
    premium_rate = models.DecimalField("保証料率", max_digits=6, decimal_places=5, null=True)
    premium_basis = models.CharField(
        "保証料の計算対象", max_length=8, choices=BASIS_CHOICES, default=PremiumBasis.LIMIT.value
    )
    coverage_ratio = models.DecimalField("填補率", max_digits=4, decimal_places=3, default=1)
    waiting_days = models.PositiveSmallIntegerField("待機期間（日）", default=30)
    decision_comment = models.TextField("審査コメント", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # Premium: charged (invoiced) at issue or per reported receivable, paid, earned.
    premium_charged = models.BigIntegerField("保証料（請求額）", default=0)
    premium_paid = models.BigIntegerField("保証料（入金額）", default=0)
    premium_earned = models.BigIntegerField("保証料（収益計上額）", default=0)
    # The contingent liability booked (保証債務) and still open.
    contingent = models.BigIntegerField("保証債務残高", default=0)
    # The contract, PAdES-sealed by the platform when the client agrees.
    contract_number = models.CharField("契約書番号", max_length=40, blank=True)
    contract_pdf = models.BinaryField("契約書（署名前）", null=True, blank=True)
    contract_sha256 = models.CharField(max_length=64, blank=True)
    signed_pdf = models.BinaryField("契約書（電子署名済み）", null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "保証契約"
        verbose_name_plural = "保証契約"
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="guarantee_requested_positive"
            ),
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="uniq_guarantee_idempotency_key",
            ),
        ]

    @property
    def code(self) -> str:
        return f"G{self.pk}"

    @property
    def scheme_enum(self) -> GuaranteeScheme:
        return GuaranteeScheme(self.scheme)

    @property
    def revolving(self) -> bool:
        return self.scheme_enum is GuaranteeScheme.REVOLVING

    @property
    def premium_due(self) -> int:
        return self.premium_charged - self.premium_paid


class GuaranteedReceivable(models.Model):
    class Status(models.TextChoices):
        COVERED = "covered", _("保証中")
        SETTLED = "settled", pgettext_lazy("guaranteed receivable", "入金済み")
        CLAIMED = "claimed", _("保証履行の請求中")
        ASSIGNED = "assigned", _("当社へ譲渡済み")
        EXPIRED = "expired", _("保証終了")

    contract = models.ForeignKey(
        GuaranteeContract, on_delete=models.PROTECT, related_name="receivables"
    )
    organization = models.ForeignKey("applicants.Organization", on_delete=models.PROTECT)
    invoice = models.ForeignKey(
        "receivables.Invoice", on_delete=models.PROTECT, related_name="guaranteed"
    )
    amount = models.BigIntegerField("保証対象額")
    premium = models.BigIntegerField("保証料", default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COVERED)
    reported_at = models.DateTimeField(auto_now_add=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["contract_id", "pk"]
        verbose_name = "保証対象の債権"
        verbose_name_plural = "保証対象の債権"
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status__in=["covered", "claimed"]),
                name="uniq_guaranteed_invoice",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="guaranteed_amount_positive"),
        ]


class Claim(models.Model):
    class Status(models.TextChoices):
        FILED = "filed", _("受付（待機期間中）")
        APPROVED = "approved", _("お支払い手続き中")
        PAID = "paid", _("お支払い済み")
        REJECTED = "rejected", _("お支払いできません")

    contract = models.ForeignKey(GuaranteeContract, on_delete=models.PROTECT, related_name="claims")
    organization = models.ForeignKey("applicants.Organization", on_delete=models.PROTECT)
    receivable = models.ForeignKey(
        GuaranteedReceivable, on_delete=models.PROTECT, related_name="claims"
    )
    default_on = models.DateField("支払不能の発生日")
    unpaid_amount = models.BigIntegerField("未回収額")
    reason = models.TextField("事由")
    evidence_name = models.CharField("証拠書類", max_length=255)
    evidence = models.BinaryField()
    evidence_type = models.CharField(max_length=100)
    evidence_sha256 = models.CharField(max_length=64)
    payable_from = models.DateField("お支払い可能日")
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.FILED, db_index=True
    )
    paid_amount = models.BigIntegerField("保証履行額", default=0)
    uncovered = models.BigIntegerField("補償範囲外", default=0)
    payout = models.OneToOneField(
        "treasury.Payout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guarantee_claim",
    )
    assigned_on = models.DateField("債権譲渡日", null=True, blank=True)
    recovered = models.BigIntegerField("回収額", default=0)
    written_off = models.BigIntegerField("償却額", default=0)
    review_comment = models.TextField("審査コメント", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = "保証履行の請求"
        verbose_name_plural = "保証履行の請求"
        constraints = [
            models.UniqueConstraint(
                fields=["receivable"],
                condition=~Q(status="rejected"),
                name="uniq_open_claim_per_receivable",
            ),
            models.CheckConstraint(condition=Q(unpaid_amount__gt=0), name="claim_unpaid_positive"),
        ]

    @property
    def code(self) -> str:
        return f"GC{self.pk}"

    @property
    def recovery_open(self) -> int:
        return self.paid_amount - self.recovered - self.written_off


class Recovery(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="recoveries")
    amount = models.BigIntegerField("回収額")
    received_on = models.DateField("入金日")
    reference = models.CharField("照会番号", max_length=60)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim_id", "received_on", "pk"]
        verbose_name = "求償債権の回収"
        verbose_name_plural = "求償債権の回収"
        constraints = [
            models.UniqueConstraint(fields=["claim", "reference"], name="uniq_recovery_ref"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_positive"),
        ]
