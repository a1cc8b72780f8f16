"""Back office: trial balance, accounts, account statements (with CSV) and entry details.

Read-only pages for treasury staff. Every number comes from :mod:`urikake.ledger.services`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.domain import safe_csv
from urikake.domain.errors import DomainError
from urikake.domain.ledger import CHART, AccountKind, EquityFunding, StatementLine
from urikake.ledger import services
from urikake.ledger.models import LedgerEntry

KIND_LABELS = {
    AccountKind.ASSET: "資産",
    AccountKind.LIABILITY: "負債",
    AccountKind.EQUITY: "純資産",
    AccountKind.INCOME: "収益",
    AccountKind.EXPENSE: "費用",
}

_DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("基準日"), required=False, widget=_DATE_INPUT)


class AccountsForm(AsOfForm):
    account = forms.CharField(
        label=gettext_lazy("勘定科目コード（前方一致）"), required=False, max_length=200
    )


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("開始日"), required=False, widget=_DATE_INPUT)
    date_to = forms.DateField(label=gettext_lazy("終了日"), required=False, widget=_DATE_INPUT)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if isinstance(start, date) and isinstance(end, date) and start > end:
            raise forms.ValidationError(gettext_lazy("開始日が終了日より後になっています。"))
        return data


MAX_FUNDING_YEN = 10**13  # ¥10兆: far above any real capital, far below a database limit


class FundingForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("種類"),
        choices=[(k.value, k.label_ja) for k in EquityFunding],
    )
    amount = forms.IntegerField(
        label=gettext_lazy("金額（円）"), min_value=1, max_value=MAX_FUNDING_YEN
    )
    on = forms.DateField(label=gettext_lazy("計上日"), widget=_DATE_INPUT)
    description = forms.CharField(
        label=gettext_lazy("摘要（任意）"), required=False, max_length=200
    )


@dataclass(frozen=True)
class AccountRow:
    code: str
    name_ja: str
    kind: str
    debit: int
    credit: int


def _sides(amount: int) -> tuple[int, int]:
    """(debit, credit) as positive yen: one of them is 0."""
    return max(amount, 0), max(-amount, 0)


def _display_name(code: str) -> str:
    return CHART.name_of(code) if CHART.knows(code) else code


def _account_row(code: str, amount: int) -> AccountRow:
    return AccountRow(
        code,
        CHART.name_of(code),
        KIND_LABELS[CHART.kind_of(code)],
        max(amount, 0),
        max(-amount, 0),
    )


@staff(Capability.MANAGE_TREASURY, Capability.VIEW_AUDIT)
def trial_balance(request: HttpRequest) -> HttpResponse:
    form = AsOfForm(request.GET or None)
    as_of = form.cleaned_data.get("as_of") if form.is_valid() else None
    report = services.trial_balance(as_of)
    return render(
        request,
        "ledger/trial_balance.html",
        {"form": form, "as_of": as_of, "report": report, "kinds": KIND_LABELS},
    )


@staff(Capability.MANAGE_TREASURY, Capability.VIEW_AUDIT)
def accounts(request: HttpRequest) -> HttpResponse:
    form = AccountsForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    totals = services.balances(data.get("account") or None, as_of=data.get("as_of"))
    rows = [_account_row(code, amount) for code, amount in totals.items()]
    return render(request, "ledger/accounts.html", {"form": form, "rows": rows})


def _statement_csv(
    code: str, opening: int, lines: list[StatementLine], period: str
) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", code)
    response["Content-Disposition"] = f'attachment; filename="ledger_{safe}_{period}.csv"'
    response.write("\ufeff")  # the BOM makes Excel read the file as UTF-8
    writer = safe_csv.writer(response, lineterminator="\r\n")
    writer.writerow(["日付", "仕訳ID", "摘要", "借方", "貸方", "残高"])
    writer.writerow(["", "", "前期繰越", "", "", opening])
    for line in lines:
        writer.writerow(
            [
                line.date.isoformat(),
                line.entry_id,
                line.description,
                line.amount if line.amount > 0 else "",
                -line.amount if line.amount < 0 else "",
                line.running_balance,
            ]
        )
    return response


@staff(Capability.MANAGE_TREASURY, Capability.VIEW_AUDIT)
def statement(request: HttpRequest, code: str) -> HttpResponse:
    if not CHART.knows(code):
        raise Http404
    form = PeriodForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    date_from, date_to = data.get("date_from"), data.get("date_to")
    lines = services.account_statement(code, date_from=date_from, date_to=date_to)
    opening = services.balance(code, as_of=date_from - timedelta(days=1)) if date_from else 0
    closing = lines[-1].running_balance if lines else opening
    if request.GET.get("format") == "csv":
        period = f"{date_from or 'start'}_{date_to or 'end'}"
        return _statement_csv(code, opening, lines, period)
    query = request.GET.copy()
    query["format"] = "csv"
    return render(
        request,
        "ledger/statement.html",
        {
            "form": form,
            "code": code,
            "name": CHART.name_of(code),
            "kind": KIND_LABELS[CHART.kind_of(code)],
            "opening": opening,
            "closing": closing,
            "lines": [(line, *_sides(line.amount)) for line in lines],
            "csv_query": query.urlencode(),
        },
    )


@staff(Capability.MANAGE_TREASURY, Capability.VIEW_AUDIT)
def entry_detail(request: HttpRequest, entry_id: str) -> HttpResponse:
    entry = get_object_or_404(
        LedgerEntry.objects.select_related("reverses").prefetch_related("legs"),
        entry_id=entry_id,
    )
    reversal = LedgerEntry.objects.filter(reverses=entry).first()
    legs = [
        (leg, _display_name(leg.account), *_sides(leg.amount))
        for leg in entry.legs.order_by("position")
    ]
    return render(
        request,
        "ledger/entry.html",
        {
            "entry": entry,
            "legs": legs,
            "reversal": reversal,
            "total_debits": sum(row[2] for row in legs),
            "total_credits": sum(row[3] for row in legs),
        },
    )


@staff(Capability.MANAGE_TREASURY)
def funding(request: HttpRequest) -> HttpResponse:
    """資本金の払込・期首残高: the operator's own money into its operating account."""
    form = FundingForm(
        request.POST or None, initial={"on": timezone.localdate(), "kind": "capital"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            row = services.fund_operating_account(
                kind=EquityFunding(data["kind"]),
                amount=data["amount"],
                on=data["on"],
                description=data["description"],
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("仕訳を計上しました（%(id)s）。") % {"id": row.entry_id})
            return redirect("ledger_backoffice:funding")
    cash = services.operating_cash_account()
    recent = LedgerEntry.objects.filter(entry_id__startswith="equity:").order_by("-date", "-id")
    return render(
        request,
        "ledger/funding.html",
        {
            "form": form,
            "cash_account": cash,
            "cash_name": CHART.name_of(cash),
            "cash_balance": services.balance(cash),
            "recent": recent.prefetch_related("legs")[:20],
        },
    )
