"""The applicant's eKYC form: name and birth date as on the document, and the document."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from urikake.kyc.services import FULL_NAME_MAX


class KycStartForm(forms.Form):
    full_name = forms.CharField(
        label=_("氏名"),
        max_length=FULL_NAME_MAX,
        help_text=_("本人確認書類に記載のとおりに入力してください（例: 山田 太郎）。"),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    birth_date = forms.DateField(
        label=_("生年月日"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%Y/%m/%d"],
    )
    document = forms.FileField(
        label=_("本人確認書類"),
        help_text=_(
            "運転免許証・マイナンバーカード（表面のみ）・パスポートなどの写真、または PDF。"
            "書類全体が写るように、明るい場所で撮影してください（10MB まで）。"
        ),
        # capture="environment": on a phone the camera opens directly, rear-facing. kyc.js
        # adds a "choose a file" switch that drops the attribute (e.g. for a PDF).
        widget=forms.FileInput(
            attrs={
                "accept": "image/*,application/pdf",
                "capture": "environment",
                "data-kyc-document": "",
            }
        ),
    )
