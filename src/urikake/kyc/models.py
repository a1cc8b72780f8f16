"""eKYC checks of applicant organisations and the webhook events that decided them.

Rows here are changed only by :mod:`urikake.kyc.services`. Personal data (name, birth date,
the identity document) is encrypted at rest: the name and birth date with
:class:`~urikake.security.crypto.EncryptedTextField`, the document as the output of
:func:`~urikake.security.crypto.encrypt_bytes` in a binary column (re-encrypted after a key
rotation by ``urikake kyc rotate-document-keys``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from urikake.security.crypto import EncryptedTextField

# How long a verified check counts: one year, then the applicant verifies again. A module
# constant rather than a setting: changing it is a compliance decision, not a deployment one.
VERIFICATION_VALIDITY = timedelta(days=365)


class KycStatus(models.TextChoices):
    # "not_started" is also what an organisation without any check shows, and what a check
    # shows whose submission to the vendor failed (the applicant can send it again).
    NOT_STARTED = "not_started", _("未実施")
    PENDING = "pending", _("確認中")
    VERIFIED = "verified", _("確認済み")
    REJECTED = "rejected", _("確認できませんでした")
    EXPIRED = "expired", _("有効期限切れ")


class KycCheck(models.Model):
    # Sent to the vendor instead of our primary key; also its idempotency key.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # PROTECT: a KYC result is evidence for the financing decisions made on it.
    organization = models.ForeignKey(
        "applicants.Organization", on_delete=models.PROTECT, related_name="kyc_checks"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状態", max_length=20, choices=KycStatus.choices, default=KycStatus.PENDING
    )
    full_name = EncryptedTextField("氏名")
    birth_date = EncryptedTextField("生年月日")  # ISO "YYYY-MM-DD", encrypted
    document = models.BinaryField("本人確認書類（暗号化）", editable=False)
    document_mime = models.CharField("書類の形式", max_length=100)
    document_sha256 = models.CharField(max_length=64)
    document_size = models.PositiveIntegerField(default=0)
    vendor_check_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    reason = models.TextField("理由", blank=True)  # the vendor's reason for a rejection
    vendor_error = models.TextField(blank=True)  # why the last submission to the vendor failed
    submitted_at = models.DateTimeField("申請日時", default=timezone.now)
    sent_at = models.DateTimeField("ベンダー受付日時", null=True, blank=True)
    decided_at = models.DateTimeField("判定日時", null=True, blank=True)
    expires_at = models.DateTimeField("有効期限", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "本人確認"
        verbose_name_plural = "本人確認"
        ordering = ("-submitted_at", "-pk")
        indexes = [models.Index(fields=["organization", "-submitted_at"], name="kyc_org_idx")]
        constraints = [
            # With the organisation row lock in start_kyc, this makes a second concurrent
            # check impossible rather than merely unlikely.
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(status="pending"),
                name="kyc_one_pending_check_per_org",
            )
        ]

    def __str__(self) -> str:
        return f"kyc_check:{self.pk}"

    @property
    def birth_date_value(self) -> date:
        return date.fromisoformat(self.birth_date)

    @property
    def birth_date_or_none(self) -> date | None:
        """The birth date for display: None when missing or unreadable (never a crash)."""
        try:
            return date.fromisoformat(self.birth_date) if self.birth_date else None
        except ValueError:
            return None

    @property
    def has_document(self) -> bool:
        return bool(self.document_size and self.document_sha256)

    def effective_status(self, now: datetime | None = None) -> str:
        """The status, counting a verified check whose validity ran out as expired."""
        if (
            self.status == KycStatus.VERIFIED
            and self.expires_at is not None
            and self.expires_at <= (now or timezone.now())
        ):
            return KycStatus.EXPIRED
        return self.status

    @property
    def effective_status_label(self) -> str:
        return str(KycStatus(self.effective_status()).label)

    @property
    def can_resend(self) -> bool:
        """Submitted by the applicant but never accepted by the vendor."""
        return self.status == KycStatus.NOT_STARTED and not self.vendor_check_id


class KycWebhookEvent(models.Model):
    """An accepted webhook event: its id is never accepted twice (replay protection)."""

    event_id = models.CharField(max_length=100, unique=True)
    # Not named "check": that would shadow Model.check() (Django's system checks).
    kyc_check = models.ForeignKey(KycCheck, on_delete=models.PROTECT, related_name="webhook_events")
    event_type = models.CharField(max_length=50)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "eKYC 通知"
        verbose_name_plural = "eKYC 通知"

    def __str__(self) -> str:
        return f"kyc_webhook_event:{self.pk}"
