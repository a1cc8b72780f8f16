"""Debtors (売掛先), their platform-wide identity, and imported bank statements.

A debtor belongs to one applicant organisation; its :class:`DebtorIdentity` is shared by every
applicant that sells invoices on the same company (by 法人番号 when known, else by the
normalised kana name), so exposure and concentration can be seen across the platform and
double assignment caught across applicants.

Statements are stored line by line (:class:`StatementEntry`) as evidence for screening and,
later, for reconciliation. A statement's fingerprint makes a repeated import recognisable; a
movement's key makes overlapping statements add each movement once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from urikake.domain.products import ProductSpec, purchase_specs, spec
from urikake.domain.screening.pricing import InvoiceKey, pair_offer_lines
from urikake.security.crypto import EncryptedTextField


class DebtorIdentity(models.Model):
    key = models.CharField("識別キー", max_length=200, unique=True)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)
    display_name = models.CharField("名称", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "売掛先（プラットフォーム共通）"
        verbose_name_plural = "売掛先（プラットフォーム共通）"

    def __str__(self) -> str:
        return self.display_name


class Debtor(models.Model):
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="debtors"
    )
    identity = models.ForeignKey(DebtorIdentity, on_delete=models.PROTECT, related_name="debtors")
    name = models.CharField("売掛先名", max_length=200)
    name_kana = models.CharField("売掛先名フリガナ", max_length=200)
    corporate_number = models.CharField("法人番号", max_length=13, blank=True)
    address = models.CharField("所在地", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "売掛先"
        verbose_name_plural = "売掛先"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "identity"], name="uniq_debtor_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name


class StatementImport(models.Model):
    class Source(models.TextChoices):
        ZENGIN_STATEMENT = "zengin_03", _("全銀 入出金取引明細")
        ZENGIN_DEPOSIT_NOTICE = "zengin_01", _("全銀 振込入金通知")
        CSV = "csv", _("CSV")
        BANK_API = "bank_api", _("銀行API")

    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="statement_imports"
    )
    source = models.CharField("取込形式", max_length=20, choices=Source.choices)
    filename = models.CharField("ファイル名", max_length=255, blank=True)
    content_sha256 = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64)
    bank_code = models.CharField("金融機関コード", max_length=4, blank=True)
    branch_code = models.CharField("支店コード", max_length=3, blank=True)
    account_type = models.PositiveSmallIntegerField("預金種目", null=True, blank=True)
    account_number = EncryptedTextField("口座番号", blank=True)
    account_number_last4 = models.CharField(max_length=4, blank=True)
    account_name = models.CharField("口座名", max_length=100, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    new_line_count = models.PositiveIntegerField(default=0)
    deposit_total = models.BigIntegerField(default=0)
    withdrawal_total = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "入出金明細の取込"
        verbose_name_plural = "入出金明細の取込"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fingerprint"], name="uniq_statement_per_organization"
            )
        ]

    def __str__(self) -> str:
        return f"statement:{self.pk}"


class StatementEntry(models.Model):
    class Direction(models.TextChoices):
        DEPOSIT = "deposit", _("入金")
        WITHDRAWAL = "withdrawal", _("出金")

    statement = models.ForeignKey(StatementImport, on_delete=models.PROTECT, related_name="entries")
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="+"
    )
    value_date = models.DateField("勘定日")
    direction = models.CharField("入払区分", max_length=10, choices=Direction.choices)
    amount = models.BigIntegerField("金額")
    counterparty = models.CharField("振込依頼人・摘要", max_length=200, blank=True)
    description = models.CharField("摘要", max_length=200, blank=True)
    reference = models.CharField("照会番号", max_length=50, blank=True)
    balance_after = models.BigIntegerField("残高", null=True, blank=True)
    edi = models.CharField("EDI情報", max_length=40, blank=True)
    line_number = models.PositiveIntegerField(default=0)
    line_key = models.CharField(max_length=64)

    class Meta:
        verbose_name = "入出金明細"
        verbose_name_plural = "入出金明細"
        indexes = [models.Index(fields=["organization", "value_date"], name="stmt_entry_org_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "line_key"], name="uniq_statement_entry_per_organization"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="statement_entry_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"statement_entry:{self.pk}"


class Invoice(models.Model):
    """A receivable (売掛債権) the applicant may sell or pledge: one invoice to one debtor."""

    class Source(models.TextChoices):
        FORM = "form", _("フォーム入力")
        PDF = "pdf", _("PDF請求書")
        JP_PINT = "jp_pint", _("デジタルインボイス (JP PINT)")

    class Status(models.TextChoices):
        REGISTERED = "registered", _("登録済み")
        IN_APPLICATION = "in_application", _("申込み中")
        ASSIGNED = "assigned", _("譲渡済み")
        SETTLED = "settled", _("回収済み")
        WITHDRAWN = "withdrawn", _("取下げ")

    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="invoices"
    )
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="invoices")
    invoice_number = models.CharField("請求書番号", max_length=100)
    issue_date = models.DateField("請求日")
    due_date = models.DateField("支払期日")
    total_amount = models.BigIntegerField("請求金額（税込）")
    issuer_registration_number = models.CharField("登録番号（T番号）", max_length=14, blank=True)
    tax_breakdown = models.JSONField("税率ごとの内訳", default=list, blank=True)
    source = models.CharField("登録方法", max_length=10, choices=Source.choices)
    evidence = models.FileField("証憑", upload_to="evidence/%Y/%m/", blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    fingerprint = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        "状態", max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "請求書"
        verbose_name_plural = "請求書"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "fingerprint"], name="uniq_invoice_per_organization"
            ),
            models.CheckConstraint(
                condition=models.Q(total_amount__gt=0), name="invoice_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(due_date__gt=models.F("issue_date")),
                name="invoice_due_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"invoice:{self.pk}"


class InvoiceAssignmentClause(models.Model):
    """An anti-assignment clause (譲渡禁止・制限特約) on an invoice, and its release.

    The clause is recorded with its evidence (the contract text and/or a document); a release
    is the debtor's consent to the assignment: the date, who consented, and its evidence.
    Status and meaning: :mod:`urikake.domain.assignment_clauses`; changes only through
    :mod:`urikake.receivables.assignment_clauses`.
    """

    invoice = models.OneToOneField(
        Invoice, on_delete=models.PROTECT, related_name="assignment_clause"
    )
    evidence_text = models.TextField("特約の内容（契約書の条項など）", blank=True)
    evidence = models.FileField("特約の証憑", upload_to="evidence/clauses/%Y/%m/", blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    released_on = models.DateField("承諾日", null=True, blank=True)
    released_by_name = models.CharField("承諾者（売掛先）", max_length=200, blank=True)
    release_text = models.TextField("承諾の内容", blank=True)
    release_evidence = models.FileField("承諾書", upload_to="evidence/clauses/%Y/%m/", blank=True)
    release_sha256 = models.CharField(max_length=64, blank=True)
    release_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    release_recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "譲渡禁止・制限特約"
        verbose_name_plural = "譲渡禁止・制限特約"

    def __str__(self) -> str:
        return f"assignment_clause:{self.pk}"

    @property
    def released(self) -> bool:
        return self.released_on is not None


class InvoiceNearKey(models.Model):
    """Keys shared by near-duplicate invoices (same debtor + amount + due date, or number)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="near_keys")
    key = models.CharField(max_length=80, db_index=True)

    class Meta:
        verbose_name = "請求書の重複検知キー"
        verbose_name_plural = "請求書の重複検知キー"
        constraints = [
            models.UniqueConstraint(fields=["invoice", "key"], name="uniq_invoice_near_key")
        ]

    def __str__(self) -> str:
        return f"invoice_near_key:{self.pk}"


class FinancingApplication(models.Model):
    """An application to turn chosen invoices into cash (state machine in the domain core)."""

    #: Generated from the product registry (urikake.domain.products): one member per
    #: purchase-flow spec.
    Product = models.TextChoices(  # type: ignore[call-overload]
        "Product", [(s.id.name, (s.id.value, _(s.label_ja))) for s in purchase_specs()]
    )

    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="applications"
    )
    product = models.CharField("商品", max_length=20, choices=Product.choices)
    # The plan terms (one effective-dated version) the application is held to; empty for
    # applications made while the operator had defined no plan.
    plan_version = models.ForeignKey(
        "plans.PlanVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name="プラン",
    )
    requested_amount = models.BigIntegerField("希望金額")
    status = models.CharField("状態", max_length=20, default="draft", db_index=True)
    invoices = models.ManyToManyField(Invoice, related_name="applications")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # The screening's explanation (decision, reasons, risks, reality per invoice) and the
    # offer as numbers a person can check; written once by the screening service.
    screening_result = models.JSONField(default=dict, blank=True)
    offer = models.JSONField(default=dict, blank=True)
    offer_expires_on = models.DateField(null=True, blank=True)
    # API clients' Idempotency-Key (unique per organisation) and a digest of the request it
    # came with: a retry returns this application instead of creating another.
    idempotency_key = models.CharField(max_length=255, blank=True, default="")
    request_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        verbose_name = "資金化の申込み"
        verbose_name_plural = "資金化の申込み"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_amount__gt=0), name="application_amount_positive"
            ),
            models.UniqueConstraint(
                fields=["organization", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="uniq_application_idempotency_key",
            ),
        ]

    @property
    def spec(self) -> ProductSpec:
        """The product's spec (pricing, perfection, who collects, documents, ...)."""
        return spec(self.product)

    def __str__(self) -> str:
        return f"application:{self.pk}"

    def offer_lines(self, invoices: Iterable[Invoice]) -> dict[int, Mapping[str, Any]]:
        """Each invoice's own line of the stored offer, by invoice id (see
        :func:`urikake.domain.screening.pricing.pair_offer_lines`; raises DomainError)."""
        keys = [
            InvoiceKey(inv.pk, inv.total_amount, inv.due_date, inv.invoice_number)
            for inv in invoices
        ]
        return pair_offer_lines(keys, list((self.offer or {}).get("invoices", [])))


class ReviewDecision(models.Model):
    """A reviewer's decision on a referred application (two are needed above the four-eyes
    threshold: two different reviewers must approve)."""

    class Verdict(models.TextChoices):
        APPROVE = "approve", _("承認")
        DECLINE = "decline", _("否認")

    application = models.ForeignKey(
        FinancingApplication, on_delete=models.PROTECT, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    verdict = models.CharField("判断", max_length=10, choices=Verdict.choices)
    comment = models.TextField("コメント")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "審査担当者の判断"
        verbose_name_plural = "審査担当者の判断"
        constraints = [
            models.UniqueConstraint(
                fields=["application", "reviewer"], name="uniq_review_per_reviewer"
            )
        ]

    def __str__(self) -> str:
        return f"review:{self.pk}"


class InvoiceDraft(models.Model):
    """An uploaded invoice file waiting for the applicant to confirm what was read from it.

    Several files can be dropped at once; each becomes a draft holding the file (kept as the
    invoice's evidence) and the fields proposed from it. Confirming registers the invoice and
    removes the draft.
    """

    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.CASCADE, related_name="invoice_drafts"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(upload_to="evidence/drafts/%Y/%m/")
    filename = models.CharField(max_length=255)
    kind = models.CharField(max_length=10)  # pdf / xml / image
    sha256 = models.CharField(max_length=64)
    proposal = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "確認待ちの請求書"
        verbose_name_plural = "確認待ちの請求書"

    def __str__(self) -> str:
        return f"invoice_draft:{self.pk}"


class ExternalCheck(models.Model):
    """One answer of a screening vendor (反社チェック, 信用情報) about one subject: the evidence.

    Written by :mod:`urikake.receivables.external_checks`, never changed afterwards. The
    vendor's whole answer is kept encrypted (it names people) with its SHA-256, the vendor's
    reference id and the time; a later screening of the same subject within
    ``settings.SCREENING_VENDOR_CACHE_DAYS`` reuses the answer instead of asking again.
    """

    class Kind(models.TextChoices):
        ANTISOCIAL = "antisocial", "反社チェック"
        CREDIT_BUREAU = "credit_bureau", "信用情報照会"

    class Role(models.TextChoices):
        APPLICANT = "applicant", "申込者"
        REPRESENTATIVE = "representative", "代表者"
        DEBTOR = "debtor", "売掛先"

    class Status(models.TextChoices):
        CLEAR = "clear", "該当なし"
        HIT = "hit", "該当あり"
        POSSIBLE = "possible", "該当の可能性"
        REPORT = "report", "回答受領"
        UNAVAILABLE = "unavailable", "回答なし（障害）"

    kind = models.CharField("照会", max_length=20, choices=Kind.choices)
    role = models.CharField("対象", max_length=20, choices=Role.choices)
    # SHA-256 of the kind and the subject's identifying data: the cache key (no personal data).
    subject_key = models.CharField("対象キー", max_length=64, db_index=True)
    subject_name = models.CharField("対象の名称", max_length=200)
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="external_checks"
    )
    application = models.ForeignKey(
        FinancingApplication,
        on_delete=models.PROTECT,
        related_name="external_checks",
        null=True,
        blank=True,
    )
    status = models.CharField("結果", max_length=20, choices=Status.choices)
    summary = models.JSONField("要点", default=dict, blank=True)  # adverse kinds, counts, matches
    reference_id = models.CharField("照会番号", max_length=100, blank=True)
    response = EncryptedTextField("回答（原文）", blank=True)
    response_sha256 = models.CharField("回答のSHA-256", max_length=64, blank=True)
    error_detail = models.CharField("障害の内容", max_length=500, blank=True)
    requested_at = models.DateTimeField("照会日時")
    answered_at = models.DateTimeField("回答日時", null=True, blank=True)

    class Meta:
        verbose_name = "外部照会の記録"
        verbose_name_plural = "外部照会の記録"
        indexes = [
            models.Index(fields=["kind", "subject_key", "requested_at"], name="extcheck_cache_idx")
        ]

    def __str__(self) -> str:
        return f"external_check:{self.pk}"
