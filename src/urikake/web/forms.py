"""The public contact form (お問い合わせ)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from urikake.domain.email_address import normalise_email


class ContactForm(forms.Form):
    TOPICS = (
        ("service", _("サービス内容・手数料について")),
        ("application", _("お申込み・審査について")),
        ("contract", _("ご契約・お振込みについて")),
        ("account", _("アカウント・ログインについて")),
        ("other", _("その他")),
    )

    name = forms.CharField(label=_("お名前"), max_length=100)
    company = forms.CharField(label=_("会社名・屋号（任意）"), max_length=100, required=False)
    email = forms.EmailField(label=_("メールアドレス"), max_length=254)
    topic = forms.ChoiceField(label=_("お問い合わせの種類"), choices=TOPICS)
    message = forms.CharField(
        label=_("お問い合わせ内容"),
        max_length=2000,
        min_length=10,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("2,000文字まで。口座番号やパスワードは書かないでください。"),
    )

    def clean_email(self) -> str:
        return normalise_email(self.cleaned_data["email"])

    def clean_name(self) -> str:
        return " ".join(self.cleaned_data["name"].split())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for key in ("name", "company"):
            if any(ch in data.get(key, "") for ch in "\r\n"):
                self.add_error(key, _("改行は使えません。"))
        return data

    def topic_label(self) -> str:
        return str(dict(self.TOPICS)[self.cleaned_data["topic"]])
