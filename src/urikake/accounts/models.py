"""People who log in: applicants' members and the operator's staff.

A custom user model from day one (changing ``AUTH_USER_MODEL`` later is a painful migration):
users log in with their e-mail address; there is no username.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import connections, models
from django.utils import timezone

from urikake.accounts.fixed_reads import ByPrimaryKey
from urikake.accounts.roles import StaffRole
from urikake.domain.email_address import normalise_email


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get(self, *args: Any, **kwargs: Any) -> User:
        """``get(pk=…)`` — the signed-in user, read on every request by Django's
        ``ModelBackend.get_user`` — is sent as SQL text built once
        (:mod:`urikake.accounts.fixed_reads`); any other ``get`` is the ORM's."""
        if (
            # a related manager (group.user_set, …) subclasses this one and adds its filter;
            # a migration's historical model may not have today's columns
            type(self) is not UserManager
            or self.model is not User
            or args
            or kwargs.keys() != {"pk"}
            or not isinstance(kwargs["pk"], int | str)
        ):
            return super().get(*args, **kwargs)
        user: User = _BY_PK.get(connections[self.db], kwargs["pk"])
        return user

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("メールアドレスは必須です")
        user = self.model(email=normalise_email(email), **extra)
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
    # The language the user reads the site in (set by the language switch and at sign-up):
    # mail and SMS to them are written in it, whatever language the sender's request had.
    # One of settings.LANGUAGES (accounts.services.supported_language keeps it so; no
    # `choices` here, so that a migration does not follow the settings).
    preferred_language = models.CharField("表示言語", max_length=8, default="ja")

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "ユーザー"
        verbose_name_plural = "ユーザー"

    def __str__(self) -> str:
        return f"user:{self.pk}"


class LoginThrottle(models.Model):
    """Failed logins for one typed e-mail address, and when the next attempt may happen.

    The key is an HMAC of the normalised address (``urikake.accounts.lockout``), never the
    address: unknown and registered addresses get the same row and the same treatment, and the
    table reveals nobody's address. A successful login deletes the row.
    """

    key = models.CharField("キー (HMAC)", max_length=64, unique=True)
    failures = models.PositiveIntegerField("連続失敗回数", default=0)
    last_failure_at = models.DateTimeField("最終失敗日時", null=True, blank=True)
    # No password is checked before this moment (a growing delay, or the lock).
    next_attempt_at = models.DateTimeField("次に試行できる日時", null=True, blank=True)
    locked_until = models.DateTimeField("ロック解除日時", null=True, blank=True)

    class Meta:
        verbose_name = "ログイン試行制限"
        verbose_name_plural = "ログイン試行制限"

    def __str__(self) -> str:
        return f"throttle:{self.key[:12]}"


class KnownDevice(models.Model):
    """A browser a user has logged in from (identified by a random id in a signed cookie).

    Only an HMAC of the cookie's id is stored, so a copy of this table cannot be turned into
    cookies. A login from a browser that is not listed here mails the user.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="known_devices")
    device_hash = models.CharField("端末ID (HMAC)", max_length=64)
    user_agent_summary = models.CharField("ブラウザ", max_length=100, blank=True)
    first_seen_at = models.DateTimeField("初回ログイン", default=timezone.now)
    last_seen_at = models.DateTimeField("最終ログイン", default=timezone.now)

    class Meta:
        verbose_name = "ログイン済み端末"
        verbose_name_plural = "ログイン済み端末"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "device_hash"], name="accounts_knowndevice_user_device"
            )
        ]

    def __str__(self) -> str:
        return f"device:{self.pk} of user:{self.user_id}"


class PasswordPolicyRecord(models.Model):
    """Whether the user's current password is long enough for an account without MFA.

    Passwords of 8–14 characters are allowed only while MFA is on (NIST SP 800-63B rev. 4).
    The password itself is never kept; this flag, written when the password is set, lets us
    ask for a longer one when the user turns MFA off.
    """

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="password_policy_record"
    )
    long_enough_without_mfa = models.BooleanField("MFAなしで有効な長さ", default=True)
    changed_at = models.DateTimeField("設定日時", default=timezone.now)

    class Meta:
        verbose_name = "パスワード長の記録"
        verbose_name_plural = "パスワード長の記録"

    def __str__(self) -> str:
        return f"password-policy of user:{self.user_id}"


_BY_PK = ByPrimaryKey(User)
