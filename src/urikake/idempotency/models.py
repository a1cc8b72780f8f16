"""The stored outcome of an API call by its ``Idempotency-Key``."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class IdempotentRequest(models.Model):
    """The outcome of a money-moving API call, stored in the same transaction as its effect:
    a retry with the same key gets the same answer, never a second effect."""

    scope = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    request_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "二重送信防止の記録"
        verbose_name_plural = "二重送信防止の記録"
        # The table kept its name when the model moved here from treasury.
        db_table = "treasury_idempotentrequest"
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="uniq_idempotent_request")
        ]

    def __str__(self) -> str:
        return f"idempotent_request:{self.pk}"
