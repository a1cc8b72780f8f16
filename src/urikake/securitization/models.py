"""A pool (a frozen, audited selection of positions with a cut-off date), its items and its
structure. Changes go through :mod:`urikake.securitization.services` only."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AssumptionSet(models.Model):
    """One version of the structuring desk's credit assumptions (operator settings,
    docs/securitization.md): in force from ``effective_from`` until a later version's date.
    Versions are never edited — a change is a new version, audited
    (``securitization.assumptions_set``); a pool keeps the version it was built with."""

    version = models.PositiveIntegerField("版", unique=True)
    effective_from = models.DateField("適用開始日")
    grade_pd = models.JSONField("格付ごとのデフォルト確率")  # {"A": "0.005", …} exact text
    lgd = models.DecimalField("デフォルト時損失率", max_digits=7, decimal_places=6)
    recovery_lag = models.PositiveSmallIntegerField("回収までの期間（月）")
    trigger = models.DecimalField("トリガー（累積デフォルト率）", max_digits=7, decimal_places=6)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "証券化の前提条件"
        verbose_name_plural = "証券化の前提条件"

    def __str__(self) -> str:
        return f"assumptions:v{self.version}"


class Pool(models.Model):
    class Method(models.TextChoices):
        POOL = "pool", _("プール方式（小口多数を統計的に評価）")
        SPECIFIC = "specific", _("特定先方式（特定の売掛先を個別に評価）")

    class Vehicle(models.TextChoices):
        TRUST = "trust", _("信託（信託銀行）")
        SPC = "spc", _("SPC（特別目的会社）")

    class Status(models.TextChoices):
        FROZEN = "frozen", _("確定（譲渡前）")
        SOLD = "sold", _("譲渡済み")

    class Enhancement(models.TextChoices):
        NONE = "none", _("なし（内部信用補完のみ）")
        GUARANTEE = "guarantee", _("保証")
        INSURANCE = "insurance", _("信用保険")

    name = models.CharField("名称", max_length=100)
    method = models.CharField("方式", max_length=10, choices=Method.choices)
    vehicle = models.CharField("SPV", max_length=10, choices=Vehicle.choices, default="trust")
    status = models.CharField(max_length=10, choices=Status.choices, default="frozen")
    cut_off_date = models.DateField("基準日")
    allowed_products = models.JSONField("対象の資金化方法", default=list)
    concentration_limit = models.DecimalField("1社あたりの上限", max_digits=6, decimal_places=4)
    balance = models.BigIntegerField("対象残高（控除後）", default=0)
    sold_balance = models.BigIntegerField("譲渡する債権の残高", default=0)
    dilution_rate = models.DecimalField(max_digits=12, decimal_places=8, default=Decimal(0))
    dilution_reserve = models.BigIntegerField("希薄化準備金", default=0)
    excluded = models.JSONField("対象外の債権と理由", default=list, blank=True)
    # Structure.
    senior_share = models.DecimalField(max_digits=7, decimal_places=5, default=Decimal("0.8"))
    mezzanine_share = models.DecimalField(max_digits=7, decimal_places=5, default=Decimal(0))
    retain_subordinated = models.BooleanField("劣後部分を自社で保有", default=True)
    enhancement = models.CharField(
        "外部信用補完", max_length=10, choices=Enhancement.choices, default="none"
    )
    enhancement_fee_rate = models.DecimalField(max_digits=7, decimal_places=5, default=Decimal(0))
    correlation = models.DecimalField(
        "資産相関", max_digits=5, decimal_places=4, default=Decimal("0.15")
    )
    tibor = models.DecimalField(max_digits=7, decimal_places=5, default=Decimal("0.001"))
    spread = models.DecimalField(max_digits=7, decimal_places=5, default=Decimal("0.007"))
    trust_fee_rate = models.DecimalField(max_digits=7, decimal_places=5, default=Decimal("0.005"))
    term_months = models.PositiveSmallIntegerField("信託期間（月）", default=3)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sold_on = models.DateField("譲渡日", null=True, blank=True)
    sold_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    # The assumptions (PD, LGD, lag, trigger) in force at the cut-off: the analysis reads them
    # from here, so it is reproducible after the settings change. None: the built-in defaults.
    assumptions = models.ForeignKey(
        AssumptionSet, on_delete=models.PROTECT, related_name="pools", null=True, blank=True
    )
    # The day the pool's cumulative defaults first crossed the trigger (full turbo from then).
    trigger_breached_on = models.DateField("トリガー抵触日", null=True, blank=True)

    class Meta:
        verbose_name = "証券化プール"
        verbose_name_plural = "証券化プール"

    def __str__(self) -> str:
        return f"pool:{self.pk}"

    @property
    def code(self) -> str:
        """The pool's part of ledger account codes (``spv_receivable:P<id>``)."""
        return f"P{self.pk}"


class PoolItem(models.Model):
    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="items")
    position = models.ForeignKey(
        "servicing.Position", on_delete=models.PROTECT, related_name="pool_items"
    )
    debtor_key = models.CharField(max_length=40)
    grade = models.CharField(max_length=2)
    residual = models.BigIntegerField("残高")
    haircut = models.BigIntegerField("集中控除", default=0)
    pd = models.FloatField("デフォルト確率")
    lgd = models.FloatField("デフォルト時損失率")
    months = models.PositiveSmallIntegerField("残存月数")

    class Meta:
        verbose_name = "プールの構成債権"
        verbose_name_plural = "プールの構成債権"
        constraints = [
            models.UniqueConstraint(fields=["pool", "position"], name="pool_item_unique"),
        ]

    def __str__(self) -> str:
        return f"pool_item:{self.pk}"

    @property
    def amount(self) -> int:
        return self.residual - self.haircut


class PoolEvent(models.Model):
    """The SPV's sub-ledger of credit events on its sold positions, as the servicer reports
    them: a default (the residual at that day), a write-off (the residual written off, and
    what the client's holdback covered — passed to the SPV) and a recovery (a payment after a
    default, collected for the SPV). The pool's actual performance — cumulative default
    ratio against the trigger, net loss — is read from here; none of it is the platform's
    credit loss (docs/securitization.md, "Credit events after the sale")."""

    class Kind(models.TextChoices):
        DEFAULT = "default", _("債務不履行")
        WRITE_OFF = "write_off", _("貸倒れ（SPVの損失）")
        RECOVERY = "recovery", _("回収（デフォルト後）")

    pool = models.ForeignKey(Pool, on_delete=models.PROTECT, related_name="events")
    position = models.ForeignKey(
        "servicing.Position", on_delete=models.PROTECT, related_name="pool_events"
    )
    kind = models.CharField("区分", max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField("金額")
    holdback_applied = models.BigIntegerField("留保金の充当額", default=0)
    on = models.DateField("発生日")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "譲渡済み債権の信用事象"
        verbose_name_plural = "譲渡済み債権の信用事象"

    def __str__(self) -> str:
        return f"pool_event:{self.pk}"
