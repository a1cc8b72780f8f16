"""Receivables-backed loans (売掛債権担保融資, seed 004 IV; docs/lending.md).

* :class:`AdvanceRateMatrixVersion` — the operator's advance-rate matrix, effective-dated.
* :class:`LoanFacility` — one loan application and, once decided, the loan (個別保証) or the
  one-year limit (根保証): scheme version, rate, amount/limit with its bounds, contract.
* :class:`LoanDocumentFile` — the document set (IV.4), uploaded by the applicant, checked by
  staff.
* :class:`Collateral` — a receivable (``receivables.Invoice``) pledged to a facility, with its
  grade, perfection and advance rate (fixed for a revolving period).
* :class:`Draw` — one drawdown, paid through a treasury payout (dual control).
* :class:`Repayment` — a collection or payment into the designated / repayment account,
  applied to interest then principal.
* :class:`InterestAccrual`, :class:`BalanceReport`, :class:`ShortfallNotice`.

Money is yen (``BigIntegerField``), rates ``DecimalField``. State changes happen only in
:mod:`urikake.lending.services`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from urikake.domain.lending import SCHEMES, CreditGrade, LoanDocument, LoanScheme
from urikake.domain.perfection import Method

# The domain's labels are Japanese (pure Python); they are the message ids of the English.
# 普通 is also a bank account type (Ordinary): the grades take a context.
GRADE_CHOICES = [(g.value, pgettext_lazy("credit grade", g.label_ja)) for g in CreditGrade]
METHOD_CHOICES = [(m.value, _(m.label)) for m in Method]
SCHEME_CHOICES = [(s.value, _(s.label_ja)) for s in LoanScheme]
DOCUMENT_CHOICES = [(d.value, _(d.label_ja)) for d in LoanDocument]


class AdvanceRateMatrixVersion(models.Model):
    """掛け目表: ``rates`` maps ``"<grade>:<method>"`` to a decimal string."""

    effective_from = models.DateField("適用開始日", unique=True)
    rates = models.JSONField("掛け目")
    note = models.CharField("改定理由", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = "掛け目表"
        verbose_name_plural = "掛け目表"


class LoanFacility(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("審査中")
        APPROVED = "approved", _("承認（契約待ち）")
        DECLINED = "declined", pgettext_lazy("loan status", "見送り")
        CONTRACTED = "contracted", _("契約締結済み")
        ACTIVE = "active", _("融資中")
        CLOSED = "closed", _("完済")
        DEFAULTED = "defaulted", _("期限の利益喪失")
        WRITTEN_OFF = "written_off", _("貸倒償却済み")

    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="loan_facilities"
    )
    scheme = models.CharField("方式", max_length=12, choices=SCHEME_CHOICES)
    guarantee_scheme = models.CharField("保証制度", max_length=40)
    status = models.CharField(
        "状態", max_length=12, choices=Status.choices, default=Status.SUBMITTED, db_index=True
    )
    requested_amount = models.BigIntegerField("希望額")
    purpose = models.CharField("資金使途", max_length=300)
    # The credit decision.
    interest_rate = models.DecimalField("貸付利率（年）", max_digits=6, decimal_places=5, null=True)
    amount = models.BigIntegerField("借入額・借入極度額", null=True)
    bounds = models.JSONField("決定の根拠", default=list, blank=True)
    matrix = models.ForeignKey(
        AdvanceRateMatrixVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField("保証期間の開始日", null=True, blank=True)
    period_end = models.DateField("保証期間の終了日", null=True, blank=True)
    guarantee_fee = models.BigIntegerField("信用保証料", default=0)
    guarantee_fee_collected = models.BooleanField("保証料徴収済み", default=False)
    decision_comment = models.TextField("審査コメント", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # 指定口座 (the debtors pay into it) and 返済専用口座 (the borrower repays into it).
    designated_account = models.CharField("指定口座", max_length=100, blank=True)
    repayment_account = models.CharField("返済専用口座", max_length=100, blank=True)
    # The contract (金銭消費貸借契約・債権譲渡担保契約), PAdES-sealed by the platform.
    contract_number = models.CharField("契約書番号", max_length=40, blank=True)
    contract_pdf = models.BinaryField("契約書（署名前）", null=True, blank=True)
    contract_sha256 = models.CharField(max_length=64, blank=True)
    signed_pdf = models.BinaryField("契約書（電子署名済み）", null=True, blank=True)
    signed_sha256 = models.CharField(max_length=64, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    # Interest is accrued up to (exclusive) this day.
    interest_accrued_until = models.DateField(null=True, blank=True)
    # Where the borrowing base stood at its last recomputation.
    collateral_value = models.BigIntegerField("担保価値", default=0)
    base_computed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    # After a default: the guarantor's share claimed (代位弁済請求) and what it has paid.
    guarantee_claim = models.BigIntegerField("代位弁済請求額", default=0)
    guarantee_claim_paid = models.BigIntegerField("代位弁済受領額", default=0)
    # Servicing after the draw (docs/lending.md): the guarantee fee sent on to the guarantor,
    # the guarantor's share of recoveries after its payment (subrogation), the loss written off.
    guarantee_fee_remitted = models.BigIntegerField("信用保証料の支払額", default=0)
    recovered_for_guarantor = models.BigIntegerField("保証協会への回収金按分額", default=0)
    written_off = models.BigIntegerField("貸倒償却額", default=0)
    write_off_proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    write_off_proposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "融資"
        verbose_name_plural = "融資"
        constraints = [
            models.CheckConstraint(
                condition=Q(requested_amount__gt=0), name="loan_requested_positive"
            ),
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="uniq_loan_idempotency_key",
            ),
        ]

    @property
    def scheme_enum(self) -> LoanScheme:
        return LoanScheme(self.scheme)

    @property
    def guarantee_scheme_name(self) -> str:
        """The guarantee scheme's Japanese name (a message id: show it with ``|translated``)."""
        return next((s.name_ja for s in SCHEMES if s.code == self.guarantee_scheme), "")

    @property
    def code(self) -> str:
        return f"L{self.pk}"


class LoanDocumentFile(models.Model):
    facility = models.ForeignKey(LoanFacility, on_delete=models.PROTECT, related_name="documents")
    organization = models.ForeignKey("applicants.Organization", on_delete=models.PROTECT)
    kind = models.CharField("書類", max_length=30, choices=DOCUMENT_CHOICES)
    filename = models.CharField("ファイル名", max_length=255)
    content = models.BinaryField()
    content_type = models.CharField(max_length=100)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    rejected_reason = models.CharField("差戻し理由", max_length=300, blank=True)

    class Meta:
        ordering = ["facility_id", "kind", "-uploaded_at"]
        # The audit trail names the object type by it (accounts.labels.object_type_name).
        verbose_name = _("融資の提出書類")
        verbose_name_plural = _("融資の提出書類")


class Collateral(models.Model):
    class Status(models.TextChoices):
        PLEDGED = "pledged", _("担保中")
        COLLECTED = "collected", _("回収済み")
        RELEASED = "released", _("担保解除")

    facility = models.ForeignKey(LoanFacility, on_delete=models.PROTECT, related_name="collateral")
    organization = models.ForeignKey("applicants.Organization", on_delete=models.PROTECT)
    invoice = models.ForeignKey(
        "receivables.Invoice", on_delete=models.PROTECT, related_name="loan_collateral"
    )
    face_amount = models.BigIntegerField("債権額")
    collected_amount = models.BigIntegerField("回収額", default=0)
    grade = models.CharField("信用格付け", max_length=10, choices=GRADE_CHOICES)
    method = models.CharField("対抗要件", max_length=20, choices=METHOD_CHOICES)
    advance_rate = models.DecimalField("掛け目", max_digits=4, decimal_places=3)
    trading_since = models.DateField("取引開始（入金確認）", null=True, blank=True)
    perfected_on = models.DateField("対抗要件具備日", null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLEDGED)
    # A substitution names the collateral it replaced.
    replaces = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    pledged_at = models.DateTimeField(auto_now_add=True)
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "担保債権"
        verbose_name_plural = "担保債権"
        ordering = ["facility_id", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["invoice"],
                condition=Q(status="pledged"),
                name="uniq_pledged_invoice",
            ),
            models.CheckConstraint(
                condition=Q(collected_amount__gte=0)
                & Q(collected_amount__lte=models.F("face_amount")),
                name="collateral_collected_within_face",
            ),
        ]

    @property
    def outstanding(self) -> int:
        return self.face_amount - self.collected_amount


class Draw(models.Model):
    facility = models.ForeignKey(LoanFacility, on_delete=models.PROTECT, related_name="draws")
    organization = models.ForeignKey("applicants.Organization", on_delete=models.PROTECT)
    number = models.PositiveIntegerField()
    amount = models.BigIntegerField("融資額")
    guarantee_fee = models.BigIntegerField("差引信用保証料", default=0)
    drawn_on = models.DateField("融資実行日")
    payout = models.OneToOneField(
        "treasury.Payout", on_delete=models.PROTECT, related_name="loan_draw"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "融資の実行"
        verbose_name_plural = "融資の実行"
        ordering = ["facility_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "number"], name="uniq_draw_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="draw_amount_positive"),
        ]

    @property
    def net_amount(self) -> int:
        return self.amount - self.guarantee_fee


class Repayment(models.Model):
    class Source(models.TextChoices):
        DESIGNATED = "designated", _("指定口座（売掛先からの入金）")
        REPAYMENT_ACCOUNT = "repayment", _("返済専用口座")

    facility = models.ForeignKey(LoanFacility, on_delete=models.PROTECT, related_name="repayments")
    organization = models.ForeignKey("applicants.Organization", on_delete=models.PROTECT)
    source = models.CharField("入金口座", max_length=12, choices=Source.choices)
    reference = models.CharField("照会番号", max_length=60)
    received_on = models.DateField("入金日")
    amount = models.BigIntegerField("入金額")
    interest = models.BigIntegerField("利息充当額")
    principal = models.BigIntegerField("元本充当額")
    surplus = models.BigIntegerField("お客様へのご返金額")
    # After a default: the guarantor's share of this recovery (代位弁済後の回収金の按分).
    guarantor_share = models.BigIntegerField("保証協会への按分額", default=0)
    payouts = models.ManyToManyField("treasury.Payout", blank=True, related_name="+")
    collateral = models.ForeignKey(
        Collateral, on_delete=models.PROTECT, null=True, blank=True, related_name="repayments"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "融資の返済"
        verbose_name_plural = "融資の返済"
        ordering = ["facility_id", "received_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "reference"], name="uniq_repayment_ref"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_amount_positive"),
        ]


class InterestAccrual(models.Model):
    facility = models.ForeignKey(LoanFacility, on_delete=models.PROTECT, related_name="accruals")
    start = models.DateField()
    end = models.DateField()  # exclusive
    amount = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "利息の計上"
        verbose_name_plural = "利息の計上"
        ordering = ["facility_id", "start"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "start"], name="uniq_accrual_start")
        ]


class BalanceReport(models.Model):
    class Status(models.TextChoices):
        DUE = "due", _("提出待ち")
        SUBMITTED = "submitted", _("提出済み")

    facility = models.ForeignKey(LoanFacility, on_delete=models.PROTECT, related_name="reports")
    organization = models.ForeignKey("applicants.Organization", on_delete=models.PROTECT)
    period_end = models.DateField("基準日（月末）")
    deadline = models.DateField("提出期限")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DUE)
    pdf = models.BinaryField(null=True, blank=True)
    csv = models.BinaryField(null=True, blank=True)
    total_balance = models.BigIntegerField(default=0)
    total_collateral_value = models.BigIntegerField(default=0)
    outstanding_principal = models.BigIntegerField(default=0)
    generated_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reminders_sent = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = "担保債権の残高報告"
        verbose_name_plural = "担保債権の残高報告"
        ordering = ["-period_end", "facility_id"]
        constraints = [
            models.UniqueConstraint(fields=["facility", "period_end"], name="uniq_report_period")
        ]


class ShortfallNotice(models.Model):
    facility = models.ForeignKey(LoanFacility, on_delete=models.PROTECT, related_name="shortfalls")
    organization = models.ForeignKey("applicants.Organization", on_delete=models.PROTECT)
    on = models.DateField()
    outstanding = models.BigIntegerField()
    collateral_value = models.BigIntegerField()
    shortfall = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "担保不足の通知"
        verbose_name_plural = "担保不足の通知"
        ordering = ["-on", "-pk"]


def rates_to_json(rates: dict[Any, Any]) -> dict[str, str]:
    return {f"{g}:{m}": str(r) for (g, m), r in rates.items()}
