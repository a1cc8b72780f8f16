"""Forms of the bulk-factoring pages: bounded amounts, Japanese errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from urikake.domain.errors import DomainError
from urikake.domain.money import rate

MAX_TYPED_YEN = 10_000_000_000
MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _money(label: Any, *, maximum: int = MAX_TYPED_YEN, minimum: int = 0) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=maximum,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class TermsForm(forms.Form):
    risk_rate = forms.CharField(label=_("割引率（年%）"), max_length=10)
    base_fee = _money(_("月額基本料（円）"), maximum=100_000_000)
    per_item_fee = _money(_("明細ごとの利用料（円）"), maximum=1_000_000)

    def clean_risk_rate(self) -> Decimal:
        try:
            return rate(self.cleaned_data["risk_rate"], field="risk_rate") / Decimal(100)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class EnrollForm(TermsForm):
    organization = forms.IntegerField(label=_("申込者番号"), min_value=1)

    field_order = ["organization", "risk_rate", "base_fee", "per_item_fee"]


class SupplierForm(forms.Form):
    organization = forms.IntegerField(label=_("仕入先の申込者番号"), min_value=1)
    code = forms.CharField(label=_("仕入先コード"), max_length=20)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("支払予定のCSVファイル"))


class SignForm(forms.Form):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    agree = forms.BooleanField(label=_("契約書の内容を確認し、同意します。"))


class EarlyForm(forms.Form):
    expected_net = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    agree = forms.BooleanField(label=_("割引料と実質年率を確認し、早期支払を申し込みます。"))


class SettleForm(forms.Form):
    due_date = forms.DateField(label=_("支払期日"), widget=forms.DateInput(attrs={"type": "date"}))
    received_on = forms.DateField(label=_("入金日"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = _money(_("入金額（円）"), minimum=1)
    reference = forms.CharField(label=_("照会番号"), max_length=60)


class FeeForm(forms.Form):
    month = forms.DateField(
        label=_("対象月（その月の任意の日）"), widget=forms.DateInput(attrs={"type": "date"})
    )


class FeePaidForm(forms.Form):
    received_on = forms.DateField(label=_("入金日"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = _money(_("入金額（円）"), minimum=1)
