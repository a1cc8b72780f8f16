"""Notifications: what each person was told, through which channel, and verified phones.

* :class:`Notification` — one event told to one person: the entry in their notification
  centre. Unique per (event, subject, recipient): an event retried by a task or a double
  click never tells the same person twice.
* :class:`Delivery` — one message on one channel (mail, SMS) to one address. Unique per
  (event, subject, channel, address): the same guarantee for what leaves the platform.
* :class:`PhoneVerification` — a 6-digit code sent by SMS to an organisation's mobile number;
  only a verified number receives SMS.

Rows are changed only by :mod:`urikake.notifications.services`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from urikake.applicants.models import Organization


class Notification(models.Model):
    event = models.CharField(max_length=60)  # a key of urikake.notifications.events.EVENTS
    subject = models.CharField(max_length=100)  # what it is about: "application:12"
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Plain values the texts are rendered from, in the reader's language (no personal data
    # beyond what the recipient already sees on their pages).
    context = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "お知らせ"
        verbose_name_plural = "お知らせ"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subject", "recipient"], name="uniq_notification_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_inbox_idx"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"notification:{self.pk}"


class Channel(models.TextChoices):
    MAIL = "mail", "メール"
    SMS = "sms", "SMS"


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "送信待ち"
    SENT = "sent", "送信済み"
    FAILED = "failed", "送信失敗"


class Delivery(models.Model):
    event = models.CharField(max_length=60)
    subject = models.CharField(max_length=100)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    address = models.CharField(max_length=254)  # e-mail address or E.164 number
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    # Mail: the OutboundMail row (urikake.mail delivers and retries it). SMS: the text, kept
    # until it is sent (a verification code must not outlive its delivery in the database).
    outbound_mail_id = models.BigIntegerField(null=True, blank=True)
    body = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "お知らせの配信"
        verbose_name_plural = "お知らせの配信"
        constraints = [
            models.UniqueConstraint(
                fields=["event", "subject", "channel", "address"],
                name="uniq_delivery_per_event_channel",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"delivery:{self.pk}"


class PhoneVerification(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="phone_verifications"
    )
    phone = models.CharField(max_length=20)  # E.164
    code_hash = models.CharField(max_length=64)  # HMAC-SHA256 of the code; never the code
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "電話番号の確認"
        verbose_name_plural = "電話番号の確認"
        indexes = [models.Index(fields=["organization", "phone"], name="phone_verif_org_idx")]

    def __str__(self) -> str:
        return f"phone_verification:{self.pk}"
