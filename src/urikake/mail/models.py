"""A mail the platform sends: rendered when the action happens, delivered in the background."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("送信待ち")
    SENT = "sent", _("送信済み")
    FAILED = "failed", _("送信失敗")


class OutboundMail(models.Model):
    """One message. Created in the transaction of the action that causes it (a rolled-back
    action mails nothing); delivered after commit by :func:`urikake.mail.tasks.deliver`.

    The body is dropped once the mail is sent: mails carry links (sign-up, password reset)
    that must not outlive their delivery in the database.
    """

    template = models.CharField(max_length=200, blank=True)  # which template made it
    to = models.JSONField()  # list of addresses
    from_email = models.CharField(max_length=254)
    subject = models.CharField(max_length=998)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "送信メール"
        verbose_name_plural = "送信メール"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="mail_due_idx")]

    def __str__(self) -> str:
        return f"mail:{self.pk}"
