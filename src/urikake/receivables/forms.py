"""Forms of the receivables pages (Japanese labels; validation is the domain core's)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

FORMAT_CHOICES = [
    ("zengin", _("全銀フォーマット（入出金取引明細・振込入金通知）")),
    ("generic_jp_bank", _("CSV：日付・摘要・お支払金額・お預り金額・差引残高")),
    ("generic_signed", _("CSV：取引日・内容・金額（±）・残高")),
    ("urikake_simple", _("CSV（ウリカケ標準形式：入金日・金額・振込依頼人・入出金の区分）")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern for ``multiple``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"data-drop-upload": "1"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)]


class StatementUploadForm(forms.Form):
    file_format = forms.ChoiceField(label=_("ファイルの形式"), choices=FORMAT_CHOICES)
    statement = MultipleFileField(
        label=_("入出金明細ファイル"),
        help_text=_(
            "インターネットバンキングからダウンロードしたファイル（1ファイル10MBまで、複数選択可）"
        ),
    )


class DebtorForm(forms.Form):
    name = forms.CharField(label=_("売掛先名"), max_length=200)
    name_kana = forms.CharField(
        label=_("売掛先名フリガナ"),
        max_length=200,
        help_text=_(
            "全角カタカナ（例：カブシキガイシャヤマダシヨウジ）。入金明細との照合に使います"
        ),
    )
    corporate_number = forms.CharField(
        label=_("法人番号（分かれば）"), max_length=20, required=False
    )
    address = forms.CharField(label=_("所在地"), max_length=300, required=False)
