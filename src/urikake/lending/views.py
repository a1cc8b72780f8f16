"""Pages of receivables-backed loans (融資).

Applicant (``/my/loans/``): apply, status, documents, contract, draws, repayments, balance
reports. Back office (``/backoffice/lending/``): review, decide, set the limit, perfection,
drawdown, collections, collateral, reports due and overdue, the advance-rate matrix. Views
read and call :mod:`urikake.lending.services`; they change nothing themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.applicants.access import applicant as _applicant
from urikake.applicants.access import current_organization, owned_or_404
from urikake.domain import lending as rules
from urikake.domain.errors import DomainError
from urikake.lending import collections as loan_collections
from urikake.lending import forms, services
from urikake.lending.models import (
    AdvanceRateMatrixVersion,
    BalanceReport,
    Collateral,
    LoanDocumentFile,
    LoanFacility,
)
from urikake.receivables.encumbrances import unencumbered
from urikake.receivables.models import Invoice

_F = TypeVar("_F", bound=Callable[..., HttpResponse])


def applicant(**rule: Any) -> Callable[[_F], _F]:
    """``applicants.access.applicant`` with its type (the decorator itself is untyped)."""
    return cast(Callable[[_F], _F], _applicant(**rule))


_REVIEW = Capability.REVIEW_APPLICATIONS
_TREASURY = Capability.MANAGE_TREASURY


def _error(request: HttpRequest, form: Any, exc: DomainError) -> None:
    if form is not None and exc.field in form.fields:
        form.add_error(exc.field, exc.message)
    else:
        messages.error(request, exc.message)


def _free_invoices(org_id: int) -> list[Invoice]:
    """Invoices not yet due that no product holds (pledged, sold or guaranteed)."""
    return list(
        unencumbered(
            Invoice.objects.filter(
                organization_id=org_id,
                due_date__gte=timezone.localdate(),
                status=Invoice.Status.REGISTERED,
            )
        )
        .select_related("debtor")
        .order_by("due_date", "pk")[:200]
    )


def _summary(facility: LoanFacility) -> dict[str, Any]:
    base = services.borrowing_base(facility)
    reports = list(facility.reports.order_by("-period_end"))
    today = timezone.localdate()
    return {
        "facility": facility,
        "base": base,
        "interest_due": services.interest_due(facility),
        "collateral": list(
            facility.collateral.select_related("invoice", "invoice__debtor").order_by("pk")
        ),
        "draws": list(facility.draws.select_related("payout").order_by("number")),
        "repayments": list(facility.repayments.order_by("received_on", "pk")),
        "documents": list(facility.documents.order_by("kind", "-uploaded_at")),
        "missing": rules.missing_documents(services.checked_documents(facility)),
        "reports": [(r, services.is_overdue(r, today)) for r in reports],
        "shortfalls": list(facility.shortfalls.all()),
        "revolving": facility.scheme_enum is rules.LoanScheme.REVOLVING,
    }


# --- applicant --------------------------------------------------------------------------------


@applicant(require_organization=True)
def my_list(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    assert org is not None
    facilities = LoanFacility.objects.filter(organization=org).order_by("-created_at")
    rows = [(f, services.borrowing_base(f)) for f in facilities]
    return render(request, "lending/my_list.html", {"rows": rows})


@applicant(require_organization=True)
def my_apply(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    assert org is not None
    invoices = _free_invoices(org.pk)
    form = forms.ApplyForm(request.POST or None, invoices=invoices)
    if request.method == "POST" and form.is_valid():
        chosen = [i for i in invoices if str(i.pk) in form.cleaned_data["invoices"]]
        try:
            facility = services.apply_for_loan(
                org,
                acting_user=request.user,  # type: ignore[arg-type]
                scheme=form.cleaned_data["scheme"],
                guarantee_scheme=form.cleaned_data["guarantee_scheme"],
                requested_amount=form.cleaned_data["requested_amount"],
                purpose=form.cleaned_data["purpose"],
                invoices=chosen,
            )
        except DomainError as exc:
            _error(request, form, exc)
        else:
            messages.success(
                request, _("融資のお申込みを受け付けました。必要書類をご提出ください。")
            )
            return redirect("lending:detail", pk=facility.pk)
    return render(request, "lending/my_apply.html", {"form": form})


@applicant(owned_kwarg="pk", owned_object="loan_facility")
def my_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = owned_or_404(request, LoanFacility.objects.all(), pk=pk)
    context = _summary(facility)
    context["document_form"] = forms.DocumentForm()
    context["sign_form"] = forms.SignForm(initial={"sha256": facility.contract_sha256})
    return render(request, "lending/my_detail.html", context)


@require_POST
@applicant(owned_kwarg="pk", owned_object="loan_facility")
def my_upload(request: HttpRequest, pk: int) -> HttpResponse:
    facility = owned_or_404(request, LoanFacility.objects.all(), pk=pk)
    form = forms.DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.upload_document(
                facility,
                kind=form.cleaned_data["kind"],
                filename=upload.name or "document",
                content=upload.read(services.MAX_DOCUMENT_BYTES + 1),
                content_type=upload.content_type or "application/octet-stream",
                acting_user=request.user,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("書類をアップロードしました。"))
    else:
        messages.error(request, _("書類の種類とファイルを選んでください。"))
    return redirect("lending:detail", pk=facility.pk)


@applicant(owned_kwarg="pk", owned_object="loan_facility")
def my_contract(request: HttpRequest, pk: int) -> HttpResponse:
    facility = owned_or_404(request, LoanFacility.objects.all(), pk=pk)
    pdf = facility.signed_pdf or facility.contract_pdf
    if not pdf:
        messages.info(request, _("契約書は審査の承認後にご覧いただけます。"))
        return redirect("lending:detail", pk=facility.pk)
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{facility.contract_number}.pdf"'
    return response


@require_POST
@applicant(owned_kwarg="pk", owned_object="loan_facility")
def my_sign(request: HttpRequest, pk: int) -> HttpResponse:
    facility = owned_or_404(request, LoanFacility.objects.all(), pk=pk)
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("契約書の内容を確認し、同意のチェックを入れてください。"))
        return redirect("lending:detail", pk=facility.pk)
    try:
        services.sign_contract(
            facility,
            acting_user=request.user,  # type: ignore[arg-type]
            agreed_sha256=form.cleaned_data["sha256"],
            ip_address=request.META.get("REMOTE_ADDR"),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("契約を締結しました。"))
    return redirect("lending:detail", pk=facility.pk)


def _report_file(report: BalanceReport, fmt: str) -> HttpResponse:
    data = report.pdf if fmt == "pdf" else report.csv
    if not data:  # a report row is only created with its files
        raise Http404
    kind = "application/pdf" if fmt == "pdf" else "text/csv; charset=utf-8"
    response = HttpResponse(bytes(data), content_type=kind)
    name = f"balance-report-{report.facility_id}-{report.period_end:%Y%m}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@applicant(owned_kwarg="pk", owned_object="loan_report")
def my_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_file(owned_or_404(request, BalanceReport.objects.all(), pk=pk), "pdf")


@applicant(owned_kwarg="pk", owned_object="loan_report")
def my_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_file(owned_or_404(request, BalanceReport.objects.all(), pk=pk), "csv")


@require_POST
@applicant(owned_kwarg="pk", owned_object="loan_report")
def my_report_submit(request: HttpRequest, pk: int) -> HttpResponse:
    report = owned_or_404(request, BalanceReport.objects.all(), pk=pk)
    try:
        services.submit_report(report, acting_user=request.user)  # type: ignore[arg-type]
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("残高報告を提出しました。"))
    return redirect("lending:detail", pk=report.facility_id)


# --- back office ------------------------------------------------------------------------------


@staff(_REVIEW, _TREASURY)
def bo_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    facilities = LoanFacility.objects.select_related("organization").order_by("-created_at")[:500]
    due = BalanceReport.objects.filter(status=BalanceReport.Status.DUE).select_related(
        "facility", "organization"
    )
    reports = [(r, services.is_overdue(r, today)) for r in due.order_by("deadline")[:500]]
    return render(
        request,
        "lending/bo_list.html",
        {
            "facilities": facilities,
            "reports": reports,
            "overdue_count": sum(1 for _, late in reports if late),
        },
    )


def _bo_facility(pk: int) -> LoanFacility:
    return get_object_or_404(LoanFacility.objects.select_related("organization"), pk=pk)


@staff(_REVIEW, _TREASURY)
def bo_detail(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    context = _summary(facility)
    free = _free_invoices(facility.organization_id)
    pledged = services.pledged(facility)
    context.update(
        {
            "decide_form": forms.DecideForm(),
            "assess_form": forms.AssessForm(),
            "check_form": forms.CheckForm(),
            "draw_form": forms.DrawForm(),
            "perfection_form": forms.PerfectionForm(initial={"perfected_on": timezone.localdate()}),
            "repayment_form": forms.RepaymentForm(
                collateral=pledged,
                initial={"received_on": timezone.localdate()},
                auto_id="repayment_%s",
            ),
            "add_form": forms.AddCollateralForm(invoices=free, auto_id="add_%s"),
            "pledged_rows": [
                (c, forms.ReleaseForm(invoices=free, auto_id=f"release{c.pk}_%s")) for c in pledged
            ],
            "report_form": forms.ReportForm(),
            "default_form": forms.CommentForm(),
            "guarantor_form": forms.GuarantorPaymentForm(
                initial={"received_on": timezone.localdate()}, auto_id="guarantor_%s"
            ),
            "apply_deposit_form": forms.ApplyDepositForm(
                deposits=loan_collections.pending_deposits(facility),
                collateral=pledged,
                auto_id="deposit_%s",
            ),
            "confirm_form": forms.ConfirmForm(auto_id="confirm_%s"),
            "write_off_form": forms.CommentForm(auto_id="write_off_%s"),
            "fee_due": int(facility.guarantee_fee) - facility.guarantee_fee_remitted
            if facility.guarantee_fee_collected
            else 0,
            "uncovered": services.uncovered(facility),
            "subrogated": services.subrogated(facility),
            "eligibility": services.eligibility(facility),
        }
    )
    return render(request, "lending/bo_detail.html", context)


def _back(pk: int) -> HttpResponse:
    return redirect("lending_backoffice:detail", pk=pk)


def _run(request: HttpRequest, pk: int, ok: str, call: Any) -> HttpResponse:
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return _back(pk)


def _invalid(request: HttpRequest, form: Any, pk: int) -> HttpResponse:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return _back(pk)


def _submit(
    request: HttpRequest,
    pk: int,
    form: Any,
    ok: str,
    call: Callable[[dict[str, Any]], object],
) -> HttpResponse:
    """Every back-office action: the form's errors as messages, or the service called with
    the cleaned data (its DomainError as a message), then back to the loan's page."""
    if not form.is_valid():
        return _invalid(request, form, pk)
    return _run(request, pk, ok, lambda: call(form.cleaned_data))


@require_POST
@staff(_REVIEW)
def bo_check_document(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    document = get_object_or_404(LoanDocumentFile, pk=doc, facility=_bo_facility(pk))
    return _submit(
        request,
        pk,
        forms.CheckForm(request.POST),
        _("書類の確認結果を記録しました。"),
        lambda d: services.check_document(
            document,
            acting_user=request.user,  # type: ignore[arg-type]
            accepted=d["accepted"] == "1",
            reason=d["reason"],
        ),
    )


@staff(_REVIEW, _TREASURY)
def bo_document(request: HttpRequest, pk: int, doc: int) -> HttpResponse:
    document = get_object_or_404(LoanDocumentFile, pk=doc, facility_id=pk)
    response = HttpResponse(bytes(document.content), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}"'
    return response


@require_POST
@staff(_REVIEW)
def bo_assess(request: HttpRequest, pk: int, collateral: int) -> HttpResponse:
    item = get_object_or_404(Collateral, pk=collateral, facility_id=pk)
    return _submit(
        request,
        pk,
        forms.AssessForm(request.POST),
        _("担保評価を更新しました。"),
        lambda d: services.assess_collateral(
            item,
            grade=d["grade"],
            method=d["method"],
            acting_user=request.user,  # type: ignore[arg-type]
        ),
    )


@require_POST
@staff(_REVIEW)
def bo_decide(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    return _submit(
        request,
        pk,
        forms.DecideForm(request.POST),
        _("審査結果を記録しました。"),
        lambda d: services.decide(
            facility,
            acting_user=request.user,  # type: ignore[arg-type]
            approve=d["approve"] == "1",
            comment=d["comment"],
            interest_rate=d["interest_rate"],
            decided_amount=d["decided_amount"],
            decided_reason=d["decided_reason"],
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_perfection(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    return _submit(
        request,
        pk,
        forms.PerfectionForm(request.POST),
        _("対抗要件の具備を記録しました。"),
        lambda d: services.record_perfection(
            facility,
            perfected_on=d["perfected_on"],
            acting_user=request.user,  # type: ignore[arg-type]
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_draw(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    return _submit(
        request,
        pk,
        forms.DrawForm(request.POST),
        _("融資を実行しました（送金は総合振込データの承認後に行われます）。"),
        lambda d: services.draw(facility, amount=d["amount"], acting_user=request.user),
    )


@require_POST
@staff(_TREASURY)
def bo_repayment(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    pledged = services.pledged(facility)
    return _submit(
        request,
        pk,
        forms.RepaymentForm(request.POST, collateral=pledged),
        _("入金を返済に充当しました。"),
        lambda d: services.record_repayment(
            facility,
            amount=d["amount"],
            received_on=d["received_on"],
            source=d["source"],
            reference=d["reference"],
            collateral=next((c for c in pledged if str(c.pk) == d["collateral"]), None),
            acting_user=request.user,
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_apply_deposit(request: HttpRequest, pk: int) -> HttpResponse:
    """A deposit waiting in treasury's queue, applied to this loan by an operator."""
    facility = _bo_facility(pk)
    pledged = services.pledged(facility)
    deposits = loan_collections.pending_deposits(facility)
    return _submit(
        request,
        pk,
        forms.ApplyDepositForm(request.POST, deposits=deposits, collateral=pledged),
        _("入金明細の入金を返済に充当しました。"),
        lambda d: loan_collections.apply_deposit(
            facility,
            next(x for x in deposits if str(x.pk) == d["deposit"]),
            collateral=next((c for c in pledged if str(c.pk) == d["collateral"]), None),
            acting_user=request.user,
        ),
    )


@require_POST
@staff(_REVIEW)
def bo_add_collateral(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    free = _free_invoices(facility.organization_id)
    return _submit(
        request,
        pk,
        forms.AddCollateralForm(request.POST, invoices=free),
        _("担保を追加しました。"),
        lambda d: services.add_collateral(
            facility,
            next(i for i in free if str(i.pk) == d["invoice"]),
            grade=d["grade"],
            method=d["method"],
            acting_user=request.user,  # type: ignore[arg-type]
        ),
    )


@require_POST
@staff(_REVIEW)
def bo_release(request: HttpRequest, pk: int, collateral: int) -> HttpResponse:
    item = get_object_or_404(Collateral, pk=collateral, facility_id=pk)
    free = _free_invoices(item.organization_id)
    return _submit(
        request,
        pk,
        forms.ReleaseForm(request.POST, invoices=free),
        _("担保を解除・差し替えました。"),
        lambda d: services.release_collateral(
            item,
            acting_user=request.user,  # type: ignore[arg-type]
            replacement=next((i for i in free if str(i.pk) == d["replacement"]), None),
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_report(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    return _submit(
        request,
        pk,
        forms.ReportForm(request.POST),
        _("残高報告書を作成しました。"),
        lambda d: services.generate_report(
            facility, period_end=d["period_end"], acting_user=request.user
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_default(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    return _submit(
        request,
        pk,
        forms.CommentForm(request.POST),
        _("期限の利益喪失と代位弁済の請求を記録しました。"),
        lambda d: services.default_facility(
            facility,
            acting_user=request.user,  # type: ignore[arg-type]
            comment=d["comment"],
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_guarantor_payment(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    return _submit(
        request,
        pk,
        forms.GuarantorPaymentForm(request.POST),
        _("代位弁済の入金を記録しました。"),
        lambda d: services.record_guarantor_payment(
            facility,
            amount=d["amount"],
            received_on=d["received_on"],
            reference=d["reference"],
            acting_user=request.user,
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_remit_fee(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    return _submit(
        request,
        pk,
        forms.ConfirmForm(request.POST),
        _("信用保証料の送金を登録しました（送金は総合振込データの承認後に行われます）。"),
        lambda d: services.remit_guarantee_fee(
            facility,
            acting_user=request.user,  # type: ignore[arg-type]
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_write_off_propose(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    return _submit(
        request,
        pk,
        forms.CommentForm(request.POST),
        _("貸倒償却を起票しました。別の担当者が承認します。"),
        lambda d: services.propose_write_off(
            facility,
            acting_user=request.user,  # type: ignore[arg-type]
            comment=d["comment"],
        ),
    )


@require_POST
@staff(_TREASURY)
def bo_write_off_approve(request: HttpRequest, pk: int) -> HttpResponse:
    facility = _bo_facility(pk)
    return _submit(
        request,
        pk,
        forms.ConfirmForm(request.POST),
        _("貸倒償却を承認し、仕訳を計上しました。"),
        lambda d: services.approve_write_off(
            facility,
            acting_user=request.user,  # type: ignore[arg-type]
        ),
    )


@staff(_REVIEW, _TREASURY)
def bo_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_file(get_object_or_404(BalanceReport, pk=pk), "pdf")


@staff(_REVIEW, _TREASURY)
def bo_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    return _report_file(get_object_or_404(BalanceReport, pk=pk), "csv")


@staff(Capability.VIEW_PLANS, _REVIEW)
def bo_matrix(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    current, version = services.matrix_on(today)
    initial = {
        f"{g.value}__{m.value}": current.rate(g, m) * 100
        for g in rules.CreditGrade
        for m in rules.METHOD_ORDER
    }
    return render(
        request,
        "lending/bo_matrix.html",
        {
            "current": current,
            "version": version,
            "rows": current.as_rows(),
            "methods": rules.METHOD_ORDER,
            "versions": AdvanceRateMatrixVersion.objects.all()[:50],
            "form": forms.MatrixForm(initial=initial),
        },
    )


@require_POST
@staff(Capability.MANAGE_PLANS)
def bo_matrix_set(request: HttpRequest) -> HttpResponse:
    form = forms.MatrixForm(request.POST)
    if form.is_valid():
        try:
            services.set_matrix(
                effective_from=form.cleaned_data["effective_from"],
                rates=form.rates(),
                note=form.cleaned_data["note"],
                acting_user=request.user,  # type: ignore[arg-type]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("掛け目表を登録しました。"))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect("lending_backoffice:matrix")
