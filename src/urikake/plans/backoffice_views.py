"""Back office: plans (read by reviewers, edited by the plan managers) and credit lines."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from urikake.accounts.access import has_capability, staff
from urikake.accounts.roles import Capability
from urikake.domain.errors import DomainError
from urikake.plans import services
from urikake.plans.forms import CreditLineForm, PlanForm, initial_from, product_choices
from urikake.plans.models import CreditLine, Plan


def _apply_error(form: PlanForm, exc: DomainError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


@staff(Capability.MANAGE_PLANS, Capability.VIEW_PLANS)
def plan_list(request: HttpRequest) -> HttpResponse:
    in_force = {v.plan_id: v for v in services.plans_in_force()}
    rows = [
        (plan, in_force.get(plan.pk))
        for plan in Plan.objects.prefetch_related("versions").order_by("code")
    ]
    return render(
        request,
        "plans/backoffice/list.html",
        {
            "rows": rows,
            "products": dict(product_choices()),
            "can_manage": has_capability(request.user, Capability.MANAGE_PLANS),
        },
    )


@staff(Capability.MANAGE_PLANS)
def plan_create(request: HttpRequest) -> HttpResponse:
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.create_plan(
                acting_user=request.user,
                code=form.cleaned_data["code"],
                terms=form.terms(form.cleaned_data["code"]),
                effective_from=form.effective_date(),
            )
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("プランを作成しました。"))
            return redirect("plans_backoffice:detail", pk=plan.pk)
    return render(request, "plans/backoffice/edit.html", {"form": form, "plan": None})


@staff(Capability.MANAGE_PLANS, Capability.VIEW_PLANS)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(Plan, pk=pk)
    current = services.current_version(plan)
    return render(
        request,
        "plans/backoffice/detail.html",
        {
            "plan": plan,
            "current": current,
            "versions": plan.versions.select_related("created_by").order_by(
                "-effective_from", "-pk"
            ),
            "products": dict(product_choices()),
            "can_manage": has_capability(request.user, Capability.MANAGE_PLANS),
        },
    )


@staff(Capability.MANAGE_PLANS)
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A change is a new version effective from a date (today or later); history is kept."""
    plan = get_object_or_404(Plan, pk=pk)
    current = services.current_version(plan) or plan.versions.order_by("-pk").first()
    initial = initial_from(current) if current else None
    form = PlanForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.revise_plan(
                plan,
                acting_user=request.user,
                terms=form.terms(plan.code),
                effective_from=form.effective_date(),
                note=form.cleaned_data["note"],
            )
        except DomainError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("プランの変更を保存しました。"))
            return redirect("plans_backoffice:detail", pk=plan.pk)
    return render(request, "plans/backoffice/edit.html", {"form": form, "plan": plan})


@staff(Capability.MANAGE_PLANS, Capability.VIEW_PLANS)
def credit_lines(request: HttpRequest) -> HttpResponse:
    lines = (
        CreditLine.objects.select_related("organization")
        .prefetch_related("changes")
        .order_by("organization__name")[:200]
    )
    return render(
        request,
        "plans/backoffice/credit_lines.html",
        {
            "lines": lines,
            "can_adjust": has_capability(request.user, Capability.REVIEW_APPLICATIONS),
            "form": CreditLineForm(),
        },
    )


@staff(Capability.REVIEW_APPLICATIONS)
@require_POST
def adjust_credit_line(request: HttpRequest, pk: int) -> HttpResponse:
    """A reviewer sets a client's line by hand, with the reason (credit is a reviewer's call)."""
    line = get_object_or_404(CreditLine.objects.select_related("organization"), pk=pk)
    form = CreditLineForm(request.POST)
    if form.is_valid():
        try:
            services.adjust_credit_line(
                line.organization,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("限度額を変更しました。"))
    else:
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
    return redirect("plans_backoffice:credit_lines")
