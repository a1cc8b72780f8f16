"""Back-office pages of the treasury: dashboard, perfection, payouts and batches, the
collection statements and the reconciliation queue. All need ``MANAGE_TREASURY``; every
action goes through a service (audited) and shows the service's Japanese error on refusal."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from urikake.accounts.access import staff
from urikake.accounts.compiled_reads import CompiledRead
from urikake.accounts.roles import Capability
from urikake.domain.dates import month_to_date, tokyo_date
from urikake.domain.errors import DomainError
from urikake.domain.statement_csv import PRESETS
from urikake.integrations.bank.adapter import BankApiError, source_from_settings
from urikake.receivables.forms import FORMAT_CHOICES as STATEMENT_FORMATS
from urikake.receivables.models import FinancingApplication
from urikake.treasury import collections, payouts, statement_jobs
from urikake.treasury import perfection as steps
from urikake.treasury.models import (
    Deposit,
    Payout,
    PayoutBatch,
    Perfection,
    StatementImportJob,
)
from urikake.treasury.policy import next_value_date
from urikake.treasury.positions import position_book

CAP = Capability.MANAGE_TREASURY


@staff(CAP)
def dashboard(request: HttpRequest) -> HttpResponse:
    context = {
        "awaiting_funding": FinancingApplication.objects.filter(status="contracted").count(),
        "perfection_pending": Perfection.objects.exclude(
            stage__in=["perfected", "extended", "cancelled"]
        ).count(),
        "payouts_pending": Payout.objects.filter(status="pending").count(),
        "batches_awaiting_approval": PayoutBatch.objects.filter(status="generated").count(),
        "batches_unsent": PayoutBatch.objects.filter(status="approved").count(),
        "deposits_suggested": Deposit.objects.filter(status="suggested").count(),
        "deposits_unmatched": Deposit.objects.filter(status="unmatched").count(),
    }
    context.update(position_book().open_summary(timezone.localdate(), 30))
    return render(request, "treasury/dashboard.html", context)


# ------------------------------------------------------------------------------------------
# Deals: perfection and funding
# ------------------------------------------------------------------------------------------


STEP_CHOICES = [
    ("notice_sent", gettext_lazy("通知を発送（確定日付あり）")),
    ("notice_delivered", gettext_lazy("通知が到達")),
    ("consent", gettext_lazy("承諾書を受領（確定日付あり）")),
    ("filed", gettext_lazy("登記を申請")),
    ("registered", gettext_lazy("登記が完了")),
    ("extended", gettext_lazy("存続期間を延長")),
    ("cancelled", gettext_lazy("抹消")),
]


class PerfectionForm(forms.Form):
    step = forms.ChoiceField(label=gettext_lazy("手続き"), choices=STEP_CHOICES)
    on = forms.DateField(
        label=gettext_lazy("日付（発送日・到達日・承諾日・申請日・登記日・抹消日）"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    certified_date = forms.DateField(
        label=gettext_lazy("確定日付"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    registration_number = forms.CharField(
        label=gettext_lazy("登記番号"), required=False, max_length=40
    )
    expires_on = forms.DateField(
        label=gettext_lazy("存続期間の満了日"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


@staff(CAP)
def perfections(request: HttpRequest) -> HttpResponse:
    """Deals from contract to funding: what each still needs."""
    deals = (
        FinancingApplication.objects.filter(status__in=["accepted", "contracted", "funded"])
        .select_related("organization")
        .order_by("-pk")[:200]
    )
    rows = [(a, Perfection.objects.filter(application=a).first()) for a in deals]
    return render(request, "treasury/perfections.html", {"rows": rows})


@staff(CAP)
def deal(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(
        FinancingApplication.objects.select_related("organization"), pk=pk
    )
    perfection = steps.perfection_of(application)  # a GET never creates it
    form = PerfectionForm(request.POST or None)
    if request.method == "POST" and perfection is not None and form.is_valid():
        try:
            steps.record_step(
                steps.open_perfection(application), form.cleaned_data, acting_user=request.user
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("対抗要件の手続きを記録しました。"))
            return redirect("treasury_backoffice:deal", pk=pk)
    context = {
        "application": application,
        "perfection": perfection,
        "form": form,
        "purchases": position_book().of_application(application),
        "payouts": application.payouts.order_by("pk"),
    }
    return render(request, "treasury/deal.html", context)


@staff(CAP)
@require_POST
def fund(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(FinancingApplication, pk=pk)
    try:
        payout = position_book().fund(application, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("買取を計上し、送金（%(amount)s円）を予約しました。")
            % {"amount": f"{payout.amount:,}"},
        )
    return redirect("treasury_backoffice:deal", pk=pk)


@staff(CAP)
def filing_data(request: HttpRequest, pk: int) -> HttpResponse:
    """債権譲渡登記の申請データ (XML) for one deal."""
    application = get_object_or_404(FinancingApplication, pk=pk)
    perfection = steps.perfection_of(application)
    try:
        if perfection is None:
            raise DomainError("perfection.not_contracted", "契約前の案件です。")
        content = steps.filing_data([perfection], cause_date=timezone.localdate())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("treasury_backoffice:deal", pk=pk)
    response = HttpResponse(content, content_type="application/xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="filing-{pk:06d}.xml"'
    return response


# ------------------------------------------------------------------------------------------
# Payouts and batches
# ------------------------------------------------------------------------------------------


class BatchForm(forms.Form):
    value_date = forms.DateField(
        label=gettext_lazy("振込指定日"), widget=forms.DateInput(attrs={"type": "date"})
    )


@staff(CAP)
def payout_list(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None, initial={"value_date": next_value_date()})
    if request.method == "POST" and form.is_valid():
        try:
            batch = payouts.build_batch(
                acting_user=request.user, value_date=form.cleaned_data["value_date"]
            )
        except DomainError as exc:
            form.add_error("value_date" if exc.field else None, exc.message)
        else:
            if batch is None:
                messages.info(request, _("この振込指定日までに送金待ちの送金はありません。"))
                return redirect("treasury_backoffice:payouts")
            messages.success(request, _("総合振込データを作成しました。"))
            return redirect("treasury_backoffice:batch", pk=batch.pk)
    context = {
        "form": form,
        "pending": Payout.objects.filter(status="pending").select_related("organization"),
        "batches": PayoutBatch.objects.select_related("created_by", "approved_by").order_by("-pk")[
            :50
        ],
        "returned": Payout.objects.filter(status="returned", replaced_by__isnull=True),
    }
    return render(request, "treasury/payouts.html", context)


@staff(CAP)
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(
        PayoutBatch.objects.select_related("created_by", "approved_by"), pk=pk
    )
    identical = payouts.regenerate(record) == bytes(record.file_content)
    context = {
        "batch": record,
        "own_batch": record.preparer_label == f"user:{request.user.pk}",
        "payouts": record.payouts.select_related("organization").order_by("line_number"),
        "identical": identical,
    }
    return render(request, "treasury/batch.html", context)


@staff(CAP)
@require_POST
def batch_approve(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(PayoutBatch, pk=pk)
    try:
        payouts.approve_batch(record, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("承認しました。ファイルのダウンロードと送信ができます。"))
    return redirect("treasury_backoffice:batch", pk=pk)


@staff(CAP)
def batch_file(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(PayoutBatch, pk=pk)
    try:
        content = payouts.released_file(record)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("treasury_backoffice:batch", pk=pk)
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{record.filename}"'
    return response


@staff(CAP)
@require_POST
def batch_sent(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(PayoutBatch, pk=pk)
    try:
        payouts.mark_sent(record, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("送信済みにし、元帳に計上しました。"))
    return redirect("treasury_backoffice:batch", pk=pk)


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("ファイル"))


@staff(CAP)
def returns(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            done = payouts.import_returns(
                form.cleaned_data["file"].read(), acting_user=request.user
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            messages.success(request, _("%(n)d件の組戻しを取り込みました。") % {"n": len(done)})
            return redirect("treasury_backoffice:payouts")
    return render(request, "treasury/returns.html", {"form": form})


@staff(CAP)
@require_POST
def payout_retry(request: HttpRequest, pk: int) -> HttpResponse:
    payout = get_object_or_404(Payout, pk=pk)
    try:
        payouts.retry_returned(payout, acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("現在の振込先口座あてに再送を予約しました。"))
    return redirect("treasury_backoffice:payouts")


# ------------------------------------------------------------------------------------------
# Collections and the reconciliation queue
# ------------------------------------------------------------------------------------------


class StatementForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("回収口座の明細ファイル"))
    file_format = forms.ChoiceField(
        label=gettext_lazy("形式"),
        choices=[("zengin", gettext_lazy("全銀 入出金取引明細・振込入金通知"))]
        + [(key, label) for key, label in STATEMENT_FORMATS if key in PRESETS],
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        try:
            statement_jobs.check_size(upload.size)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        return upload


@dataclass(frozen=True, slots=True)
class DepositRow:
    """A line of the deposits table, as it is printed."""

    pk: int
    href: str
    value_date: str  # Y-m-d
    payer_kana: str
    amount: int
    status_label: str
    reason_ja: str


def _deposits_query(status: str | None, limit: int) -> QuerySet[Any, Any]:
    rows = Deposit.objects.order_by("-value_date", "-pk")
    if status is not None:
        rows = rows.filter(status=status)
    return rows.values_list("pk", "value_date", "payer_kana", "amount", "status", "reason_ja")[
        :limit
    ]


@functools.cache
def _deposits_read(limit: int) -> CompiledRead:
    """All deposits' rows, compiled once per limit (accounts.compiled_reads)."""
    return CompiledRead(lambda: _deposits_query(None, limit))


@functools.cache
def _deposits_of_status_read(limit: int) -> CompiledRead:
    """One status's deposit rows, compiled once per limit."""
    return CompiledRead(lambda status: _deposits_query(status, limit), status=str)


def deposit_rows(status: str, *, limit: int) -> list[DepositRow]:
    """The deposits of one status (or ``"all"``), newest first, as the table prints them: one
    query of the columns shown (no model instances; each status labelled from the choices
    translated once; the links made from one reversed URL, not a ``{% url %}`` per row — the
    page lists up to ``limit`` deposits waiting for a decision)."""
    if status == "all":
        found = _deposits_read(limit).rows()
    else:
        found = _deposits_of_status_read(limit).rows(status=status)
    if not found:
        return []
    labels = {value: str(label) for value, label in Deposit.Status.choices}
    # ".../deposits/0/" → ".../deposits/": the detail URL ends in the deposit's id
    prefix = reverse("treasury_backoffice:deposit", args=[0]).removesuffix("0/")
    return [
        DepositRow(
            pk, f"{prefix}{pk}/", day.isoformat(), kana, amount, labels.get(code, code), reason
        )
        for pk, day, kana, amount, code, reason in found
    ]


@staff(CAP)
def deposits(request: HttpRequest) -> HttpResponse:
    form = StatementForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > statement_jobs.inline_bytes():
            job = statement_jobs.queue_import(
                upload.read(),
                filename=upload.name,
                file_format=form.cleaned_data["file_format"],
                acting_user=request.user,
            )
            return redirect("treasury_backoffice:statement_import", pk=job.pk)
        try:
            result = collections.import_collection_statement(
                upload.read(),
                filename=upload.name,
                acting_user=request.user,
                file_format=form.cleaned_data["file_format"],
            )
            summary = collections.run_reconciliation(acting_user=request.user)
        except DomainError as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(
                request,
                _(
                    "入金%(added)d件を取り込みました（重複%(repeated)d件）。自動消込 %(auto)d件・"
                    "確認待ち %(suggested)d件・該当なし %(unmatched)d件。"
                )
                % {
                    "added": len(result.added),
                    "repeated": result.repeated,
                    "auto": summary.auto,
                    "suggested": summary.suggested,
                    "unmatched": summary.unmatched,
                },
            )
            return redirect("treasury_backoffice:deposits")
    status = request.GET.get("status", "suggested")
    today = timezone.localdate()
    pull_form = PullForm(
        initial={
            "account_id": settings.TREASURY_BANK_API_ACCOUNT_ID,
            "date_from": today.replace(day=1),
            "date_to": today,
        }
    )
    context = {
        "form": form,
        "pull_form": pull_form,
        "status": status,
        "statuses": Deposit.Status.choices,
        # the columns shown (not the reconciliation proposal, a JSON document per row)
        "deposits": deposit_rows(status, limit=300),
    }
    return render(request, "treasury/deposits.html", context)


@staff(CAP)
def statement_import(request: HttpRequest, pk: int) -> HttpResponse:
    """A queued statement import: its stage and counts, refreshed while it runs."""
    job = get_object_or_404(StatementImportJob, pk=pk)
    recent = StatementImportJob.objects.order_by("-pk")[:10]
    return render(request, "treasury/statement_import.html", {"job": job, "recent": recent})


class PullForm(forms.Form):
    account_id = forms.CharField(label=gettext_lazy("銀行APIの口座ID"), max_length=100)
    date_from = forms.DateField(
        label=gettext_lazy("期間（開始）"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("期間（終了）"), widget=forms.DateInput(attrs={"type": "date"})
    )


@staff(CAP)
@require_POST
def pull(request: HttpRequest) -> HttpResponse:
    """Fetch the collection account's movements through the bank API, then reconcile."""
    form = PullForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("口座IDと期間を入力してください。"))
        return redirect("treasury_backoffice:deposits")
    try:
        result = collections.pull_collection_statement(
            source=source_from_settings(),
            account_id=form.cleaned_data["account_id"],
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
            acting_user=request.user,
        )
        summary = collections.run_reconciliation(acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    except BankApiError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("銀行APIから入金%(added)d件を取り込みました。自動消込 %(auto)d件・確認待ち %(s)d件。")
            % {"added": len(result.added), "auto": summary.auto, "s": summary.suggested},
        )
    return redirect("treasury_backoffice:deposits")


class ConfirmForm(forms.Form):
    purchase_ids = forms.TypedMultipleChoiceField(
        label=gettext_lazy("消込先"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    remember_payer = forms.BooleanField(
        label=gettext_lazy("この振込依頼人名を売掛先として記憶する"), required=False, initial=True
    )


class DismissForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("理由（返金予定・誤入金など）"), max_length=300)


@staff(CAP)
def deposit(request: HttpRequest, pk: int) -> HttpResponse:
    record = get_object_or_404(Deposit, pk=pk)
    open_items = position_book().collectible_positions()
    proposed = {int(i) for i in record.proposal.get("item_ids", [])}
    choices = [
        (
            p.pk,
            f"{p.debtor.name} / {p.organization.name} / {p.invoice.invoice_number} / "
            f"残 {p.residual:,}円 / 期日 {p.expected_on:%Y-%m-%d}",
        )
        for p in sorted(open_items, key=lambda p: (p.pk not in proposed, p.expected_on))
    ][:200]
    confirm = ConfirmForm(
        request.POST if "confirm" in request.POST else None,
        initial={"purchase_ids": sorted(proposed), "remember_payer": True},
    )
    confirm.fields["purchase_ids"].choices = choices  # type: ignore[attr-defined]
    dismiss = DismissForm(request.POST if "dismiss" in request.POST else None)
    if request.method == "POST":
        try:
            if "confirm" in request.POST and confirm.is_valid():
                collections.confirm_suggestion(
                    record,
                    purchase_ids=confirm.cleaned_data["purchase_ids"],
                    acting_user=request.user,
                    remember_payer=confirm.cleaned_data["remember_payer"],
                )
                messages.success(request, _("消込しました。"))
                return redirect("treasury_backoffice:deposits")
            if "dismiss" in request.POST and dismiss.is_valid():
                collections.dismiss_deposit(
                    record, note=dismiss.cleaned_data["note"], acting_user=request.user
                )
                messages.success(request, _("対象外にしました（仮受金に残ります）。"))
                return redirect("treasury_backoffice:deposits")
        except DomainError as exc:
            messages.error(request, exc.message)
    context = {
        "deposit": record,
        "confirm": confirm,
        "dismiss": dismiss,
        "allocations": record.allocations.select_related("purchase__invoice"),
    }
    return render(request, "treasury/deposit.html", context)


@staff(CAP)
@require_POST
def reconcile(request: HttpRequest) -> HttpResponse:
    summary = collections.run_reconciliation(acting_user=request.user)
    messages.success(
        request,
        _("自動消込 %(auto)d件・確認待ち %(suggested)d件・該当なし %(unmatched)d件。")
        % {"auto": summary.auto, "suggested": summary.suggested, "unmatched": summary.unmatched},
    )
    return redirect("treasury_backoffice:deposits")


class PeriodForm(forms.Form):
    date_from = forms.DateField(
        label=gettext_lazy("期間（開始）"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=gettext_lazy("期間（終了）"), widget=forms.DateInput(attrs={"type": "date"})
    )


@staff(CAP)
def tie_out(request: HttpRequest) -> HttpResponse:
    """預金残高照合: the ledger's cash account against the imported bank statements.

    Without a period it shows the current month to today in Asia/Tokyo (当月初〜本日)."""
    default = month_to_date(tokyo_date(timezone.now()))
    form = PeriodForm(request.GET or None, initial={"date_from": default[0], "date_to": default[1]})
    period = (
        (form.cleaned_data["date_from"], form.cleaned_data["date_to"])
        if form.is_bound and form.is_valid()
        else default
    )
    report = None
    try:
        report = collections.cash_tie_out(date_from=period[0], date_to=period[1])
    except DomainError as exc:
        form.add_error(None, exc.message)
    return render(
        request, "treasury/tie_out.html", {"form": form, "report": report, "period": period}
    )
