"""Forms for invoices and financing applications."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.utils.translation import gettext_lazy as _

from urikake.api_schemas import DB_INT_MAX
from urikake.applicants import data_use
from urikake.applicants import services as applicant_services
from urikake.applicants.models import Organization
from urikake.domain.invoices import amount_limit_error
from urikake.domain.money import format_rate_percent, format_yen
from urikake.plans import services as plans
from urikake.receivables.encumbrances import encumbered_count, held_now, unencumbered
from urikake.receivables.forms import MultipleFileField, MultipleFileInput
from urikake.receivables.models import Debtor, FinancingApplication, Invoice


class _ListedChoices(ModelChoiceIterator):
    """The options read with one plain query: Django's iterator reads them through
    ``QuerySet.iterator()``, a server-side cursor on PostgreSQL (DECLARE, FETCH, CLOSE: three
    round trips for a list of a few dozen rows)."""

    def __iter__(self) -> Iterator[Any]:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class _DebtorChoiceField(forms.ModelChoiceField[Debtor]):
    iterator = _ListedChoices


class InvoiceForm(forms.Form):
    debtor = _DebtorChoiceField(label=_("売掛先"), queryset=Debtor.objects.none())
    invoice_number = forms.CharField(label=_("請求書番号"), max_length=100)
    issue_date = forms.DateField(label=_("請求日"), widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(label=_("支払期日"), widget=forms.DateInput(attrs={"type": "date"}))
    total_amount = forms.IntegerField(label=_("請求金額（税込・円）"), min_value=1)
    issuer_registration_number = forms.CharField(
        label=_("登録番号（T番号）"), max_length=20, required=False
    )
    taxable_10 = forms.IntegerField(label=_("10%対象（税抜）"), min_value=0, required=False)
    tax_10 = forms.IntegerField(label=_("消費税（10%）"), min_value=0, required=False)
    taxable_8 = forms.IntegerField(label=_("8%対象（税抜）"), min_value=0, required=False)
    tax_8 = forms.IntegerField(label=_("消費税（8%）"), min_value=0, required=False)
    draft = forms.IntegerField(
        widget=forms.HiddenInput, required=False, min_value=1, max_value=DB_INT_MAX
    )

    def __init__(self, *args: object, organization: Organization, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        debtors = Debtor.objects.filter(organization=organization).order_by("name")
        if not self.is_bound:  # only listed (the label is the name); a posted one is read whole
            debtors = debtors.only("name")
        self.fields["debtor"].queryset = debtors  # type: ignore[attr-defined]
        # Every amount typed here is bounded by the largest invoice face the platform takes
        # (settings.RECEIVABLES_MAX_INVOICE_YEN), with a message naming the limit.
        limit = settings.RECEIVABLES_MAX_INVOICE_YEN
        for name in ("total_amount", "taxable_10", "tax_10", "taxable_8", "tax_8"):
            field = self.fields[name]
            assert isinstance(field, forms.IntegerField)
            field.max_value = limit
            field.validators.append(
                MaxValueValidator(limit, message=amount_limit_error(limit).message)
            )
            field.widget.attrs["max"] = str(limit)


class InvoiceUploadForm(forms.Form):
    document = MultipleFileField(
        label=_("請求書ファイル（PDF またはデジタルインボイス XML）"),
        help_text=_(
            "スマートフォンでは請求書をカメラで撮影することもできます（画像は証憑として保存）。"
        ),
        widget=MultipleFileInput(
            attrs={"accept": "application/pdf,.xml,text/xml,image/*", "data-drop-upload": "1"}
        ),
    )


#: The purchase form shows at most this many invoices (the soonest due first); a search by
#: invoice number or debtor narrows them. A client with a large book got one checkbox per
#: open invoice, and the page's cost grew with the book.
OFFERED_INVOICES = 100


class _ShownInvoices(ModelChoiceIterator):
    """The checkboxes: the invoices the page shows (``field.shown``), already read. Any
    offered invoice still validates (``field.queryset``), shown or not."""

    def __iter__(self) -> Iterator[Any]:
        for obj in self.field.shown:  # type: ignore[attr-defined]
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.field.shown)  # type: ignore[attr-defined]

    def __bool__(self) -> bool:
        return bool(self.field.shown)  # type: ignore[attr-defined]


class InvoiceChoiceField(forms.ModelMultipleChoiceField[Invoice]):
    """Invoices as the applicant knows them: number, debtor, amount and due date."""

    iterator = _ShownInvoices
    shown: list[Invoice] = []

    def label_from_instance(self, obj: Any) -> str:
        return _("請求書 %(number)s ／ %(debtor)s ／ %(amount)s ／ 支払期日 %(due)s") % {
            "number": obj.invoice_number,
            "debtor": obj.debtor.name if obj.debtor_id else "—",
            "amount": format_yen(obj.total_amount),
            "due": obj.due_date.strftime("%Y-%m-%d"),
        }


class ApplicationForm(forms.Form):
    product = forms.ChoiceField(
        label=_("資金化の方法"),
        choices=FinancingApplication.Product.choices,
        widget=forms.RadioSelect,
    )
    invoices = InvoiceChoiceField(
        label=_("資金化する請求書"),
        queryset=Invoice.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    plan = forms.TypedChoiceField(
        label=_("プラン"),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("選ばない場合は、金額に合うプランを自動で適用します。"),
    )

    def __init__(
        self, *args: object, organization: Organization, search: str = "", **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        registered = Invoice.objects.filter(
            organization=organization, status=Invoice.Status.REGISTERED
        )
        # An invoice another application, a loan or a guarantee already holds is not offered
        # (double financing); the page says how many are left out and why. The products'
        # subqueries are built once for both questions.
        held = held_now()
        free = (
            unencumbered(registered, held=held).select_related("debtor").order_by("due_date", "pk")
        )
        field = self.fields["invoices"]
        field.queryset = free  # type: ignore[attr-defined]
        self.search = search.strip()[:100]
        if self.search:
            free = free.filter(
                Q(invoice_number__icontains=self.search) | Q(debtor__name__icontains=self.search)
            )
        # the checkboxes' columns (value and label); a posted choice is read whole (queryset)
        shown = list(
            free.only("invoice_number", "total_amount", "due_date", "debtor__name")[
                : OFFERED_INVOICES + 1
            ]
        )
        self.more_invoices = len(shown) > OFFERED_INVOICES
        self.offered_limit = OFFERED_INVOICES
        field.shown = shown[:OFFERED_INVOICES]  # type: ignore[attr-defined]
        self.held_elsewhere = encumbered_count(registered, held=held)
        offered = plans.plans_for(organization.kind)
        self.fields["plan"].choices = [  # type: ignore[attr-defined]
            ("", _("自動で選ぶ")),
            *(
                (
                    v.plan_id,
                    _("%(name)s（%(low)s〜%(high)s、手数料 %(fee)s〜、%(speed)s）")
                    % {
                        "name": v.name,
                        "low": format_yen(v.min_amount),
                        "high": format_yen(v.max_amount),
                        "fee": format_rate_percent(v.fee_min),
                        "speed": v.speed,
                    },
                )
                for v in offered
            ),
        ]
        if not offered:
            del self.fields["plan"]
        # 同意・利用目的: each external data use screening needs and the applicant has not yet
        # agreed to (in its current wording) is a required checkbox with its purpose text.
        # (Only while screening asks the vendors: always in production; tests switch the
        # vendor checks on where they are exercised.)
        self.consent_uses = (
            applicant_services.missing_data_use_consents(organization)
            if settings.SCREENING_VENDOR_CHECKS
            else []
        )
        for use in self.consent_uses:
            purpose = data_use.current(use)
            self.fields[f"consent_{use.value}"] = forms.BooleanField(
                label=_(purpose.title),
                help_text=purpose.text,
                required=True,
                error_messages={"required": _("審査のため、この利用目的への同意が必要です。")},
            )
            self.fields[f"consent_{use.value}_version"] = forms.CharField(
                widget=forms.HiddenInput, initial=purpose.version, max_length=20
            )

    def consent_versions(self) -> dict[str, str]:
        """The purpose versions the applicant saw, by use (for give_data_use_consent)."""
        return {
            str(use.value): self.cleaned_data[f"consent_{use.value}_version"]
            for use in self.consent_uses
        }
