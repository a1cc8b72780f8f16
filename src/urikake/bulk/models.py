"""Bulk factoring (一括ファクタリング, seed 004 III.4 / III.5; docs/bulk.md).

* :class:`BuyerProgram` — a buyer organisation (支払企業) enrolled in the scheme by the
  operator, with its risk rate and monthly fees. Its members see the buyer pages.
* :class:`Supplier` — an organisation the buyer pays (仕入先), known by the buyer's supplier
  code and its 法人番号, with the three-party agreement it signed once (PAdES-sealed).
* :class:`PayableUpload` / :class:`Payable` — the buyer's payables, uploaded all-or-nothing;
  for the supplier each is a receivable on the buyer (``organization`` is the supplier: the
  object-level rule of the supplier pages).
* :class:`Settlement` — the buyer's one payment for a due date, and the payouts it made.
* :class:`FeeInvoice` — the buyer's monthly invoice (base fee + per-item fee).

Money is yen (``BigIntegerField``), rates ``DecimalField``. State changes happen only in
:mod:`urikake.bulk.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BuyerProgram(models.Model):
    organization = models.OneToOneField(
        "applicants.Organization", on_delete=models.PROTECT, related_name="bulk_program"
    )
    risk_rate = models.DecimalField("割引率（年）", max_digits=6, decimal_places=5)
    base_fee = models.BigIntegerField("月額基本料")
    per_item_fee = models.BigIntegerField("明細ごとの利用料")
    is_active = models.BooleanField("利用中", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = "一括ファクタリング（支払企業）"
        verbose_name_plural = "一括ファクタリング（支払企業）"
        constraints = [
            models.CheckConstraint(condition=Q(risk_rate__gte=0), name="bulk_rate_nonnegative"),
            models.CheckConstraint(
                condition=Q(base_fee__gte=0) & Q(per_item_fee__gte=0), name="bulk_fees_nonnegative"
            ),
        ]

    def __str__(self) -> str:
        return f"bulk_program:{self.pk}"

    @property
    def code(self) -> str:
        return f"B{self.pk}"


class Supplier(models.Model):
    program = models.ForeignKey(BuyerProgram, on_delete=models.PROTECT, related_name="suppliers")
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="bulk_suppliers"
    )
    code = models.CharField("仕入先コード", max_length=20)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)
    # The three-party agreement (一括ファクタリング契約: supplier, buyer, platform).
    agreement_number = models.CharField("契約書番号", max_length=40, blank=True)
    agreement_pdf = models.BinaryField("契約書（署名前）", null=True, blank=True)
    agreement_sha256 = models.CharField(max_length=64, blank=True)
    signed_pdf = models.BinaryField("契約書（電子署名済み）", null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "支払先（納入企業）"
        verbose_name_plural = "支払先（納入企業）"
        ordering = ["program_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["program", "code"], name="uniq_bulk_supplier_code"),
            models.UniqueConstraint(
                fields=["program", "organization"], name="uniq_bulk_supplier_org"
            ),
        ]

    def __str__(self) -> str:
        return f"bulk_supplier:{self.pk}"

    @property
    def consented(self) -> bool:
        return self.signed_at is not None


class PayableUpload(models.Model):
    program = models.ForeignKey(BuyerProgram, on_delete=models.PROTECT, related_name="uploads")
    filename = models.CharField("ファイル名", max_length=255)
    sha256 = models.CharField(max_length=64)
    rows = models.PositiveIntegerField("明細数")
    total = models.BigIntegerField("合計金額")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "支払予定データの取込み"
        verbose_name_plural = "支払予定データの取込み"


class Settlement(models.Model):
    """The buyer's payment for one due date, and the payouts to the suppliers it funded."""

    program = models.ForeignKey(BuyerProgram, on_delete=models.PROTECT, related_name="settlements")
    due_date = models.DateField("支払期日")
    amount = models.BigIntegerField("入金額")
    received_on = models.DateField("入金日")
    reference = models.CharField("照会番号", max_length=60)
    bought = models.BigIntegerField("早期支払済み分")
    paid_to_suppliers = models.BigIntegerField("仕入先への支払額")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "支払期日の決済"
        verbose_name_plural = "支払期日の決済"
        ordering = ["-due_date"]
        constraints = [
            models.UniqueConstraint(fields=["program", "due_date"], name="uniq_bulk_settlement")
        ]


class Payable(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("支払予定")
        EARLY = "early", _("早期支払済み")
        SETTLED = "settled", _("期日支払済み")

    program = models.ForeignKey(BuyerProgram, on_delete=models.PROTECT, related_name="payables")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="payables")
    # The supplier's organisation: the receivable is theirs (owned_or_404 on supplier pages).
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="bulk_receivables"
    )
    upload = models.ForeignKey(PayableUpload, on_delete=models.PROTECT, related_name="payables")
    invoice_number = models.CharField("請求書番号", max_length=60)
    amount = models.BigIntegerField("金額")
    due_date = models.DateField("支払期日", db_index=True)
    status = models.CharField(
        "状態", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    # The early payment (早期支払), when the supplier asked for one.
    early_rate = models.DecimalField("割引率（年）", max_digits=6, decimal_places=5, null=True)
    early_days = models.PositiveIntegerField("割引日数", null=True)
    discount = models.BigIntegerField("割引料", default=0)
    early_paid_on = models.DateField("早期支払日", null=True, blank=True)
    early_payout = models.OneToOneField(
        "treasury.Payout", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    early_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    settlement = models.ForeignKey(
        Settlement, on_delete=models.PROTECT, null=True, blank=True, related_name="payables"
    )
    maturity_payout = models.ForeignKey(
        "treasury.Payout", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "支払予定の債務"
        verbose_name_plural = "支払予定の債務"
        ordering = ["due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["supplier", "invoice_number"], name="uniq_bulk_payable_invoice"
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="bulk_payable_positive"),
        ]

    def __str__(self) -> str:
        return f"bulk_payable:{self.pk}"

    @property
    def net(self) -> int:
        return self.amount - self.discount


class FeeInvoice(models.Model):
    """利用料請求書: one per buyer and month."""

    program = models.ForeignKey(BuyerProgram, on_delete=models.PROTECT, related_name="invoices")
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="bulk_fee_invoices"
    )
    month = models.DateField("対象月")  # the first day of the month
    number = models.CharField("請求書番号", max_length=40)
    items = models.PositiveIntegerField("明細数")
    base_fee = models.BigIntegerField("月額基本料")
    per_item_fee = models.BigIntegerField("明細ごとの利用料")
    amount = models.BigIntegerField("請求額")
    due_date = models.DateField("お支払期限")
    pdf = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    paid_amount = models.BigIntegerField("入金額", default=0)
    paid_on = models.DateField("入金日", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "手数料の請求書"
        verbose_name_plural = "手数料の請求書"
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["program", "month"], name="uniq_bulk_fee_month")
        ]

    def __str__(self) -> str:
        return f"bulk_fee_invoice:{self.pk}"
