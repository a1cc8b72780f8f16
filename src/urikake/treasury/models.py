"""Treasury: what the platform owns, pays and collects.

* :class:`Perfection` — 対抗要件具備 of one deal (notice / consent / registration).
* :class:`Payout` and :class:`PayoutBatch` — money leaving the platform's bank account in
  全銀 総合振込 files; a payout is in at most one batch (a column, guarded by a trigger).
* :class:`CollectionStatement`, :class:`Deposit`, :class:`DepositMatch`, :class:`Allocation` —
  receipts on the platform's collection account and how each was applied (消込).
* :class:`PayerLink` — payer names an operator confirmed for a debtor (later matches use them).

The positions a payout or an allocation names (``servicing.Position``) belong to
:mod:`urikake.servicing`: treasury keeps the cash.

Every movement of money is a ledger entry (``urikake.ledger``) whose id names its source, so a
repeated call finds the entry instead of posting it twice.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from urikake.security.crypto import EncryptedTextField


class Perfection(models.Model):
    class Method(models.TextChoices):
        NOTICE = "notice", _("確定日付のある債権譲渡通知")
        CONSENT = "consent", _("確定日付のある債務者の承諾")
        REGISTRATION = "registration", _("債権譲渡登記")

    class Stage(models.TextChoices):
        PENDING = "pending", _("未了")
        NOTICE_SENT = "notice_sent", _("通知発送済み（到達待ち）")
        FILED = "filed", _("登記申請中")
        PERFECTED = "perfected", _("具備済み")
        EXTENDED = "extended", _("延長登記済み")
        CANCELLED = "cancelled", _("抹消済み")

    application = models.OneToOneField(
        "receivables.FinancingApplication", on_delete=models.PROTECT, related_name="perfection"
    )
    method = models.CharField("方法", max_length=20, choices=Method.choices)
    stage = models.CharField("状況", max_length=20, choices=Stage.choices, default=Stage.PENDING)
    # Notice / consent: the 確定日付 and when the notice reached the debtor (or consent given).
    certified_date = models.DateField("確定日付", null=True, blank=True)
    notice_sent_on = models.DateField("通知発送日", null=True, blank=True)
    delivered_on = models.DateField("到達日・承諾日", null=True, blank=True)
    # Registration (債権譲渡登記).
    filed_on = models.DateField("登記申請日", null=True, blank=True)
    registration_number = models.CharField("登記番号", max_length=40, blank=True)
    registered_on = models.DateField("登記日", null=True, blank=True)
    registration_expires_on = models.DateField("存続期間の満了日", null=True, blank=True)
    cancelled_on = models.DateField("抹消日", null=True, blank=True)
    note = models.CharField("備考", max_length=300, blank=True)
    # True when the deal was funded before perfection under the product's policy.
    funded_before_perfection = models.BooleanField("対抗要件具備前の送金", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "対抗要件"
        verbose_name_plural = "対抗要件"

    def __str__(self) -> str:
        return f"perfection:{self.pk}"


class PayoutBatch(models.Model):
    """One 全銀 総合振込 file for one value date and bank cut-off.

    Dual control: one treasury user prepares the batch (``generated`` — 承認待ち), another
    approves it (``approved``); only then can its file be downloaded or the batch marked sent.
    """

    class Status(models.TextChoices):
        GENERATED = "generated", _("承認待ち（作成済み）")
        APPROVED = "approved", _("承認済み（未送信）")
        SENT = "sent", _("送信済み")

    value_date = models.DateField("振込指定日")
    cutoff = models.CharField("締め時刻", max_length=5)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.GENERATED)
    file_content = models.BinaryField("振込データ")
    file_sha256 = models.CharField(max_length=64)
    total_count = models.PositiveIntegerField()
    total_amount = models.BigIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # The preparer as the audit trail names it (``user:<pk>``, ``cli:treasury`` …): the
    # approver must be someone else.
    created_actor = models.CharField("作成者", max_length=100, default="", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="承認者",
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "総合振込ファイル"
        verbose_name_plural = "総合振込ファイル"

    def __str__(self) -> str:
        return f"payout_batch:{self.pk}"

    @property
    def preparer_label(self) -> str:
        return self.created_actor or (f"user:{self.created_by_id}" if self.created_by_id else "")

    @property
    def releasable(self) -> bool:
        """Approved by a second person: the file may leave (download, mark sent)."""
        return self.status in (self.Status.APPROVED, self.Status.SENT)

    @property
    def filename(self) -> str:
        return f"sogo-furikomi-{self.value_date:%Y%m%d}-{self.pk:06d}.txt"


class Payout(models.Model):
    """A transfer to a client: the advance of a deal, a released holdback, a loan draw
    (融資実行, urikake.lending) or a guarantee claim (保証履行, urikake.guarantees) — the last two
    have no purchase application; the draw or the claim names its payout."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", _("買取代金")
        RESERVE = "reserve", _("留保金返還")
        # 担保融資, not 融資 alone: a client's payout list shows it beside 買取代金 (factoring is
        # never called a loan), so the label names the loan product.
        LOAN = "loan", _("担保融資の実行")
        # urikake.lending, after the loan is drawn (docs/lending.md):
        LOAN_SURPLUS = "loan_surplus", _("返済超過額の返還")
        GUARANTEE_FEE = "guarantee_fee", _("信用保証料の支払（保証協会）")
        RECOVERY_SHARE = "recovery_share", _("回収金の按分（保証協会）")
        # urikake.guarantees: a claim paid within coverage.
        GUARANTEE = "guarantee", _("保証履行")
        # urikake.bulk: an early payment or the due-date payment to a supplier.
        BULK = "bulk", _("一括ファクタリング支払")

    class Status(models.TextChoices):
        PENDING = "pending", _("送金待ち")
        BATCHED = "batched", _("振込データ作成済み")
        SENT = "sent", _("送金済み")
        RETURNED = "returned", _("組戻し・振込不能")

    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="payouts"
    )
    application = models.ForeignKey(
        "receivables.FinancingApplication",
        on_delete=models.PROTECT,
        related_name="payouts",
        null=True,
        blank=True,
    )
    purchase = models.ForeignKey(
        "servicing.Position",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="payouts",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The retry of a returned payout names it (a returned payout is never sent again).
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by"
    )
    amount = models.BigIntegerField("振込金額")
    # The liability the transfer settles when it is not the client's 未払金 (payable:<client>):
    # a transfer to the guarantor, never shown to the client as money it received.
    debit_account = models.CharField(max_length=100, blank=True, default="")
    requested_for = models.DateField("送金予定日")
    # The beneficiary as it was when the payout was created (the account may change later).
    bank_code = models.CharField(max_length=4)
    branch_code = models.CharField(max_length=3)
    account_type = models.PositiveSmallIntegerField()
    account_number = EncryptedTextField()
    holder_kana = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    # A payout is in at most one batch: one column, never changed once set (trigger).
    batch = models.ForeignKey(
        PayoutBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="payouts"
    )
    line_number = models.PositiveIntegerField(null=True, blank=True)
    returned_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "送金"
        verbose_name_plural = "送金"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            # Only a purchase's payouts belong to an application; the other products' transfers
            # (a loan and its after-draw payouts, a guarantee claim, a bulk-factoring payment to a
            # supplier) stand alone.
            models.CheckConstraint(
                condition=Q(application__isnull=False)
                | Q(
                    kind__in=[
                        "loan",
                        "loan_surplus",
                        "guarantee_fee",
                        "recovery_share",
                        "guarantee",
                        "bulk",
                    ]
                ),
                name="payout_application_unless_own_product",
            ),
            # One advance per deal, one holdback release per purchase — unless the earlier
            # one was returned and this is its replacement.
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(kind="advance", replaces__isnull=True),
                name="uniq_advance_per_application",
            ),
            models.UniqueConstraint(
                fields=["purchase"],
                condition=Q(kind="reserve", replaces__isnull=True),
                name="uniq_reserve_release_per_purchase",
            ),
            models.UniqueConstraint(
                fields=["batch", "line_number"], name="uniq_payout_line_in_batch"
            ),
            models.CheckConstraint(
                condition=(Q(status="pending") & Q(batch__isnull=True))
                | (~Q(status="pending") & Q(batch__isnull=False) & Q(line_number__isnull=False)),
                name="payout_batched_iff_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"payout:{self.pk}"

    @staticmethod
    def beneficiary(account: Any) -> dict[str, Any]:
        """The payout fields copied from a client's ``PayoutAccount`` (a snapshot: the
        account may change later, a payout keeps where it was sent)."""
        return {
            "bank_code": account.bank_code,
            "branch_code": account.branch_code,
            "account_type": account.account_type,
            "account_number": account.account_number,
            "holder_kana": account.holder_kana,
        }

    @property
    def to_client(self) -> bool:
        """Money for the client (its 未払金), not a transfer to a third party."""
        return not self.debit_account

    @property
    def customer_code(self) -> str:
        """顧客コード1 in the transfer file: the payout id, so returns find it."""
        return f"{self.pk:010d}"


class CollectionStatement(models.Model):
    """A bank statement of the platform's collection account (入出金明細 / 振込入金通知 / CSV)."""

    source_format = models.CharField(max_length=30)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, unique=True)
    bank_code = models.CharField(max_length=4, blank=True)
    branch_code = models.CharField(max_length=3, blank=True)
    account_number = models.CharField(max_length=7, blank=True)
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)
    deposit_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "回収口座の明細"
        verbose_name_plural = "回収口座の明細"

    def __str__(self) -> str:
        return f"collection_statement:{self.pk}"


class AccountMovement(models.Model):
    """Every line of the platform's bank statements, in and out (signed yen: + in, − out) —
    what the ledger's cash account is tied out against."""

    statement = models.ForeignKey(
        CollectionStatement, on_delete=models.PROTECT, related_name="movements"
    )
    line_key = models.CharField(max_length=200, unique=True)
    value_date = models.DateField("勘定日", db_index=True)
    amount = models.BigIntegerField("金額")  # + 入金, − 出金
    description = models.CharField("摘要・振込依頼人", max_length=200, blank=True)

    class Meta:
        verbose_name = "回収口座の入出金"
        verbose_name_plural = "回収口座の入出金"
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="movement_amount_nonzero")
        ]

    def __str__(self) -> str:
        return f"account_movement:{self.pk}"


class Deposit(models.Model):
    """One receipt on the collection account, and where reconciliation put it."""

    class Status(models.TextChoices):
        NEW = "new", _("未処理")
        AUTO = "auto", _("自動消込")
        SUGGESTED = "suggested", _("確認待ち（候補あり）")
        UNMATCHED = "unmatched", _("該当なし")
        CONFIRMED = "confirmed", _("担当者が消込")
        REFUNDED = "refunded", _("返金・対象外")

    statement = models.ForeignKey(
        CollectionStatement, on_delete=models.PROTECT, related_name="deposits"
    )
    line_key = models.CharField(max_length=200, unique=True)  # repeats across files add nothing
    value_date = models.DateField("入金日")
    amount = models.BigIntegerField("入金額")
    payer_kana = models.CharField("振込依頼人名", max_length=200)
    reference = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    # The engine's proposal (item ids are servicing.Position pks) and its explanation.
    proposal = models.JSONField(default=dict, blank=True)
    reason = models.CharField(max_length=60, blank=True)
    reason_ja = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "入金"
        verbose_name_plural = "入金"
        indexes = [models.Index(fields=["status", "value_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="deposit_amount_positive")
        ]

    def __str__(self) -> str:
        return f"deposit:{self.pk}"


class Allocation(models.Model):
    """Yen of a deposit applied to a purchased receivable (one row per pair)."""

    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="allocations")
    purchase = models.ForeignKey(
        "servicing.Position", on_delete=models.PROTECT, related_name="allocations"
    )
    amount = models.BigIntegerField()
    fee_deducted = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "入金の充当"
        verbose_name_plural = "入金の充当"
        constraints = [
            models.UniqueConstraint(fields=["deposit", "purchase"], name="uniq_allocation_pair"),
            models.CheckConstraint(
                condition=Q(amount__gte=0) & Q(fee_deducted__gte=0), name="allocation_nonneg"
            ),
        ]

    def __str__(self) -> str:
        return f"allocation:{self.pk}"


class PayerLink(models.Model):
    """A payer name (normalised key) an operator confirmed as paying for a debtor."""

    payer_key = models.CharField(max_length=200)
    payer_kana = models.CharField(max_length=200)
    debtor = models.ForeignKey(
        "receivables.Debtor", on_delete=models.CASCADE, related_name="payer_links"
    )
    confirmations = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "振込名義と売掛先の紐付け"
        verbose_name_plural = "振込名義と売掛先の紐付け"
        constraints = [
            models.UniqueConstraint(fields=["payer_key", "debtor"], name="uniq_payer_link")
        ]

    def __str__(self) -> str:
        return f"payer_link:{self.pk}"


class StatementImportJob(models.Model):
    """A large collection statement imported and reconciled in the background.

    The upload is stored under ``VAR_DIR/statement-imports/`` (the job keeps its path and
    SHA-256) and a worker does the same as the page does for a small file: all lines or none,
    then the reconciliation. The page shows the stage and the counts while it runs.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("順番待ち")
        RUNNING = "running", _("処理中")
        DONE = "done", _("完了")
        FAILED = "failed", _("失敗")

    class Stage(models.TextChoices):
        WAITING = "waiting", _("開始を待っています")
        READING = "reading", _("明細を読み取っています")
        IMPORTING = "importing", _("入金を取り込んでいます")
        RECONCILING = "reconciling", _("自動消込をしています")
        FINISHED = "finished", _("終了しました")

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=12, choices=Stage.choices, default=Stage.WAITING)
    filename = models.CharField(max_length=255)
    file_format = models.CharField(max_length=30)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=100)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    lines = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    repeated = models.PositiveIntegerField(default=0)
    auto = models.PositiveIntegerField(default=0)
    suggested = models.PositiveIntegerField(default=0)
    unmatched = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "明細の取り込み"
        verbose_name_plural = "明細の取り込み"

    def __str__(self) -> str:
        return f"statement_import:{self.pk}"

    @property
    def in_progress(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}
