"""The connection register (接続許可台帳): one row per external connection, its timeline, its
pending maker/checker requests, its evidence and its call log. Rules live in
:mod:`urikake.domain.connections`; every change goes through :mod:`urikake.connections.services`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy, gettext_noop, pgettext, pgettext_lazy

from urikake.domain.connections import STAGE_LABELS, Environment, Stage

STAGE_CHOICES = [(stage.value, label) for stage, label in STAGE_LABELS.items()]
ENVIRONMENT_CHOICES = [
    (Environment.SANDBOX.value, gettext_lazy("検証環境（サンドボックス）")),
    (Environment.PRODUCTION.value, gettext_lazy("本番環境")),
]
DIRECTION_CHOICES = [
    ("outbound", gettext_lazy("送信（当社から接続）")),
    ("inbound", gettext_lazy("受信（相手から接続）")),
    ("both", gettext_lazy("送受信")),
]

# Seed 000's 申請時に求められやすい情報・書類チェックリスト, one key per line.
CHECKLIST: list[tuple[str, str]] = [
    ("company", gettext_noop("会社情報・責任体制（窓口、夜間連絡先、障害責任分担）")),
    ("method", gettext_noop("接続方式（API/SFTP/VPN/閉域網）、プロトコル、暗号化方式")),
    ("addresses", gettext_noop("接続元IPアドレス、FQDN、証明書（発行元・更新手順）")),
    ("authz", gettext_noop("認証・認可設計（クライアントID、シークレット保管、権限スコープ）")),
    ("logging", gettext_noop("ログ・監視（保存期間、改ざん防止、アラート運用）")),
    ("privacy", gettext_noop("個人情報保護（取得目的、最小化、マスキング、第三者提供の有無）")),
    ("security", gettext_noop("セキュリティ体制（ポリシー、教育、脆弱性管理、委託先管理）")),
    ("bcp", gettext_noop("BCP/DR（バックアップ、リカバリ手順、RTO/RPOの目安）")),
    ("tests", gettext_noop("テスト計画・結果（疎通記録、例外系、スループット、レイテンシ）")),
    ("contract", gettext_noop("契約関連（秘密保持、利用規約同意、約款・規程の受領確認）")),
]


# The domain's stage labels, for the translation catalogs (makemessages). They take a context:
# 取消 is a revoked connection here and a cancelled application elsewhere, and Django merges
# every app's catalog into one per language.
STAGE_MSGIDS = (
    pgettext_lazy("connection stage", "企画（目的・範囲の定義）"),
    pgettext_lazy("connection stage", "事前相談"),
    pgettext_lazy("connection stage", "申請"),
    pgettext_lazy("connection stage", "技術審査"),
    pgettext_lazy("connection stage", "セキュリティ審査"),
    pgettext_lazy("connection stage", "疎通テスト"),
    pgettext_lazy("connection stage", "受入テスト・運用合意"),
    pgettext_lazy("connection stage", "本番接続許可"),
    pgettext_lazy("connection stage", "稼働中"),
    pgettext_lazy("connection stage", "更新期限間近"),
    pgettext_lazy("connection stage", "停止中"),
    pgettext_lazy("connection stage", "取消"),
    pgettext_lazy("connection stage", "期限切れ"),
)


def stage_name(stage: Stage) -> str:
    """A stage of a connection in the reader's language."""
    return pgettext("connection stage", STAGE_LABELS[stage])


class Connection(models.Model):
    name = models.SlugField("接続名", max_length=50, unique=True)
    title = models.CharField("名称", max_length=200)
    direction = models.CharField("方向", max_length=10, choices=DIRECTION_CHOICES)
    environment = models.CharField("環境", max_length=12, choices=ENVIRONMENT_CHOICES)
    stage = models.CharField("状態", max_length=20, choices=STAGE_CHOICES, default=Stage.PLANNED)
    # 目的・範囲
    purpose = models.TextField("利用目的")
    data_categories = models.TextField("取り扱うデータの種類", blank=True)
    # 相手先・連絡先
    counterpart = models.CharField("接続先（相手方）", max_length=200)
    contacts = models.TextField("窓口・連絡先", blank=True)
    incident_contact = models.CharField("夜間・障害時連絡先", max_length=200, blank=True)
    protocol = models.CharField("接続方式・プロトコル", max_length=100, blank=True)
    auth_method = models.CharField("認証方式", max_length=200, blank=True)
    client_id = models.CharField("クライアントID", max_length=200, blank=True)
    rate_limit = models.CharField("レート制限", max_length=100, blank=True)
    retention = models.CharField("データ保存期間", max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="責任者",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    # The terms in force (what the gate enforces): see domain.connections.Terms and
    # CHANGE_FIELDS. Keys: hosts, endpoints, operations, certificates [{fingerprint, issuer,
    # expires}], source_ips, scopes, credential_fingerprint.
    terms: Any = models.JSONField("接続条件", default=dict)
    checklist: Any = models.JSONField("申請チェックリスト", default=dict)
    # 本番接続許可
    approval_number = models.CharField("接続許可番号", max_length=100, blank=True)
    valid_from = models.DateField("有効開始日", null=True, blank=True)
    valid_to = models.DateField("有効期限", null=True, blank=True)
    conditions = models.TextField("接続条件（許可の条件）", blank=True)
    memorandum = models.TextField("覚書・約款", blank=True)
    operating_agreement = models.TextField(
        "運用合意（運用時間・障害連絡・変更管理・バックアップ）", blank=True
    )
    next_review_due = models.DateField("次回棚卸（年次レビュー）", null=True, blank=True)
    version = models.PositiveIntegerField("条件の版", default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "接続"
        verbose_name_plural = "接続"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.title} ({self.name})"

    @property
    def stage_label(self) -> str:
        return stage_name(Stage(self.stage))


class PendingRequest(models.Model):
    """A maker's proposed step; a different staff member confirms or rejects it."""

    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="requests")
    action = models.CharField(max_length=10)  # advance | resume | renew | change
    from_stage = models.CharField(max_length=20, choices=STAGE_CHOICES)
    payload: Any = models.JSONField(default=dict)
    note = models.TextField(blank=True)
    maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    decided_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=10, blank=True)  # "" pending | approved | rejected

    class Meta:
        verbose_name = "承認待ちの接続要求"
        verbose_name_plural = "承認待ちの接続要求"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(outcome=""),
                name="connections_one_pending_request",
            )
        ]


class TimelineEntry(models.Model):
    """Each step, change, suspension, expiry: who, when, what — the connection's history."""

    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="timeline")
    at = models.DateTimeField()
    event = models.CharField(max_length=40)
    from_stage = models.CharField(max_length=20, blank=True)
    to_stage = models.CharField(max_length=20, blank=True)
    actor = models.CharField(max_length=100)  # user:<pk> / system:<name>
    maker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    checker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    note = models.TextField(blank=True)
    details: Any = models.JSONField(default=dict)

    class Meta:
        verbose_name = "接続の経過記録"
        verbose_name_plural = "接続の経過記録"
        ordering = ["at", "pk"]


class Evidence(models.Model):
    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="evidence")
    stage = models.CharField(max_length=20, choices=STAGE_CHOICES)
    checklist_item = models.CharField(max_length=20, blank=True)
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to="evidence/connections/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    mime = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "接続の証跡"
        verbose_name_plural = "接続の証跡"
        ordering = ["uploaded_at", "pk"]


class CallRecord(models.Model):
    """One outbound call or inbound webhook: no URL query, no body, no personal data."""

    connection_name = models.CharField(max_length=50, db_index=True)
    at = models.DateTimeField(db_index=True)
    operation = models.CharField(max_length=200)
    outcome = models.CharField(max_length=30)  # ok | refused | unreachable | bad_answer | ...
    status = models.PositiveSmallIntegerField(null=True)
    latency_ms = models.PositiveIntegerField(default=0)
    skew_seconds = models.IntegerField(null=True)
    refusal_codes = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = "接続の呼出し記録"
        verbose_name_plural = "接続の呼出し記録"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["connection_name", "-at"])]


class ExpiryAlert(models.Model):
    """One alert mail per (connection, what expires, that expiry date, threshold)."""

    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="alerts")
    subject = models.CharField(
        max_length=100
    )  # "approval" | "certificate:<fingerprint>" | "review"
    expires = models.DateField()
    threshold_days = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = "接続期限の通知"
        verbose_name_plural = "接続期限の通知"
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "subject", "expires", "threshold_days"],
                name="connections_alert_once",
            )
        ]
