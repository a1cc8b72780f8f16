"""People who log in: applicants' members and the operator's staff.

A custom user model from day one (changing ``AUTH_USER_MODEL`` later is a painful migration):
users log in with their e-mail address; there is no username.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

from urikake.accounts.roles import StaffRole


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("メールアドレスは必須です")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra["is_staff"] = True
        extra["is_superuser"] = True
        extra.setdefault("staff_role", StaffRole.ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("メールアドレス", unique=True)
    full_name = models.CharField("氏名", max_length=150, blank=True)
    is_staff = models.BooleanField("運営スタッフ", default=False)
    # The one staff role of this user (None for applicants). See urikake.accounts.roles.
    staff_role = models.CharField(
        "スタッフ権限", max_length=20, choices=StaffRole.choices, blank=True, default=""
    )
    is_active = models.BooleanField("有効", default=True)
    date_joined = models.DateTimeField("登録日時", default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "ユーザー"
        verbose_name_plural = "ユーザー"

    def __str__(self) -> str:
        return f"user:{self.pk}"
