"""Plans (operator-defined, effective-dated terms) and per-client credit lines (限度額).

A :class:`Plan` is an identity (its code); its terms live in :class:`PlanVersion` rows, each
effective from a date — a change adds a version, nothing is overwritten, so every
application can point at the exact terms it was held to. The rules are in
:mod:`urikake.domain.plans` and :mod:`urikake.domain.credit_lines`; every change goes through
:mod:`urikake.plans.services`.

This app sits below ``receivables`` (which points at a plan version) and above
``applicants``: it never imports receivables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Plan(models.Model):
    code = models.SlugField("プランコード", max_length=40, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "プラン"
        verbose_name_plural = "プラン"

    def __str__(self) -> str:
        return self.code


class PlanVersion(models.Model):
    class Segment(models.TextChoices):
        CORPORATION = "corporation", _("法人")
        SOLE_PROPRIETOR = "sole_proprietor", _("個人事業主")

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="versions")
    name = models.CharField("プラン名", max_length=100)
    segment = models.CharField("対象", max_length=20, choices=Segment.choices)
    product = models.CharField("商品", max_length=40)
    min_amount = models.BigIntegerField("1件あたりの最低金額（円）")
    max_amount = models.BigIntegerField("1件あたりの上限金額（円）")
    fee_min = models.DecimalField("手数料（下限）", max_digits=7, decimal_places=5)
    fee_max = models.DecimalField("手数料（上限）", max_digits=7, decimal_places=5)
    advance_rate = models.DecimalField("掛目", max_digits=7, decimal_places=5)
    speed = models.CharField("お振込までの目安", max_length=40)
    active = models.BooleanField("受付中", default=True)
    effective_from = models.DateField("適用開始日")
    note = models.CharField("変更の理由", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "プランの版"
        verbose_name_plural = "プランの版"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_amount__gt=0)
                & models.Q(max_amount__gte=models.F("min_amount")),
                name="plan_version_amount_range",
            ),
            models.CheckConstraint(
                condition=models.Q(fee_min__gt=0) & models.Q(fee_max__gte=models.F("fee_min")),
                name="plan_version_fee_band",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.effective_from:%Y-%m-%d}〜)"


class CreditLine(models.Model):
    """The client's current line; :class:`CreditLineChange` rows are its history."""

    organization = models.OneToOneField(
        "applicants.Organization", on_delete=models.PROTECT, related_name="credit_line"
    )
    amount = models.BigIntegerField("限度額")
    reason = models.TextField("現在の限度額の理由")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "限度額"
        verbose_name_plural = "限度額"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="credit_line_amount_nonnegative"
            )
        ]

    def __str__(self) -> str:
        return f"credit_line:{self.pk}"


class CreditLineChange(models.Model):
    credit_line = models.ForeignKey(CreditLine, on_delete=models.PROTECT, related_name="changes")
    previous = models.BigIntegerField("変更前")
    amount = models.BigIntegerField("変更後")
    code = models.CharField(max_length=40)
    reason = models.TextField("理由")
    # The values the reason was written from (domain LineChange.params): an English page
    # says the reason again from code + params (plans templatetag ``line_reason``).
    params = models.JSONField(default=dict, blank=True)
    # The application that caused it (a plain id: this app sits below receivables).
    application_ref = models.PositiveBigIntegerField(null=True, blank=True, db_index=True)
    actor = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "限度額の変更履歴"
        verbose_name_plural = "限度額の変更履歴"

    def __str__(self) -> str:
        return f"credit_line_change:{self.pk}"
