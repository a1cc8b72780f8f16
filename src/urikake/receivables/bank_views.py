"""Applicant page: pull a bank statement through the bank API (銀行APIから明細を取り込む)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from urikake.applicants.access import applicant, current_organization
from urikake.domain.errors import DomainError
from urikake.integrations.bank.adapter import (
    BankAccount,
    BankApiError,
    BankStatementSource,
    source_from_settings,
)
from urikake.receivables import bank_pull
from urikake.receivables.models import StatementImport

NOT_CONFIGURED = gettext_lazy("銀行APIとの連携が設定されていません。運営者にお問い合わせください。")


class BankPullForm(forms.Form):
    account_id = forms.CharField(
        label=gettext_lazy("口座"),
        max_length=100,
        help_text=gettext_lazy("銀行APIの口座ID（一覧に表示されない場合は直接入力してください）"),
    )
    date_from = forms.DateField(
        label=gettext_lazy("期間（開始日）"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("期間（終了日）"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, accounts: list[BankAccount], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if accounts:
            field = self.fields["account_id"]
            field.widget = forms.Select(choices=[(a.account_id, a.label) for a in accounts])
            field.help_text = _("銀行APIで連携している口座から選んでください。")


def _source() -> BankStatementSource | None:
    try:
        return source_from_settings()
    except ValueError:
        return None


@applicant
def pull(request: HttpRequest) -> HttpResponse:
    """銀行APIから取込: pick an account and a period, import it (all or nothing; repeats known)."""
    org = current_organization(request)
    assert org is not None
    source = _source()
    accounts: list[BankAccount] = []
    api_problem = ""
    if source is None:
        api_problem = str(NOT_CONFIGURED)
    elif request.method != "POST":
        try:
            accounts = source.list_accounts()
        except BankApiError as exc:
            api_problem = exc.message
    today = timezone.localdate()
    date_from, date_to = bank_pull.default_period(today)
    initial: dict[str, date | str] = {"date_from": date_from, "date_to": date_to}
    if accounts:
        initial["account_id"] = accounts[0].account_id
    form = BankPullForm(request.POST or None, initial=initial, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        if source is None:
            form.add_error(None, str(NOT_CONFIGURED))
        else:
            try:
                result = bank_pull.pull_statement(
                    org,
                    acting_user=request.user,  # type: ignore[arg-type]
                    source=source,
                    account_id=form.cleaned_data["account_id"],
                    date_from=form.cleaned_data["date_from"],
                    date_to=form.cleaned_data["date_to"],
                    today=today,
                )
            except BankApiError as exc:
                form.add_error(None, exc.message)
            except DomainError as exc:
                field = exc.field if exc.field in form.fields else None
                form.add_error(field, exc.message_for(get_language()))
            else:
                if result.duplicate:
                    messages.info(
                        request, _("この明細はすでに取り込まれています（変更はありません）。")
                    )
                else:
                    messages.success(
                        request,
                        _("%(lines)d件の明細を取り込みました（うち新しい明細 %(new)d件）。")
                        % {"lines": result.statement.line_count, "new": result.new_lines},
                    )
                return redirect("bank:pull")
    imports = StatementImport.objects.filter(
        organization=org, source=StatementImport.Source.BANK_API
    ).order_by("-created_at")[:20]
    return render(
        request,
        "receivables/bank_pull.html",
        {"form": form, "imports": imports, "api_problem": api_problem},
    )
