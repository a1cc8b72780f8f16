from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from urikake.connections.models import CHECKLIST, DIRECTION_CHOICES, ENVIRONMENT_CHOICES
from urikake.domain import connections as rules

LINES_HELP = _("1行に1つ")
RESULT_CHOICES = [("pass", _("合格")), ("fail", _("不合格")), ("", _("未実施"))]
TEST_LABELS = {
    "reachability": _("疎通（接続できる）"),
    "function": _("機能（正しい応答）"),
    "errors": _("エラー処理"),
    "retry": _("リトライ"),
    "timeout": _("タイムアウト"),
    "throughput": _("スループット・レイテンシ"),
}


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


class TermsFields(forms.Form):
    hosts = forms.CharField(
        label=_("接続先（FQDN・IP）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=LINES_HELP,
    )
    endpoints = forms.CharField(
        label=_("エンドポイントURL"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=LINES_HELP,
    )
    operations = forms.CharField(
        label=_("許可する操作（例: GET /v1/accounts*）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=LINES_HELP,
    )
    source_ips = forms.CharField(
        label=_("送信元IPアドレス（受信）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=LINES_HELP,
    )
    scopes = forms.CharField(label=_("権限スコープ"), required=False, max_length=500)
    certificate_fingerprint = forms.CharField(
        label=_("証明書のフィンガープリント（SHA-256）"), required=False, max_length=100
    )
    certificate_issuer = forms.CharField(label=_("証明書の発行元"), required=False, max_length=200)
    certificate_expires = forms.DateField(
        label=_("証明書の有効期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def terms(self, *, only_filled: bool = False) -> dict[str, Any]:
        data = self.cleaned_data
        terms: dict[str, Any] = {}
        for key in ("hosts", "endpoints", "operations", "source_ips"):
            if data.get(key) or not only_filled:
                terms[key] = lines(data.get(key) or "")
        if data.get("scopes") or not only_filled:
            terms["scopes"] = [
                s.strip() for s in (data.get("scopes") or "").split(",") if s.strip()
            ]
        if data.get("certificate_fingerprint"):
            terms["certificates"] = [
                {
                    "fingerprint": data["certificate_fingerprint"],
                    "issuer": data.get("certificate_issuer") or "",
                    "expires": data["certificate_expires"].isoformat()
                    if data.get("certificate_expires")
                    else "",
                }
            ]
        return terms


class RegisterForm(TermsFields):
    name = forms.SlugField(label=_("接続名（英数字）"), max_length=50)
    title = forms.CharField(label=_("名称"), max_length=200)
    direction = forms.ChoiceField(label=_("方向"), choices=DIRECTION_CHOICES)
    environment = forms.ChoiceField(label=_("環境"), choices=ENVIRONMENT_CHOICES)
    purpose = forms.CharField(
        label=_("利用目的"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    data_categories = forms.CharField(
        label=_("取り扱うデータの種類"), required=False, max_length=1000
    )
    counterpart = forms.CharField(label=_("接続先（相手方）"), max_length=200)
    contacts = forms.CharField(label=_("窓口・連絡先"), required=False, max_length=1000)
    incident_contact = forms.CharField(
        label=_("夜間・障害時連絡先"), required=False, max_length=200
    )
    protocol = forms.CharField(label=_("接続方式・プロトコル"), required=False, max_length=100)
    auth_method = forms.CharField(label=_("認証方式"), required=False, max_length=200)
    client_id = forms.CharField(label=_("クライアントID"), required=False, max_length=200)
    rate_limit = forms.CharField(label=_("レート制限"), required=False, max_length=100)
    retention = forms.CharField(label=_("データ保存期間"), required=False, max_length=200)


class ProposeForm(forms.Form):
    note = forms.CharField(
        label=_("実施内容・所見"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )

    def __init__(self, *args: Any, stage: rules.Stage, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage = stage
        if stage is rules.Stage.CONNECTIVITY_TEST:
            for item in rules.TEST_ITEMS:
                self.fields[f"test_{item}"] = forms.ChoiceField(
                    label=TEST_LABELS[item], choices=RESULT_CHOICES, required=False
                )
        if stage is rules.Stage.ACCEPTANCE:
            self.fields["approval_number"] = forms.CharField(
                label=_("接続許可番号"), max_length=100
            )
            self.fields["valid_from"] = forms.DateField(
                label=_("有効開始日"), widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields["valid_to"] = forms.DateField(
                label=_("有効期限"), widget=forms.DateInput(attrs={"type": "date"})
            )
            self.fields["conditions"] = forms.CharField(
                label=_("接続条件"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
            )
            self.fields["memorandum"] = forms.CharField(
                label=_("覚書・約款"), required=False, max_length=1000
            )
            self.fields["operating_agreement"] = forms.CharField(
                label=_("運用合意（運用時間・障害連絡・変更管理・バックアップ）"),
                widget=forms.Textarea(attrs={"rows": 2}),
                max_length=2000,
            )

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        if self.stage is rules.Stage.CONNECTIVITY_TEST:
            return {
                "test_results": {item: data.get(f"test_{item}") or "" for item in rules.TEST_ITEMS}
            }
        if self.stage is rules.Stage.ACCEPTANCE:
            return {
                k: data[k]
                for k in (
                    "approval_number",
                    "valid_from",
                    "valid_to",
                    "conditions",
                    "memorandum",
                    "operating_agreement",
                )
            }
        return {}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("承認")), ("reject", _("却下"))])
    note = forms.CharField(label=_("コメント"), required=False, max_length=2000)


class StopForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("操作"),
        choices=[
            ("suspend", pgettext_lazy("connection action", "停止")),
            ("revoke", pgettext_lazy("connection action", "取消")),
        ],
    )
    reason = forms.CharField(label=_("理由"), max_length=1000)


class ChangeForm(TermsFields):
    purpose = forms.CharField(label=_("利用目的（変更する場合）"), required=False, max_length=2000)
    note = forms.CharField(label=_("変更の理由"), max_length=2000)


class RenewForm(forms.Form):
    valid_to = forms.DateField(
        label=_("新しい有効期限"), widget=forms.DateInput(attrs={"type": "date"})
    )
    approval_number = forms.CharField(
        label=_("接続許可番号（変わる場合）"), required=False, max_length=100
    )
    note = forms.CharField(label=_("コメント"), required=False, max_length=2000)


class EvidenceForm(forms.Form):
    title = forms.CharField(label=_("証跡の名称"), max_length=200)
    checklist_item = forms.ChoiceField(
        label=_("チェックリストの項目"),
        choices=[("", "—"), *((key, _(label)) for key, label in CHECKLIST)],
        required=False,
    )
    file = forms.FileField(label=_("ファイル（PDF・画像）"))
