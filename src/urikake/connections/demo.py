"""The demo's connections (the local simulators) and the walk through the eight steps.

``urikake demo`` (and ``make run``) registers every connection of
``integrations.connection_names.ALL`` for the sandbox environment and walks it from 企画 to 稼働
with two staff members as maker and checker, so that the register shows approved connections
with numbers and validity and the simulators can be called through the gate. Tests use
:func:`walk_to_operating` to approve a connection the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from urikake.connections import services
from urikake.connections.models import CHECKLIST, Connection
from urikake.domain import connections as rules
from urikake.integrations import connection_names as names

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1"]
LOOPBACK_SOURCES = ["127.0.0.0/8", "::1/128"]

# name → the register's fields for the demo (the local simulators, sandbox environment).
DEMO_CONNECTIONS: dict[str, dict[str, Any]] = {
    names.BANK_API: {
        "title": "銀行API（入出金明細・振込・バーチャル口座）",
        "direction": "outbound",
        "counterpart": "デモ銀行（ローカルシミュレーター）",
        "purpose": "申込者の入出金明細の取得（売掛債権の実在確認・回収の消込）",
        "data_categories": "口座情報、入出金明細（取引先名・金額・日付）",
        "protocol": "HTTPS REST API（JSON）",
        "auth_method": "Bearer トークン（API利用許可・スコープ: 明細参照）",
        "operations": ["GET /v1/accounts", "GET /v1/accounts/*", "GET /v1/accounts/*/transactions"],
    },
    names.EKYC_VENDOR: {
        "title": "eKYCベンダー（本人確認）",
        "direction": "both",
        "counterpart": "デモeKYCベンダー（ローカルシミュレーター）",
        "purpose": "犯罪収益移転防止法に基づく代表者の本人確認（結果はWebhookで受信）",
        "data_categories": "氏名、生年月日、本人確認書類の画像",
        "protocol": "HTTPS REST API（JSON）＋署名付きWebhook",
        "auth_method": "APIキー（Bearer）、Webhook は HMAC 署名",
        "operations": ["POST /v1/checks", "GET /v1/checks/*"],
    },
    names.TSA: {
        "title": "タイムスタンプ局（RFC 3161）",
        "direction": "outbound",
        "counterpart": "デモTSA（ローカルシミュレーター）",
        "purpose": "電子契約の長期署名（PAdES）のタイムスタンプ取得",
        "data_categories": "契約書のハッシュ値のみ（個人情報なし）",
        "protocol": "HTTP（RFC 3161 timestamp query）",
        "auth_method": "なし（送信元IP制限）",
        "operations": ["POST *"],
    },
    names.SMTP: {
        "title": "メール送信（SMTPリレー）",
        "direction": "outbound",
        "counterpart": "デモSMTPサーバー（ローカル）",
        "purpose": "お客様・スタッフへの通知メールの送信",
        "data_categories": "メールアドレス、通知本文",
        "protocol": "SMTP（本番は STARTTLS 必須）",
        "auth_method": "SMTP認証（ユーザー名・パスワード）",
        "operations": ["SMTP /send"],
    },
    names.SMS_GATEWAY: {
        "title": "SMS送信ゲートウェイ",
        "direction": "outbound",
        "counterpart": "デモSMSゲートウェイ（ローカルシミュレーター）",
        "purpose": "ワンタイムパスワード・重要なお知らせのSMS送信",
        "data_categories": "電話番号、通知本文",
        "protocol": "HTTPS REST API（JSON）",
        "auth_method": "APIキー（Bearer）",
        "operations": ["*"],
    },
    names.CREDIT_BUREAU: {
        "title": "信用情報機関（照会API）",
        "direction": "outbound",
        "counterpart": "デモ信用情報機関（ローカルシミュレーター）",
        "purpose": "審査のための信用情報の照会（本人同意に基づく。目的外利用禁止）",
        "data_categories": "法人・代表者の識別情報、信用情報",
        "protocol": "HTTPS REST API（JSON）",
        "auth_method": "クライアントID＋シークレット（権限者のみ）",
        "operations": ["*"],
    },
    names.ANTISOCIAL_SCREENING: {
        "title": "反社チェックベンダー",
        "direction": "outbound",
        "counterpart": "デモ反社チェックベンダー（ローカルシミュレーター）",
        "purpose": "申込者・売掛先の反社会的勢力該当性の確認（目的外利用禁止の合意済み）",
        "data_categories": "法人名・代表者名・所在地",
        "protocol": "HTTPS REST API（JSON）",
        "auth_method": "APIキー（Bearer）",
        "operations": ["*"],
    },
}
for _spec in DEMO_CONNECTIONS.values():
    _spec.setdefault("contacts", "接続窓口: integration@example.invalid（平日 9-18時）")
    _spec.setdefault("incident_contact", "障害窓口（24時間）: 03-0000-0000")
    _spec.setdefault("rate_limit", "60 回/分")
    _spec.setdefault("retention", "通信記録 1年、取得データは業務上必要な期間")


def register_demo(
    name: str,
    *,
    acting_user: Any,
    owner: Any = None,
    environment: str = rules.Environment.SANDBOX,
    terms: Mapping[str, Any] | None = None,
) -> Connection:
    spec = dict(DEMO_CONNECTIONS[name])
    operations = spec.pop("operations")
    base_terms: dict[str, Any] = {
        "hosts": LOOPBACK_HOSTS,
        "operations": operations,
        "source_ips": LOOPBACK_SOURCES if spec["direction"] != "outbound" else [],
        "endpoints": ["http://127.0.0.1"],
        "scopes": ["sandbox"],
    }
    return services.register(
        name,
        acting_user=acting_user,
        owner=owner,
        environment=environment,
        terms={**base_terms, **(terms or {})},
        checklist={key: {"done": True, "note": "デモ: 提出済み"} for key, _ in CHECKLIST},
        **spec,
    )


def walk_to_operating(
    connection: Connection,
    *,
    maker: Any,
    checker: Any,
    approval_number: str | None = None,
    valid_from: date | None = None,
    valid_to: date | None = None,
    until: rules.Stage = rules.Stage.OPERATING,
) -> Connection:
    """Every step forward, proposed by ``maker`` and confirmed by ``checker``."""
    today = timezone.localdate()
    while rules.Stage(connection.stage) is not until:
        stage = rules.Stage(connection.stage)
        payload: dict[str, Any] = {}
        if stage is rules.Stage.CONNECTIVITY_TEST:
            payload = {"test_results": dict.fromkeys(rules.TEST_ITEMS, "pass")}
        if stage is rules.Stage.ACCEPTANCE:
            payload = {
                "approval_number": approval_number or f"CA-{today:%Y}-{connection.pk:04d}",
                "valid_from": valid_from or today,
                "valid_to": valid_to or today + timedelta(days=365),
                "operating_agreement": (
                    "運用時間 24時間365日、障害連絡は障害窓口へ、変更は事前合意、バックアップ日次"
                ),
                "conditions": "利用目的の範囲内に限る。証明書・IPの変更は再承認。",
            }
        services.propose(
            connection,
            "advance",
            acting_user=maker,
            payload=payload,
            note=f"{rules.STAGE_LABELS[stage]}を完了しました。",
        )
        connection = services.confirm(connection, acting_user=checker, note="確認しました。")
    return connection


def load(*, maker: Any, checker: Any) -> list[str]:
    """Register and approve every demo connection not yet in the register (idempotent);
    the names of those registered now."""
    created = []
    for name in names.ALL:
        row = Connection.objects.filter(name=name).first()
        if row is None:
            row = register_demo(name, acting_user=maker, owner=maker)
            created.append(name)
        if rules.Stage(row.stage) in rules.FORWARD:
            walk_to_operating(row, maker=maker, checker=checker)
    return created
