"""Applicant organisations (corporations and sole proprietors) and their members."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Organization(models.Model):
    class Kind(models.TextChoices):
        CORPORATION = "corporation", "法人"
        SOLE_PROPRIETOR = "sole_proprietor", "個人事業主"

    kind = models.CharField("事業形態", max_length=20, choices=Kind.choices)
    name = models.CharField("商号・屋号", max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "申込者"
        verbose_name_plural = "申込者"

    def __str__(self) -> str:
        return f"organization:{self.pk}"


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "オーナー"
        MEMBER = "member", "メンバー"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("役割", max_length=10, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="uniq_membership")
        ]

    def __str__(self) -> str:
        return f"membership:{self.pk}"
