"""Forms of the lending pages: typed amounts are bounded, errors are Japanese."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from urikake.domain.errors import DomainError
from urikake.domain.lending import SCHEMES, CreditGrade
from urikake.domain.money import rate, yen
from urikake.domain.perfection import Method
from urikake.lending.models import (
    DOCUMENT_CHOICES,
    GRADE_CHOICES,
    METHOD_CHOICES,
    SCHEME_CHOICES,
    Repayment,
)

#: No typed amount may exceed the largest scheme cap by more than this (a typo guard; the
#: service checks the real bound).
MAX_TYPED_YEN = 1_000_000_000


def _yen_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


def _clean_yen(value: str, field: str) -> int:
    try:
        amount = yen(value, field=field)
    except DomainError as exc:
        raise forms.ValidationError(exc.message) from exc
    if amount <= 0:
        raise forms.ValidationError(_("1円以上で入力してください。"))
    if amount > MAX_TYPED_YEN:
        raise forms.ValidationError(
            _("%(limit)s円以下で入力してください。") % {"limit": f"{MAX_TYPED_YEN:,}"}
        )
    return amount


class YenMixin:
    yen_fields: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean()  # type: ignore[misc]
        for name in self.yen_fields:
            if isinstance(data.get(name), str):
                try:
                    data[name] = _clean_yen(data[name], name)
                except forms.ValidationError as exc:
                    self.add_error(name, exc)  # type: ignore[attr-defined]
        return data


class ApplyForm(YenMixin, forms.Form):
    yen_fields = ("requested_amount",)
    scheme = forms.ChoiceField(
        label=_("方式"),
        choices=SCHEME_CHOICES,
        widget=forms.RadioSelect,
        help_text=_(
            "個別保証: 特定の売掛債権を担保に、その都度借入れ。根保証: 1年間の借入極度額の"
            "範囲で繰り返し借入れ。"
        ),
    )
    guarantee_scheme = forms.ChoiceField(
        label=_("信用保証制度"), choices=[(s.code, _(s.name_ja)) for s in SCHEMES]
    )
    requested_amount = _yen_field(_("ご希望の借入額・借入極度額（円）"))
    purpose = forms.CharField(label=_("資金使途"), max_length=300)
    invoices = forms.MultipleChoiceField(
        label=_("担保とする売掛債権（請求書）"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, invoices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoices"].choices = [  # type: ignore[attr-defined]
            (str(i.pk), f"{i.invoice_number} {i.debtor.name} {i.total_amount:,}円 {i.due_date}")
            for i in invoices
        ]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("document kind", "書類"), choices=DOCUMENT_CHOICES)
    file = forms.FileField(label=_("ファイル（PDF・画像、10MBまで）"))


class SignForm(forms.Form):
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    agree = forms.BooleanField(label=_("契約書の内容を確認し、同意します。"))


class CheckForm(forms.Form):
    accepted = forms.ChoiceField(
        label=_("確認結果"), choices=[("1", _("確認済み")), ("0", _("差戻し"))]
    )
    reason = forms.CharField(label=_("差戻し理由"), max_length=300, required=False)


class AssessForm(forms.Form):
    grade = forms.ChoiceField(label=_("信用格付け"), choices=GRADE_CHOICES)
    method = forms.ChoiceField(label=_("対抗要件"), choices=METHOD_CHOICES)


class DecideForm(YenMixin, forms.Form):
    yen_fields = ("decided_amount",)
    approve = forms.ChoiceField(label=_("判断"), choices=[("1", _("承認")), ("0", _("見送り"))])
    interest_rate = forms.CharField(label=_("貸付利率（年%）"), max_length=10, required=False)
    decided_amount = _yen_field(_("資金需要・返済能力・経営計画から決めた額（円）"))
    decided_reason = forms.CharField(label=_("その額の根拠"), max_length=200, required=False)
    comment = forms.CharField(label=_("審査コメント"), widget=forms.Textarea(attrs={"rows": 3}))

    def clean_interest_rate(self) -> Decimal | None:
        raw = self.cleaned_data.get("interest_rate") or ""
        if not raw:
            return None
        try:
            return rate(raw, field="interest_rate") / Decimal(100)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc


class DrawForm(YenMixin, forms.Form):
    yen_fields = ("amount",)
    amount = _yen_field(_("融資額（円）"))


class RepaymentForm(YenMixin, forms.Form):
    yen_fields = ("amount",)
    source = forms.ChoiceField(label=_("入金口座"), choices=Repayment.Source.choices)
    received_on = forms.DateField(label=_("入金日"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = _yen_field(_("入金額（円）"))
    reference = forms.CharField(label=_("照会番号"), max_length=60)
    collateral = forms.ChoiceField(label=_("回収された担保債権"), required=False)

    def __init__(self, *args: Any, collateral: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["collateral"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(c.pk), f"{c.invoice.invoice_number} {c.outstanding:,}円") for c in collateral
        ]


class PerfectionForm(forms.Form):
    perfected_on = forms.DateField(
        label=_("対抗要件具備日"), widget=forms.DateInput(attrs={"type": "date"})
    )


class AddCollateralForm(AssessForm):
    invoice = forms.ChoiceField(label=_("追加する売掛債権"))

    def __init__(self, *args: Any, invoices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["invoice"].choices = [  # type: ignore[attr-defined]
            (str(i.pk), f"{i.invoice_number} {i.debtor.name} {i.total_amount:,}円")
            for i in invoices
        ]


class ReleaseForm(forms.Form):
    replacement = forms.ChoiceField(label=_("差し替える売掛債権（解除のみは空欄）"), required=False)

    def __init__(self, *args: Any, invoices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replacement"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(i.pk), f"{i.invoice_number} {i.total_amount:,}円") for i in invoices
        ]


class ReportForm(forms.Form):
    period_end = forms.DateField(
        label=_("基準日（月末）"), widget=forms.DateInput(attrs={"type": "date"})
    )


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(label=_("内容を確認しました。この操作は取り消せません。"))


class MatrixForm(forms.Form):
    effective_from = forms.DateField(
        label=_("適用開始日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("改定理由"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for g in CreditGrade:
            for m in Method:
                self.fields[f"{g.value}__{m.value}"] = forms.DecimalField(
                    label=format_lazy(
                        "{}・{}", pgettext_lazy("credit grade", g.label_ja), _(m.label)
                    ),
                    min_value=Decimal(50),
                    max_value=Decimal(90),
                    decimal_places=1,
                )

    def rates(self) -> dict[tuple[CreditGrade, Method], Decimal]:
        return {
            (g, m): Decimal(self.cleaned_data[f"{g.value}__{m.value}"]) / Decimal(100)
            for g in CreditGrade
            for m in Method
        }


class GuarantorPaymentForm(YenMixin, forms.Form):
    yen_fields = ("amount",)
    received_on = forms.DateField(label=_("入金日"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = _yen_field(_("代位弁済の入金額（円）"))
    reference = forms.CharField(label=_("照会番号"), max_length=60)


class ApplyDepositForm(forms.Form):
    """A deposit in treasury's queue, applied to this loan (a debtor's payment of a pledged
    receivable, or the borrower's repayment)."""

    deposit = forms.ChoiceField(label=_("入金明細の入金"))
    collateral = forms.ChoiceField(
        label=_("回収された担保債権（売掛先からの入金のとき）"), required=False
    )

    def __init__(
        self, *args: Any, deposits: list[Any], collateral: list[Any], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deposit"].choices = [  # type: ignore[attr-defined]
            (str(d.pk), f"{d.value_date:%Y-%m-%d} {d.payer_kana} {d.amount:,}円") for d in deposits
        ]
        self.fields["collateral"].choices = [("", "—")] + [  # type: ignore[attr-defined]
            (str(c.pk), f"{c.invoice.invoice_number} {c.outstanding:,}円") for c in collateral
        ]


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("内容を確認しました。"))
