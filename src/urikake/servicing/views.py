"""Pages for purchased receivables after funding.

Applicant (``/my/treasury/``): the organisation's purchased receivables, what is due to the
platform and by when, payouts, and the two-party receipt report. Back office
(``/backoffice/treasury/overdue/``): the ageing table, overdue items, CSV, default and
write-off. Views only read and call :mod:`urikake.servicing.overdue`.
"""

from __future__ import annotations

from datetime import date

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.applicants.access import applicant, current_organization, owned_or_404
from urikake.audit.services import actor_label
from urikake.domain.errors import DomainError
from urikake.domain.money import yen
from urikake.servicing import overdue
from urikake.servicing.models import Position, PositionNote
from urikake.treasury.models import Payout

ITEMS_PER_PAGE = 100


# --- forms -------------------------------------------------------------------------------------


class ReportCollectionForm(forms.Form):
    received_on = forms.DateField(
        label=gettext_lazy("入金日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.CharField(
        label=gettext_lazy("入金額（円）"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def clean_amount(self) -> int:
        try:
            amount = yen(self.cleaned_data["amount"], field="amount")
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from exc
        limit = settings.RECEIVABLES_MAX_INVOICE_YEN  # no payment exceeds an invoice face
        if amount > limit:
            raise forms.ValidationError(
                _("入金額は%(limit)s円以下で入力してください。") % {"limit": f"{limit:,}"}
            )
        return amount


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("理由（必須）"),
        max_length=overdue.MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("内容を確認しました。この操作は取り消せません。"), required=True
    )


class ApproveForm(DecisionForm):
    #: The proposal the approver saw (its audit record's seq): another one is not approved.
    proposal = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**62)


class WithdrawForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("取り下げの理由（必須）"),
        max_length=overdue.MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _add_domain_error(form: forms.Form, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


# --- applicant ---------------------------------------------------------------------------------


def _applicant_row(p: Position, today: date) -> dict[str, object]:
    deadline = overdue.deadline_of(p)
    days = (today - deadline).days
    open_ = p.status == Position.Status.OPEN and p.residual > 0
    return {
        "purchase": p,
        "deadline": deadline,
        "days_overdue": days if open_ and days > 0 else 0,
        "forward_overdue": open_ and p.spec.client_forwards and days > 0,
        "holding": open_ and p.spec.client_forwards and p.forward_due_on is not None,
        "open": open_,
    }


@applicant(require_organization=True)
def my_list(request: HttpRequest) -> HttpResponse:
    """買取済みの債権: status, what is due to us and by when, collected, payouts."""
    org = current_organization(request)
    assert org is not None
    today = timezone.localdate()
    purchases = (
        Position.objects.filter(organization=org)
        .select_related("debtor", "invoice")
        .order_by("-expected_on", "-pk")
    )
    rows = [_applicant_row(p, today) for p in purchases]
    payouts = Payout.objects.filter(organization=org, debit_account="").order_by(
        "-requested_for", "-pk"
    )[:100]
    return render(
        request,
        "servicing/my_list.html",
        {
            "rows": rows,
            "payouts": payouts,
            "forward_overdue": [r for r in rows if r["forward_overdue"]],
            "today": today,
        },
    )


@applicant(owned_kwarg="pk", owned_object="purchased_receivable")
def my_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One purchased receivable; for two-party deals the 「売掛先から入金がありました」 report."""
    purchase = owned_or_404(request, Position.objects.select_related("debtor", "invoice"), pk=pk)
    form = ReportCollectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            overdue.report_collection(
                purchase,
                acting_user=request.user,  # type: ignore[arg-type]
                received_on=form.cleaned_data["received_on"],
                amount=form.cleaned_data["amount"],
            )
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:  # about the purchase itself: shown even where the form is not
                messages.error(request, exc.message)
        else:
            purchase.refresh_from_db()
            messages.success(
                request,
                _("ご報告ありがとうございます。%(date)s までに当社口座へお振込みください。")
                % {"date": f"{purchase.forward_due_on:%Y年%m月%d日}"},
            )
            return redirect("treasury:detail", pk=purchase.pk)
    today = timezone.localdate()
    return render(
        request,
        "servicing/my_detail.html",
        {
            "row": _applicant_row(purchase, today),
            "purchase": purchase,
            "form": form,
            "reports": overdue.reported_collections(purchase),
            "payouts": purchase.payouts.order_by("-requested_for"),
            "can_report": purchase.spec.client_forwards
            and purchase.status == Position.Status.OPEN
            and purchase.residual > 0,
        },
    )


# --- back office -------------------------------------------------------------------------------


def _as_of(request: HttpRequest) -> date:
    raw = request.GET.get("as_of", "")
    if raw:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            messages.error(request, _("基準日は YYYY-MM-DD の形式で指定してください。"))
    return timezone.localdate()


@staff(Capability.MANAGE_TREASURY)
def overdue_list(request: HttpRequest) -> HttpResponse:
    """延滞債権: the ageing table per client and per debtor, and the overdue items."""
    as_of = _as_of(request)
    purchases = list(overdue.outstanding())
    view = overdue.ageing_report(as_of, purchases)
    report = view.report
    return render(
        request,
        "servicing/overdue_list.html",
        {
            "as_of": as_of,
            "buckets": report.buckets,
            "clients": [(r, view.client_names.get(r.key, "")) for r in report.by_client],
            "debtors": [(r, view.debtor_names.get(r.key, "")) for r in report.by_debtor],
            "total": report.total,
            "proposals": overdue.pending_write_offs(),
            # Paged: thousands of rows would make a slow page nobody reads; the CSV has all.
            "items": Paginator(overdue.overdue_items(as_of, purchases), ITEMS_PER_PAGE).get_page(
                request.GET.get("page")
            ),
        },
    )


@staff(Capability.MANAGE_TREASURY)
def overdue_csv(request: HttpRequest) -> HttpResponse:
    as_of = _as_of(request)
    # A BOM so that Excel (the usual reader in Japanese back offices) opens it as UTF-8.
    body = "\ufeff" + overdue.ageing_csv(as_of)
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="ageing-{as_of:%Y%m%d}.csv"'
    return response


def _purchase(pk: int) -> Position:
    return get_object_or_404(
        Position.objects.select_related("organization", "debtor", "invoice", "application"),
        pk=pk,
    )


def _detail(
    request: HttpRequest,
    purchase: Position,
    *,
    default_form: DecisionForm | None = None,
    write_off_form: DecisionForm | None = None,
    approve_form: ApproveForm | None = None,
    withdraw_form: WithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    today = timezone.localdate()
    deadline = overdue.deadline_of(purchase)
    residual = purchase.residual
    plan = overdue.write_off_plan(purchase)
    pending = overdue.pending_write_off(purchase)
    proposal_note = (
        PositionNote.objects.select_related("author").filter(pk=pending.payload.get("note")).first()
        if pending is not None
        else None
    )
    return render(
        request,
        "servicing/overdue_detail.html",
        {
            "purchase": purchase,
            "deadline": deadline,
            "days": (today - deadline).days,
            "residual": residual,
            "reserve_offset": plan.reserve_offset,
            "loss": plan.loss,
            "four_eyes": overdue.four_eyes_required(residual),
            "pending": pending,
            "proposal_note": proposal_note,
            # A proposal made for another residual (money arrived since) can only be replaced.
            "pending_current": pending is not None
            and pending.payload.get("residual") == plan.residual,
            "own_proposal": pending is not None and pending.actor == actor_label(request.user),
            "default_form": default_form or DecisionForm(prefix="default"),
            "write_off_form": write_off_form or DecisionForm(prefix="write_off"),
            "approve_form": approve_form
            or ApproveForm(prefix="approve", initial={"proposal": pending and pending.seq}),
            "withdraw_form": withdraw_form or WithdrawForm(prefix="withdraw"),
            "history": overdue.history_with_notes(purchase),
            "can_default": purchase.status == Position.Status.OPEN and residual > 0,
            "can_write_off": purchase.status in overdue.OUTSTANDING and residual > 0,
        },
        status=status,
    )


@staff(Capability.MANAGE_TREASURY)
def overdue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _purchase(pk))


@staff(Capability.MANAGE_TREASURY)
@require_POST
def overdue_default(request: HttpRequest, pk: int) -> HttpResponse:
    purchase = _purchase(pk)
    form = DecisionForm(request.POST, prefix="default")
    if form.is_valid():
        try:
            overdue.mark_default(
                purchase,
                acting_user=request.user,  # type: ignore[arg-type]
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(request, _("延滞（債務不履行）として記録しました。"))
            return redirect("servicing_backoffice:overdue_detail", pk=pk)
    return _detail(request, purchase, default_form=form, status=400)


@staff(Capability.MANAGE_TREASURY)
@require_POST
def overdue_write_off(request: HttpRequest, pk: int) -> HttpResponse:
    """First pair of eyes: propose the write-off (nothing is booked)."""
    purchase = _purchase(pk)
    form = DecisionForm(request.POST, prefix="write_off")
    if form.is_valid():
        try:
            overdue.propose_write_off(
                purchase,
                acting_user=request.user,  # type: ignore[arg-type]
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.info(
                request, _("償却を申請しました。別の資金管理担当者が承認すると実行されます。")
            )
            return redirect("servicing_backoffice:overdue_detail", pk=pk)
    return _detail(request, purchase, write_off_form=form, status=400)


@staff(Capability.MANAGE_TREASURY)
@require_POST
def overdue_write_off_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """Second pair of eyes: approve the open proposal; only now is the ledger written."""
    purchase = _purchase(pk)
    form = ApproveForm(request.POST, prefix="approve")
    if form.is_valid():
        try:
            outcome = overdue.approve_write_off(
                purchase,
                acting_user=request.user,  # type: ignore[arg-type]
                comment=form.cleaned_data["comment"],
                proposal=form.cleaned_data["proposal"],
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("償却しました（留保金との相殺 %(offset)s円、貸倒損失 %(loss)s円）。")
                % {
                    "offset": f"{outcome.reserve_offset:,}",
                    "loss": f"{outcome.written_off:,}",
                },
            )
            return redirect("servicing_backoffice:overdue_detail", pk=pk)
    return _detail(request, purchase, approve_form=form, status=400)


@staff(Capability.MANAGE_TREASURY)
@require_POST
def overdue_write_off_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw the open proposal (nothing was booked)."""
    purchase = _purchase(pk)
    form = WithdrawForm(request.POST, prefix="withdraw")
    if form.is_valid():
        try:
            overdue.withdraw_write_off(
                purchase,
                acting_user=request.user,  # type: ignore[arg-type]
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            _add_domain_error(form, exc)
        else:
            messages.info(request, _("償却の申請を取り下げました。"))
            return redirect("servicing_backoffice:overdue_detail", pk=pk)
    return _detail(request, purchase, withdraw_form=form, status=400)
