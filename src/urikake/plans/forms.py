"""The back-office form for a plan's terms (amounts in yen, rates typed as percentages)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from urikake.domain.plans import MAX_PLAN_AMOUNT_YEN, PlanTerms, Segment
from urikake.plans.models import PlanVersion

HUNDRED = Decimal(100)


def product_choices() -> list[tuple[str, str]]:
    """The products a plan can finance, as the application model declares them.

    Read through the app registry (this app sits below ``receivables`` and does not import
    it); the values are stored and filtered, never compared here.
    """
    model = apps.get_model("receivables", "FinancingApplication")
    return list(model.Product.choices)


def _percent(label: Any, *, maximum: str = "100") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0.001"),
        max_value=Decimal(maximum),
        max_digits=6,
        decimal_places=3,
    )


class PlanForm(forms.Form):
    code = forms.SlugField(label=_("プランコード（英数字）"), max_length=40)
    name = forms.CharField(label=_("プラン名"), max_length=100)
    segment = forms.ChoiceField(
        label=pgettext_lazy("plan segment", "対象"), choices=PlanVersion.Segment.choices
    )
    product = forms.ChoiceField(label=_("資金化の方法"), choices=())
    min_amount = forms.IntegerField(
        label=_("1件あたりの最低金額（円）"), min_value=1, max_value=MAX_PLAN_AMOUNT_YEN
    )
    max_amount = forms.IntegerField(
        label=_("1件あたりの上限金額（円）"), min_value=1, max_value=MAX_PLAN_AMOUNT_YEN
    )
    fee_min = _percent(_("手数料の下限（%）"))
    fee_max = _percent(_("手数料の上限（%）"))
    advance_rate = _percent(_("掛目（%）"))
    speed = forms.CharField(label=_("お振込までの目安（例: 最短即日）"), max_length=40)
    active = forms.BooleanField(label=_("受付中"), required=False, initial=True)
    effective_from = forms.DateField(
        label=_("適用開始日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("変更の理由"), max_length=300, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].choices = product_choices()  # type: ignore[attr-defined]
        self.fields["effective_from"].initial = timezone.localdate()
        if editing:
            del self.fields["code"]

    def terms(self, code: str) -> PlanTerms:
        c = self.cleaned_data
        return PlanTerms(
            code=code,
            name=c["name"],
            segment=Segment(c["segment"]),
            product=c["product"],
            min_amount=c["min_amount"],
            max_amount=c["max_amount"],
            fee_min=c["fee_min"] / HUNDRED,
            fee_max=c["fee_max"] / HUNDRED,
            advance_rate=c["advance_rate"] / HUNDRED,
            speed=c["speed"],
            active=c["active"],
        )

    def effective_date(self) -> date:
        value: date = self.cleaned_data["effective_from"]
        return value


def _pct(r: Decimal) -> str:
    return f"{(r * HUNDRED).normalize():f}"


def initial_from(version: PlanVersion) -> dict[str, Any]:
    return {
        "name": version.name,
        "segment": version.segment,
        "product": version.product,
        "min_amount": version.min_amount,
        "max_amount": version.max_amount,
        "fee_min": _pct(version.fee_min),
        "fee_max": _pct(version.fee_max),
        "advance_rate": _pct(version.advance_rate),
        "speed": version.speed,
        "active": version.active,
        "effective_from": timezone.localdate(),
    }


class CreditLineForm(forms.Form):
    amount = forms.IntegerField(label=_("限度額（円）"), min_value=0, max_value=MAX_PLAN_AMOUNT_YEN)
    reason = forms.CharField(label=_("変更の理由"), max_length=300)
