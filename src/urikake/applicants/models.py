"""Applicant organisations (corporations and sole proprietors), their members and sign-up data.

Rows here are changed only by :mod:`urikake.applicants.services` (one audited function per
state change). Secrets are never stored in the clear: sign-up and invitation links keep only
the SHA-256 of their token, and the payout account number is encrypted at rest
(:class:`~urikake.security.crypto.EncryptedTextField`) with its last four digits kept apart
for display.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from urikake.applicants.data_use import Use as DataUseChoices
from urikake.applicants.terms import Document
from urikake.domain.identifiers import AccountType
from urikake.security.crypto import EncryptedTextField


class Industry(models.TextChoices):
    # The major groups of 日本標準産業分類 that factoring customers come from, plus "other".
    AGRICULTURE = "agriculture", _("農業・林業・漁業")
    CONSTRUCTION = "construction", _("建設業")
    MANUFACTURING = "manufacturing", _("製造業")
    INFORMATION = "information", _("情報通信業")
    TRANSPORT = "transport", _("運輸業・郵便業")
    WHOLESALE = "wholesale", _("卸売業")
    RETAIL = "retail", _("小売業")
    REAL_ESTATE = "real_estate", _("不動産業・物品賃貸業")
    PROFESSIONAL = "professional", _("学術研究・専門・技術サービス業")
    HOSPITALITY = "hospitality", _("宿泊業・飲食サービス業")
    LIFESTYLE = "lifestyle", _("生活関連サービス業・娯楽業")
    EDUCATION = "education", _("教育・学習支援業")
    MEDICAL = "medical", _("医療・福祉")
    OTHER_SERVICES = "other_services", _("サービス業（他に分類されないもの）")
    OTHER = "other", _("その他")


class Organization(models.Model):
    class Kind(models.TextChoices):
        CORPORATION = "corporation", _("法人")
        SOLE_PROPRIETOR = "sole_proprietor", _("個人事業主")

    kind = models.CharField("事業形態", max_length=20, choices=Kind.choices)
    # The name shown everywhere: 商号 for a corporation; 屋号, or the person's name when there
    # is no 屋号, for a sole proprietor (set by the service, never typed directly).
    name = models.CharField("商号・屋号", max_length=200)
    # 商号フリガナ (corporation) or 氏名フリガナ (sole proprietor), full-width katakana: the
    # reading that bank-side names (口座名義, 振込依頼人名) are compared against.
    name_kana = models.CharField("フリガナ", max_length=200, blank=True)
    trade_name = models.CharField("屋号", max_length=200, blank=True)
    # Not unique: a number claimed by one sign-up must not lock the real company out; the
    # screening step checks duplicates and existence (国税庁 Web-API) instead.
    corporate_number = models.CharField("法人番号", max_length=13, blank=True, db_index=True)
    address = models.CharField("所在地", max_length=300, blank=True)
    # 代表者氏名 (corporation) or 氏名 (sole proprietor).
    representative_name = models.CharField("代表者・氏名", max_length=150, blank=True)
    industry = models.CharField("業種", max_length=30, choices=Industry.choices, blank=True)
    # 設立年月 (corporation: year and month) / 開業年 (sole proprietor: year only).
    established_year = models.PositiveSmallIntegerField("設立・開業年", null=True, blank=True)
    established_month = models.PositiveSmallIntegerField("設立月", null=True, blank=True)
    # 携帯電話番号 in E.164 ("+819012345678"); "" until the phone step is done.
    contact_phone = models.CharField("携帯電話番号", max_length=20, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "申込者"
        verbose_name_plural = "申込者"

    def __str__(self) -> str:
        return f"organization:{self.pk}"

    @property
    def is_corporation(self) -> bool:
        return self.kind == self.Kind.CORPORATION


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("オーナー")
        MEMBER = "member", _("メンバー")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("役割", max_length=10, choices=Role.choices)
    # Removing a member deactivates the row (kept as a record); re-inviting reactivates it.
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "組織のメンバー"
        verbose_name_plural = "組織のメンバー"
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="uniq_membership")
        ]

    def __str__(self) -> str:
        return f"membership:{self.pk}"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class NotificationSettings(models.Model):
    """How the organisation's members are told about events (one row once the step is done)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="notification_settings"
    )
    email_screening = models.BooleanField("審査結果（メール）", default=True)
    email_payment = models.BooleanField("入金（メール）", default=True)
    email_contract = models.BooleanField("契約（メール）", default=True)
    email_news = models.BooleanField("お知らせ（メール）", default=False)
    sms_important = models.BooleanField("重要なお知らせ（SMS）", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"notification_settings:{self.pk}"

    class Meta:
        verbose_name = "通知設定"
        verbose_name_plural = "通知設定"


class PayoutAccount(models.Model):
    """The bank account we pay the applicant into (振込先口座).

    One current account per organisation; a change keeps the old row with ``replaced_at`` set,
    because payouts already made name it. Bank and branch names are stored as looked up at the
    time: closed or merged branches disappear from the zengin-code data.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="payout_accounts"
    )
    bank_code = models.CharField("金融機関コード", max_length=4)
    bank_name = models.CharField("金融機関名", max_length=100)
    bank_kana = models.CharField("金融機関名（カナ）", max_length=100)
    branch_code = models.CharField("支店コード", max_length=3)
    branch_name = models.CharField("支店名", max_length=100)
    branch_kana = models.CharField("支店名（カナ）", max_length=100)
    account_type = models.PositiveSmallIntegerField(
        "預金種目",
        choices=[(t.value, _(t.label)) for t in AccountType if t is not AccountType.OTHER],
    )
    account_number = EncryptedTextField("口座番号")  # 7 digits, zero-filled
    account_number_last4 = models.CharField("口座番号（下4桁）", max_length=4)
    holder_name = models.CharField("口座名義（入力）", max_length=200)
    holder_kana = models.CharField("口座名義（カナ）", max_length=200)  # 全銀 character set
    # True when, for a corporation, the holder name did not strongly match 商号フリガナ: the
    # applicant confirmed a warning and screening looks at it again.
    holder_mismatch = models.BooleanField("名義不一致の警告", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "振込先口座"
        verbose_name_plural = "振込先口座"
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(replaced_at__isnull=True),
                name="uniq_current_payout_account",
            )
        ]

    def __str__(self) -> str:
        return f"payout_account:{self.pk}"

    @property
    def account_type_label(self) -> str:
        return str(_(AccountType(self.account_type).label))


class SignupToken(models.Model):
    """A pending e-mail-first sign-up: the link we mailed, valid 30 minutes, used once."""

    token_hash = models.CharField(max_length=64, unique=True)  # SHA-256 hex of the link token
    email = models.EmailField()
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # What the person ticked on the sign-up form, recorded as their consent once the link
    # proves they own the address.
    terms_version = models.CharField(max_length=20)
    privacy_version = models.CharField(max_length=20)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "登録確認リンク"
        verbose_name_plural = "登録確認リンク"
        indexes = [models.Index(fields=["email"], name="signup_token_email_idx")]

    def __str__(self) -> str:
        return f"signup_token:{self.pk}"


class Invitation(models.Model):
    """An owner's invitation of an e-mail address to the organisation: 7 days, used once."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation:{self.pk}"

    class Meta:
        verbose_name = "メンバーの招待"
        verbose_name_plural = "メンバーの招待"


class Consent(models.Model):
    """One agreement to (or withdrawal from) one version of a legal document; append-only.

    A user's current state for a document is their latest row for it.
    """

    class Action(models.TextChoices):
        GIVEN = "given", _("同意")
        WITHDRAWN = "withdrawn", _("撤回")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    document = models.CharField("文書", max_length=20, choices=Document.choices)
    version = models.CharField("版", max_length=20)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    at = models.DateTimeField("日時")
    ip = models.GenericIPAddressField("IPアドレス", null=True, blank=True)

    class Meta:
        verbose_name = "同意の記録"
        verbose_name_plural = "同意の記録"
        indexes = [models.Index(fields=["user", "document", "at"], name="consent_user_doc_idx")]

    def __str__(self) -> str:
        return f"consent:{self.pk}"


class DataUseConsent(models.Model):
    """One consent to (or withdrawal from) one external data use, for one organisation;
    append-only. The organisation's current state for a use is its latest row
    (:mod:`urikake.applicants.data_use`)."""

    class Action(models.TextChoices):
        GIVEN = "given", pgettext_lazy("data use consent", "同意")
        WITHDRAWN = "withdrawn", _("撤回")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="data_use_consents"
    )
    use = models.CharField("利用目的", max_length=30, choices=DataUseChoices.choices)
    version = models.CharField("利用目的の版", max_length=20)
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField("日時")
    ip = models.GenericIPAddressField("IPアドレス", null=True, blank=True)

    class Meta:
        verbose_name = "外部照会への同意"
        verbose_name_plural = "外部照会への同意"
        indexes = [models.Index(fields=["organization", "use", "at"], name="data_use_org_use_idx")]

    def __str__(self) -> str:
        return f"data_use_consent:{self.pk}"
