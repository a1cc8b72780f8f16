"""Pages of bulk factoring (一括ファクタリング).

Customer (``/my/bulk/``): a buyer's members upload payables and see what they owe per due
date and their monthly invoices; a supplier's members sign the three-party agreement once,
see their receivables on the buyer and ask for early payment after seeing the discount and
the APR-equivalent. An organisation may be both. Back office (``/backoffice/bulk/``): enrol
a buyer and set its price, register suppliers, record the buyer's due-date payment, invoice
the monthly fee. Views read and call :mod:`urikake.bulk.services`; they change nothing
themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.applicants.access import applicant as _applicant
from urikake.applicants.access import current_organization, owned_or_404
from urikake.applicants.models import Organization
from urikake.bulk import forms, services
from urikake.bulk.models import BuyerProgram, FeeInvoice, Payable, Supplier
from urikake.domain.bulk import MAX_ROWS
from urikake.domain.errors import DomainError

_F = TypeVar("_F", bound=Callable[..., HttpResponse])

_REVIEW = Capability.REVIEW_APPLICATIONS
_TREASURY = Capability.MANAGE_TREASURY


def applicant(**rule: Any) -> Callable[[_F], _F]:
    """``applicants.access.applicant`` with its type (the decorator itself is untyped)."""
    return cast(Callable[[_F], _F], _applicant(**rule))


def _pdf(data: bytes | memoryview, filename: str) -> HttpResponse:
    response = HttpResponse(bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response


# --- customer pages -----------------------------------------------------------------------------


@applicant()
def my_home(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    program = services.program_of(org)
    context: dict[str, Any] = {"program": program}
    if program is not None:
        context.update(
            {
                "due_dates": services.due_dates(program),
                "payables": list(
                    program.payables.select_related("supplier", "organization").order_by(
                        "due_date", "pk"
                    )[:500]
                ),
                "fee_invoices": list(program.invoices.order_by("-month")[:24]),
                "suppliers": list(program.suppliers.select_related("organization")),
            }
        )
    context["supplier_of"] = list(
        Supplier.objects.filter(organization=org, program__is_active=True)
        .select_related("program__organization")
        .order_by("pk")
    )
    return render(request, "bulk/my_home.html", context)


@applicant()
def my_upload(request: HttpRequest) -> HttpResponse:
    program = services.program_of(current_organization(request))
    form = forms.UploadForm()
    errors: list[DomainError] = []
    if program is not None and request.method == "POST":
        form = forms.UploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            data = upload.read(forms.MAX_UPLOAD_BYTES + 1)
            try:
                done = services.upload_payables(
                    program, data, filename=upload.name or "payables.csv", acting_user=request.user
                )
            except services.UploadRefused as exc:
                errors = exc.errors
                messages.error(request, exc.message)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("支払予定を%(rows)s件取り込みました（合計 %(total)s円）。")
                    % {"rows": done.rows, "total": f"{done.total:,}"},
                )
                return redirect("bulk:home")
    return render(
        request,
        "bulk/my_upload.html",
        {"program": program, "form": form, "errors": errors, "max_rows": MAX_ROWS},
    )


@applicant(owned_kwarg="pk", owned_object="bulk_fee_invoice")
def my_fee_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = owned_or_404(request, FeeInvoice.objects.all(), pk=pk)
    return _pdf(invoice.pdf, invoice.number)


def _supplier(request: HttpRequest, pk: int) -> Supplier:
    return owned_or_404(request, Supplier.objects.select_related("program__organization"), pk=pk)


@applicant(owned_kwarg="pk", owned_object="bulk_supplier")
def my_program(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = _supplier(request, pk)
    receivables = list(supplier.payables.order_by("due_date", "pk")[:500])
    today = timezone.localdate()
    return render(
        request,
        "bulk/my_program.html",
        {
            "supplier": supplier,
            "buyer": supplier.program.organization,
            "receivables": receivables,
            "sign_form": forms.SignForm(initial={"sha256": supplier.agreement_sha256}),
            "today": today,
        },
    )


@applicant(owned_kwarg="pk", owned_object="bulk_supplier")
def my_agreement(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = _supplier(request, pk)
    return _pdf(supplier.signed_pdf or supplier.agreement_pdf or b"", supplier.agreement_number)


@require_POST
@applicant(owned_kwarg="pk", owned_object="bulk_supplier")
def my_sign(request: HttpRequest, pk: int) -> HttpResponse:
    supplier = _supplier(request, pk)
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("契約書の内容を確認し、同意のチェックを入れてください。"))
        return redirect("bulk:program", pk=supplier.pk)
    try:
        services.sign_agreement(
            supplier,
            acting_user=request.user,  # type: ignore[arg-type]
            agreed_sha256=form.cleaned_data["sha256"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("一括ファクタリング契約に同意しました。"))
    return redirect("bulk:program", pk=supplier.pk)


@applicant(owned_kwarg="pk", owned_object="bulk_payable")
def my_early(request: HttpRequest, pk: int) -> HttpResponse:
    payable = owned_or_404(
        request, Payable.objects.select_related("program__organization", "supplier"), pk=pk
    )
    quote = None
    problem = ""
    if payable.status == Payable.Status.OPEN:
        try:
            quote = services.quote(payable)
        except DomainError as exc:
            problem = exc.message
    form = forms.EarlyForm(initial={"expected_net": quote.net if quote else None})
    if request.method == "POST" and quote is not None:
        form = forms.EarlyForm(request.POST)
        if form.is_valid():
            try:
                services.request_early_payment(
                    payable,
                    acting_user=request.user,  # type: ignore[arg-type]
                    expected_net=form.cleaned_data["expected_net"],
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("早期支払を受け付けました。お振込みの手配ができしだいお知らせします。"),
                )
                return redirect("bulk:program", pk=payable.supplier_id)
    return render(
        request,
        "bulk/my_early.html",
        {"payable": payable, "quote": quote, "problem": problem, "form": form},
    )


# --- back office ------------------------------------------------------------------------------


@staff(_REVIEW, _TREASURY)
def bo_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for program in BuyerProgram.objects.select_related("organization").order_by("pk")[:500]:
        dates = services.due_dates(program, today=today)
        rows.append(
            (program, [d for d in dates if not d.settled][:3], any(d.overdue for d in dates))
        )
    return render(request, "bulk/bo_list.html", {"rows": rows, "enroll_form": forms.EnrollForm()})


@require_POST
@staff(_REVIEW)
def bo_enroll(request: HttpRequest) -> HttpResponse:
    form = forms.EnrollForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("bulk_backoffice:list")
    org = Organization.objects.filter(pk=form.cleaned_data["organization"]).first()
    if org is None:
        messages.error(request, _("その番号の申込者はありません。"))
        return redirect("bulk_backoffice:list")
    try:
        program = services.enroll_buyer(
            org,
            risk_rate=form.cleaned_data["risk_rate"],
            base_fee=form.cleaned_data["base_fee"],
            per_item_fee=form.cleaned_data["per_item_fee"],
            acting_user=request.user,  # type: ignore[arg-type]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("bulk_backoffice:list")
    messages.success(request, _("支払企業を登録しました。"))
    return redirect("bulk_backoffice:detail", pk=program.pk)


def _program(pk: int) -> BuyerProgram:
    return get_object_or_404(BuyerProgram.objects.select_related("organization"), pk=pk)


def _form_errors(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _run(request: HttpRequest, pk: int, ok: str, call: Callable[[], Any]) -> HttpResponse:
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("bulk_backoffice:detail", pk=pk)


@staff(_REVIEW, _TREASURY)
def bo_detail(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    today = timezone.localdate()
    return render(
        request,
        "bulk/bo_detail.html",
        {
            "program": program,
            "due_dates": services.due_dates(program, today=today),
            "suppliers": list(program.suppliers.select_related("organization")),
            "settlements": list(program.settlements.order_by("-due_date")[:50]),
            "fee_invoices": list(program.invoices.order_by("-month")[:24]),
            "terms_form": forms.TermsForm(
                initial={
                    "risk_rate": f"{program.risk_rate * 100:.3f}",
                    "base_fee": program.base_fee,
                    "per_item_fee": program.per_item_fee,
                }
            ),
            "supplier_form": forms.SupplierForm(),
            "settle_form": forms.SettleForm(initial={"received_on": today}, auto_id="settle_%s"),
            "fee_form": forms.FeeForm(initial={"month": today}, auto_id="fee_%s"),
            "fee_paid_rows": [
                (f, forms.FeePaidForm(initial={"received_on": today}, auto_id=f"paid{f.pk}_%s"))
                for f in program.invoices.filter(paid_on__isnull=True).order_by("-month")[:24]
            ],
        },
    )


@require_POST
@staff(_REVIEW)
def bo_terms(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    form = forms.TermsForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("bulk_backoffice:detail", pk=pk)
    return _run(
        request,
        pk,
        _("割引率と利用料を変更しました。"),
        lambda: services.set_terms(program, acting_user=request.user, **form.cleaned_data),  # type: ignore[arg-type]
    )


@require_POST
@staff(_REVIEW)
def bo_add_supplier(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    form = forms.SupplierForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("bulk_backoffice:detail", pk=pk)
    org = Organization.objects.filter(pk=form.cleaned_data["organization"]).first()
    if org is None:
        messages.error(request, _("その番号の申込者はありません。"))
        return redirect("bulk_backoffice:detail", pk=pk)
    return _run(
        request,
        pk,
        _("仕入先を登録しました（仕入先に契約への同意をお願いしました）。"),
        lambda: services.add_supplier(
            program,
            organization=org,
            code=form.cleaned_data["code"],
            acting_user=request.user,  # type: ignore[arg-type]
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_settle(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    form = forms.SettleForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("bulk_backoffice:detail", pk=pk)
    return _run(
        request,
        pk,
        _("支払企業の入金を記録し、仕入先への振込を作成しました（送金は総合振込データの承認後）。"),
        lambda: services.record_buyer_payment(
            program, acting_user=request.user, **form.cleaned_data
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_fee(request: HttpRequest, pk: int) -> HttpResponse:
    program = _program(pk)
    form = forms.FeeForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("bulk_backoffice:detail", pk=pk)
    return _run(
        request,
        pk,
        _("利用料の請求書を発行しました。"),
        lambda: services.issue_fee_invoice(
            program, month=form.cleaned_data["month"], acting_user=request.user
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_fee_paid(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(FeeInvoice, pk=pk)
    form = forms.FeePaidForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return redirect("bulk_backoffice:detail", pk=invoice.program_id)
    return _run(
        request,
        invoice.program_id,
        _("利用料の入金を記録しました。"),
        lambda: services.record_fee_payment(invoice, acting_user=request.user, **form.cleaned_data),
    )


@staff(_REVIEW, _TREASURY)
def bo_fee_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = get_object_or_404(FeeInvoice, pk=pk)
    return _pdf(invoice.pdf, invoice.number)
