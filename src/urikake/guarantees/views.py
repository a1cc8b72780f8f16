"""Pages of guarantee factoring (保証ファクタリング).

Client (``/my/guarantees/``): apply, follow the guarantee and its premium, sign the contract,
report receivables (根保証), report a receivable paid, file a claim with evidence, follow it.
Back office (``/backoffice/guarantees/``): list with the claims' ageing, decide and issue,
premium paid, the debtor's exposure and limit, claim review and payment, recovery.
Views read and call :mod:`urikake.guarantees.services`; they change nothing themselves.
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
from urikake.domain.errors import DomainError
from urikake.domain.guarantees import MAX_EVIDENCE_BYTES
from urikake.guarantees import forms, services
from urikake.guarantees.models import Claim, GuaranteeContract
from urikake.receivables.encumbrances import unencumbered
from urikake.receivables.exposure import exposure_of
from urikake.receivables.models import Debtor, DebtorIdentity, Invoice

_F = TypeVar("_F", bound=Callable[..., HttpResponse])


def applicant(**rule: Any) -> Callable[[_F], _F]:
    """``applicants.access.applicant`` with its type (the decorator itself is untyped)."""
    return cast(Callable[[_F], _F], _applicant(**rule))


_REVIEW = Capability.REVIEW_APPLICATIONS
_TREASURY = Capability.MANAGE_TREASURY
_OWNED = {"owned_kwarg": "pk", "owned_object": "guarantee"}


def _messages_from(request: HttpRequest, form: Any) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


def _run(request: HttpRequest, ok: str, call: Callable[[], Any]) -> bool:
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
        return False
    messages.success(request, ok)
    return True


def _open_invoices(org_id: int, debtor_id: int | None = None) -> list[Invoice]:
    # Not one another product holds, nor one already guaranteed (double financing).
    rows = unencumbered(
        Invoice.objects.filter(
            organization_id=org_id,
            due_date__gte=timezone.localdate(),
            status=Invoice.Status.REGISTERED,
        )
    )
    if debtor_id is not None:
        rows = rows.filter(debtor_id=debtor_id)
    return list(rows.select_related("debtor").order_by("due_date", "pk")[:200])


def _summary(contract: GuaranteeContract) -> dict[str, Any]:
    claims = list(contract.claims.select_related("receivable__invoice", "payout").order_by("pk"))
    return {
        "g": contract,
        "receivables": list(contract.receivables.select_related("invoice").order_by("pk")),
        "claims": [(c, services.claim_state(c)[1]) for c in claims],
        "used": services.used(contract),
        "coverage_left": services.coverage_left(contract) if contract.amount else 0,
        "planned_premium": services.planned_premium(contract),
    }


# --- client -----------------------------------------------------------------------------------


@applicant(require_organization=True)
def my_list(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    assert org is not None
    rows = GuaranteeContract.objects.filter(organization=org).select_related("debtor")
    return render(request, "guarantees/my_list.html", {"rows": rows.order_by("-created_at")})


@applicant(require_organization=True)
def my_apply(request: HttpRequest) -> HttpResponse:
    org = current_organization(request)
    assert org is not None
    debtors = list(Debtor.objects.filter(organization=org).order_by("name")[:500])
    invoices = _open_invoices(org.pk)
    form = forms.ApplyForm(request.POST or None, debtors=debtors, invoices=invoices)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        debtor = next(d for d in debtors if str(d.pk) == data["debtor"])
        invoice = next((i for i in invoices if str(i.pk) == data["invoice"]), None)
        try:
            contract = services.apply(
                org,
                acting_user=request.user,  # type: ignore[arg-type]
                scheme=data["scheme"],
                debtor=debtor,
                invoice=invoice,
                requested_amount=data["requested_amount"],
                period_start=data["period_start"],
                period_end=data["period_end"],
            )
        except DomainError as exc:
            if exc.field in form.fields:
                form.add_error(exc.field, exc.message)
            else:
                messages.error(request, exc.message)
        else:
            messages.success(request, _("保証のお申込みを受け付けました。"))
            return redirect("guarantees:detail", pk=contract.pk)
    return render(request, "guarantees/my_apply.html", {"form": form})


@applicant(**_OWNED)
def my_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = owned_or_404(request, GuaranteeContract.objects.select_related("debtor"), pk=pk)
    context = _summary(contract)
    covered = [r for r in context["receivables"] if r.status == "covered"]
    context.update(
        {
            "sign_form": forms.SignForm(initial={"sha256": contract.contract_sha256}),
            "report_form": forms.ReportForm(
                invoices=_open_invoices(contract.organization_id, contract.debtor_id)
            ),
            "claim_form": forms.ClaimForm(receivables=covered),
            "covered": covered,
        }
    )
    return render(request, "guarantees/my_detail.html", context)


@applicant(**_OWNED)
def my_contract(request: HttpRequest, pk: int) -> HttpResponse:
    contract = owned_or_404(request, GuaranteeContract.objects.all(), pk=pk)
    return _contract_file(request, contract, "guarantees:detail")


def _contract_file(request: HttpRequest, contract: GuaranteeContract, back: str) -> HttpResponse:
    pdf = contract.signed_pdf or contract.contract_pdf
    if not pdf:
        messages.info(request, _("契約書は審査の承認後にご覧いただけます。"))
        return redirect(back, pk=contract.pk)
    response = HttpResponse(bytes(pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{contract.contract_number}.pdf"'
    return response


@require_POST
@applicant(**_OWNED)
def my_sign(request: HttpRequest, pk: int) -> HttpResponse:
    contract = owned_or_404(request, GuaranteeContract.objects.all(), pk=pk)
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("契約書の内容を確認し、同意のチェックを入れてください。"))
    else:
        _run(
            request,
            _("契約を締結しました。保証が始まりました。"),
            lambda: services.sign_contract(
                contract,
                acting_user=request.user,  # type: ignore[arg-type]
                agreed_sha256=form.cleaned_data["sha256"],
                ip_address=request.META.get("REMOTE_ADDR"),
            ),
        )
    return redirect("guarantees:detail", pk=contract.pk)


@require_POST
@applicant(**_OWNED)
def my_report(request: HttpRequest, pk: int) -> HttpResponse:
    contract = owned_or_404(request, GuaranteeContract.objects.all(), pk=pk)
    invoices = _open_invoices(contract.organization_id, contract.debtor_id)
    form = forms.ReportForm(request.POST, invoices=invoices)
    if not form.is_valid():
        _messages_from(request, form)
    else:
        invoice = next(i for i in invoices if str(i.pk) == form.cleaned_data["invoice"])
        _run(
            request,
            _("保証対象の債権として報告しました。"),
            lambda: services.report_receivable(
                contract,
                invoice=invoice,
                amount=form.cleaned_data["amount"],
                acting_user=request.user,  # type: ignore[arg-type]
            ),
        )
    return redirect("guarantees:detail", pk=contract.pk)


@require_POST
@applicant(**_OWNED)
def my_settled(request: HttpRequest, pk: int) -> HttpResponse:
    contract = owned_or_404(request, GuaranteeContract.objects.all(), pk=pk)
    chosen = request.POST.get("receivable", "")
    receivable = contract.receivables.filter(pk=int(chosen)).first() if chosen.isdigit() else None
    if receivable is None:
        messages.error(request, _("入金があった債権を選んでください。"))
    else:
        _run(
            request,
            _("入金を報告しました。この債権の保証は終了しました。"),
            lambda: services.record_settlement(receivable, acting_user=request.user),  # type: ignore[arg-type]
        )
    return redirect("guarantees:detail", pk=contract.pk)


@require_POST
@applicant(**_OWNED)
def my_claim(request: HttpRequest, pk: int) -> HttpResponse:
    contract = owned_or_404(request, GuaranteeContract.objects.all(), pk=pk)
    covered = list(contract.receivables.filter(status="covered").select_related("invoice"))
    form = forms.ClaimForm(request.POST, request.FILES, receivables=covered)
    if not form.is_valid():
        _messages_from(request, form)
    else:
        data = form.cleaned_data
        upload = data["evidence"]
        receivable = next(r for r in covered if str(r.pk) == data["receivable"])
        _run(
            request,
            _("保証履行のご請求を受け付けました。"),
            lambda: services.file_claim(
                receivable,
                default_on=data["default_on"],
                unpaid_amount=data["unpaid_amount"],
                reason=data["reason"],
                evidence_name=upload.name or "evidence",
                evidence=upload.read(MAX_EVIDENCE_BYTES + 1),
                acting_user=request.user,  # type: ignore[arg-type]
            ),
        )
    return redirect("guarantees:detail", pk=contract.pk)


# --- back office ------------------------------------------------------------------------------


@staff(_REVIEW, _TREASURY)
def bo_list(request: HttpRequest) -> HttpResponse:
    contracts = GuaranteeContract.objects.select_related("organization", "debtor").order_by(
        "-created_at"
    )[:500]
    return render(
        request,
        "guarantees/bo_list.html",
        {"contracts": contracts, "ageing": services.claims_ageing()},
    )


def _bo_contract(pk: int) -> GuaranteeContract:
    return get_object_or_404(
        GuaranteeContract.objects.select_related("organization", "debtor", "debtor__identity"),
        pk=pk,
    )


@staff(_REVIEW, _TREASURY)
def bo_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _bo_contract(pk)
    identity = contract.debtor.identity
    exposure = exposure_of(identity.pk)
    context = _summary(contract)
    context.update(
        {
            "exposure": sorted(exposure.by_source.items()),
            "exposure_total": exposure.total,
            "limit": services.debtor_limit(identity),
            "decide_form": forms.DecideForm(),
            "premium_form": forms.PaymentForm(
                initial={"received_on": timezone.localdate(), "amount": contract.premium_due or ""},
                auto_id="premium_%s",
            ),
            "comment_form": forms.CommentForm(),
            "limit_form": forms.LimitForm(auto_id="limit_%s"),
            "today": timezone.localdate(),
        }
    )
    return render(request, "guarantees/bo_detail.html", context)


@staff(_REVIEW, _TREASURY)
def bo_contract(request: HttpRequest, pk: int) -> HttpResponse:
    return _contract_file(request, _bo_contract(pk), "guarantees_backoffice:detail")


def _back(pk: int) -> HttpResponse:
    return redirect("guarantees_backoffice:detail", pk=pk)


@require_POST
@staff(_REVIEW)
def bo_decide(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _bo_contract(pk)
    form = forms.DecideForm(request.POST)
    if not form.is_valid():
        _messages_from(request, form)
        return _back(pk)
    data = form.cleaned_data
    _run(
        request,
        _("審査結果を記録しました。"),
        lambda: services.decide(
            contract,
            acting_user=request.user,  # type: ignore[arg-type]
            approve=data["decision"] == "approve",
            comment=data["comment"],
            grade=data["grade"],
            amount=data["amount"],
            premium_rate=data["premium_rate"],
            premium_basis=data["premium_basis"] or "limit",
            coverage_ratio=form.coverage_ratio(),
            waiting_days=data["waiting_days"],
        ),
    )
    return _back(pk)


@require_POST
@staff(_TREASURY)
def bo_premium(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _bo_contract(pk)
    form = forms.PaymentForm(request.POST)
    if not form.is_valid():
        _messages_from(request, form)
        return _back(pk)
    _run(
        request,
        _("保証料の入金を記録しました。"),
        lambda: services.record_premium_payment(
            contract,
            amount=form.cleaned_data["amount"],
            received_on=form.cleaned_data["received_on"],
            reference=form.cleaned_data["reference"],
            acting_user=request.user,
        ),
    )
    return _back(pk)


@require_POST
@staff(_REVIEW)
def bo_limit(request: HttpRequest, identity: int) -> HttpResponse:
    row = get_object_or_404(DebtorIdentity, pk=identity)
    form = forms.LimitForm(request.POST)
    back = request.POST.get("contract", "")
    if not form.is_valid():
        _messages_from(request, form)
    else:
        _run(
            request,
            _("与信上限を設定しました。"),
            lambda: services.set_debtor_limit(
                row,
                limit=form.cleaned_data["limit"],
                note=form.cleaned_data["note"],
                acting_user=request.user,  # type: ignore[arg-type]
            ),
        )
    if back.isdigit() and GuaranteeContract.objects.filter(pk=int(back)).exists():
        return _back(int(back))
    return redirect("guarantees_backoffice:list")


def _bo_claim(claim: int) -> Claim:
    return get_object_or_404(Claim.objects.select_related("contract"), pk=claim)


@staff(_REVIEW, _TREASURY)
def bo_evidence(request: HttpRequest, claim: int) -> HttpResponse:
    row = _bo_claim(claim)
    response = HttpResponse(bytes(row.evidence), content_type=row.evidence_type)
    response["Content-Disposition"] = f'attachment; filename="claim-{row.pk}-evidence"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@staff(_REVIEW)
def bo_pay(request: HttpRequest, claim: int) -> HttpResponse:
    row = _bo_claim(claim)
    form = forms.CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    _run(
        request,
        _("保証履行を決定しました。送金は資金管理の承認後に行われます。"),
        lambda: services.pay_claim(row, acting_user=request.user, comment=comment),  # type: ignore[arg-type]
    )
    return _back(row.contract_id)


@require_POST
@staff(_REVIEW)
def bo_reject(request: HttpRequest, claim: int) -> HttpResponse:
    row = _bo_claim(claim)
    form = forms.CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    _run(
        request,
        _("保証履行の請求を却下しました。"),
        lambda: services.reject_claim(row, acting_user=request.user, comment=comment),  # type: ignore[arg-type]
    )
    return _back(row.contract_id)


@require_POST
@staff(_TREASURY)
def bo_recovery(request: HttpRequest, claim: int) -> HttpResponse:
    row = _bo_claim(claim)
    form = forms.PaymentForm(request.POST)
    if not form.is_valid():
        _messages_from(request, form)
    else:
        _run(
            request,
            _("回収を記録しました。"),
            lambda: services.record_recovery(
                row,
                amount=form.cleaned_data["amount"],
                received_on=form.cleaned_data["received_on"],
                reference=form.cleaned_data["reference"],
                acting_user=request.user,  # type: ignore[arg-type]
            ),
        )
    return _back(row.contract_id)


@require_POST
@staff(_TREASURY)
def bo_write_off(request: HttpRequest, claim: int) -> HttpResponse:
    row = _bo_claim(claim)
    form = forms.CommentForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    _run(
        request,
        _("求償債権の残高を償却しました。"),
        lambda: services.write_off_rest(row, acting_user=request.user, comment=comment),  # type: ignore[arg-type]
    )
    return _back(row.contract_id)


@require_POST
@staff(_TREASURY)
def bo_run(request: HttpRequest) -> HttpResponse:
    result: dict[str, int] = {}

    def call() -> None:
        result.update(services.run_daily(acting_user=request.user))

    if _run(request, _("保証料の収益計上と保証期間の満了処理を行いました。"), call):
        messages.info(
            request,
            _("収益計上 %(earned)s円、満了 %(ended)s件")
            % {
                "earned": f"{result['earned']:,}",
                "ended": result["ended"],
            },
        )
    return redirect("guarantees_backoffice:list")
