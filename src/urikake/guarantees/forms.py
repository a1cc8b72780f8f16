"""Forms of the guarantee pages: typed amounts are bounded, errors are Japanese."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from urikake.domain.errors import DomainError
from urikake.domain.money import rate, yen
from urikake.guarantees.models import BASIS_CHOICES, GRADE_CHOICES, SCHEME_CHOICES

MAX_TYPED_YEN = 1_000_000_000
_DATE = forms.DateInput(attrs={"type": "date"})


class YenField(forms.CharField):
    """A yen amount typed by a person (「1,000,000」「100万」…), 1 yen to 1 billion."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            amount = yen(text)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        if not 0 < amount <= MAX_TYPED_YEN:
            raise forms.ValidationError(_("1円以上10億円以下で入力してください。"))
        return amount


class PercentField(forms.CharField):
    """A rate typed in percent (「2.5」 = 2.5%), returned as a Decimal fraction."""

    def clean(self, value: Any) -> Any:
        text = super().clean(value)
        if text in (None, ""):
            return None
        try:
            return rate(f"{text}%")
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class ApplyForm(forms.Form):
    scheme = forms.ChoiceField(
        label=_("方式"),
        choices=SCHEME_CHOICES,
        widget=forms.RadioSelect,
        help_text=_(
            "個別保証: 特定の請求書の支払いを保証します。根保証: 売掛先ごとの保証極度額の範囲で、"
            "保証期間中に発生する債権を保証します（債権はその都度ご報告ください）。"
        ),
    )
    debtor = forms.ChoiceField(label=_("売掛先"))
    invoice = forms.ChoiceField(label=_("請求書（個別保証のみ）"), required=False)
    requested_amount = YenField(label=_("ご希望の保証金額・保証極度額（円）"))
    period_start = forms.DateField(label=_("保証開始日"), widget=_DATE)
    period_end = forms.DateField(label=_("保証終了日"), widget=_DATE)

    def __init__(self, *args: Any, debtors: list[Any], invoices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["debtor"].choices = [(str(d.pk), d.name) for d in debtors]  # type: ignore[attr-defined]
        self.fields["invoice"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(i.pk), f"{i.invoice_number} {i.debtor.name} {i.total_amount:,}円 {i.due_date}")
            for i in invoices
        ]


class SignForm(forms.Form):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    agree = forms.BooleanField(label=_("契約書の内容を確認し、同意します。"))


class ReportForm(forms.Form):
    invoice = forms.ChoiceField(label=_("保証対象として報告する請求書"))
    amount = YenField(label=_("保証を受ける額（円、空欄は請求金額）"), required=False)

    def __init__(self, *args: Any, invoices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [  # type: ignore[attr-defined]
            (str(i.pk), f"{i.invoice_number} {i.total_amount:,}円 {i.due_date}") for i in invoices
        ]


class ClaimForm(forms.Form):
    receivable = forms.ChoiceField(label=_("支払いを受けられない債権"))
    default_on = forms.DateField(label=_("支払不能の発生日"), widget=_DATE)
    unpaid_amount = YenField(label=_("未回収額（円）"))
    reason = forms.CharField(
        label=_("事由（倒産・支払遅延の内容）"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    evidence = forms.FileField(label=_("証拠書類（PDF・PNG・JPEG、10MBまで）"))

    def __init__(self, *args: Any, receivables: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["receivable"].choices = [  # type: ignore[attr-defined]
            (str(r.pk), f"{r.invoice.invoice_number} {r.amount:,}円") for r in receivables
        ]


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("審査結果"), choices=[("approve", _("承認")), ("decline", _("見送り"))]
    )
    grade = forms.ChoiceField(label=_("売掛先の信用格付け"), choices=GRADE_CHOICES, required=False)
    amount = YenField(label=_("保証金額・保証極度額（円、空欄は希望額）"), required=False)
    premium_rate = PercentField(
        label=_("保証料率（%、空欄は格付けの標準料率）"), max_length=10, required=False
    )
    premium_basis = forms.ChoiceField(
        label=_("保証料の計算対象（根保証）"), choices=BASIS_CHOICES, required=False
    )
    coverage_percent = forms.IntegerField(
        label=_("填補率（%）"), min_value=1, max_value=100, initial=100
    )
    waiting_days = forms.IntegerField(
        label=_("待機期間（日）"), min_value=0, max_value=365, initial=30
    )
    comment = forms.CharField(
        label=_("審査コメント"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def coverage_ratio(self) -> Decimal:
        return Decimal(self.cleaned_data["coverage_percent"]) / Decimal(100)


class PaymentForm(forms.Form):
    received_on = forms.DateField(label=_("入金日"), widget=_DATE)
    amount = YenField(label=_("入金額（円）"))
    reference = forms.CharField(label=_("照会番号"), max_length=60)


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("コメント"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class LimitForm(forms.Form):
    limit = YenField(label=_("与信上限額（円）"))
    note = forms.CharField(label=_("理由"), max_length=300, required=False)
