from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from urikake.domain.products import choices as product_choices
from urikake.securitization.models import Pool


class BuildPoolForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    cut_off = forms.DateField(
        label=pgettext_lazy("pool", "基準日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    method = forms.ChoiceField(label=_("方式"), choices=Pool.Method.choices)
    products = forms.MultipleChoiceField(
        label=_("対象の資金化方法"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    concentration_limit = forms.DecimalField(
        label=_("1社あたりの上限（%）"),
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        decimal_places=2,
        initial=Decimal(20),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = [(v, _(label)) for v, label in product_choices()]
        self.fields["products"].choices = choices  # type: ignore[attr-defined]
        self.fields["products"].initial = [c[0] for c in choices]
        self.fields["cut_off"].initial = timezone.localdate()


class StructureForm(forms.Form):
    senior = forms.DecimalField(
        label=_("優先部分（%）"), min_value=Decimal("0.1"), max_value=Decimal(100), decimal_places=3
    )
    mezzanine = forms.DecimalField(
        label=_("メザニン部分（%）"),
        min_value=Decimal(0),
        max_value=Decimal(99),
        decimal_places=3,
        initial=Decimal(0),
    )
    retain_subordinated = forms.BooleanField(label=_("劣後部分を自社で保有する"), required=False)
    vehicle = forms.ChoiceField(label=_("SPV"), choices=Pool.Vehicle.choices)
    enhancement = forms.ChoiceField(label=_("外部信用補完"), choices=Pool.Enhancement.choices)
    enhancement_fee = forms.DecimalField(
        label=_("保証料・保険料（年率%）"),
        min_value=Decimal(0),
        max_value=Decimal(20),
        decimal_places=3,
        initial=Decimal(0),
        required=False,
    )
    correlation = forms.DecimalField(
        label=_("資産相関"), min_value=Decimal(0), max_value=Decimal("0.99"), decimal_places=4
    )


class SizingForm(forms.Form):
    metric = forms.ChoiceField(
        label=_("目標の指標"),
        choices=(("pd", _("優先部分に損失が出る確率")), ("el", _("優先部分の期待損失率"))),
    )
    target = forms.DecimalField(
        label=_("目標（%）"), min_value=Decimal("0.0001"), max_value=Decimal(50), decimal_places=4
    )


def _pct_field(label: object, **kw: object) -> forms.DecimalField:
    # Bounds are the domain's (Japanese errors from assumptions.validate); the form only
    # parses numbers.
    return forms.DecimalField(label=label, max_digits=9, decimal_places=4, **kw)  # type: ignore[arg-type]


class AssumptionsForm(forms.Form):
    """A new version of the credit assumptions; rates are entered in percent."""

    effective_from = forms.DateField(
        label=_("適用開始日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    pd_a = _pct_field(_("格付Aのデフォルト確率（%）"))
    pd_b = _pct_field(_("格付Bのデフォルト確率（%）"))
    pd_c = _pct_field(_("格付Cのデフォルト確率（%）"))
    pd_d = _pct_field(_("格付Dのデフォルト確率（%）"))
    pd_e = _pct_field(_("格付Eのデフォルト確率（%）"))
    lgd = _pct_field(_("デフォルト時損失率 LGD（%）"))
    recovery_lag = forms.IntegerField(label=_("デフォルトから回収までの期間（月）"))
    trigger = _pct_field(_("トリガー：累積デフォルト率（%）"))
