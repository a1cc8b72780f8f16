"""Back office: securitization pools (the structuring role, Capability.MANAGE_STRUCTURING)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.domain import charts
from urikake.domain.errors import DomainError
from urikake.domain.securitization import assumptions as rules
from urikake.ledger import services as ledger
from urikake.securitization import assumptions, services
from urikake.securitization.forms import (
    AssumptionsForm,
    BuildPoolForm,
    SizingForm,
    StructureForm,
)
from urikake.securitization.models import AssumptionSet, Pool

HUNDRED = Decimal(100)


@staff(Capability.MANAGE_STRUCTURING)
def pool_list(request: HttpRequest) -> HttpResponse:
    form = BuildPoolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            pool = services.build_pool(
                name=d["name"],
                cut_off=d["cut_off"],
                method=d["method"],
                allowed_products=list(d["products"]),
                concentration_limit=d["concentration_limit"] / HUNDRED,
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("プールを作成しました。"))
            return redirect("securitization_backoffice:detail", pk=pool.pk)
    pools = Pool.objects.order_by("-pk")
    return render(request, "securitization/list.html", {"pools": pools, "form": form})


def _assumptions_initial() -> dict[str, object]:
    now = assumptions.as_domain(assumptions.in_force(timezone.localdate()))
    initial: dict[str, object] = {
        f"pd_{g.lower()}": (now.grade_pd[g] * HUNDRED).normalize() for g in rules.GRADES
    }
    initial.update(
        effective_from=timezone.localdate(),
        lgd=(now.lgd * HUNDRED).normalize(),
        recovery_lag=now.recovery_lag,
        trigger=(now.trigger * HUNDRED).normalize(),
    )
    return initial


@staff(Capability.MANAGE_STRUCTURING)
def assumption_settings(request: HttpRequest) -> HttpResponse:
    """証券化の前提条件: the versions, and a form for the next one."""
    form = AssumptionsForm(request.POST or None, initial=_assumptions_initial())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            row = assumptions.set_assumptions(
                effective_from=d["effective_from"],
                assumptions=rules.Assumptions(
                    grade_pd={g: d[f"pd_{g.lower()}"] / HUNDRED for g in rules.GRADES},
                    lgd=d["lgd"] / HUNDRED,
                    recovery_lag=d["recovery_lag"],
                    trigger=d["trigger"] / HUNDRED,
                ),
                acting_user=request.user,
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("前提条件の第%(version)s版を保存しました。") % {"version": row.version},
            )
            return redirect("securitization_backoffice:assumptions")
    current = assumptions.in_force(timezone.localdate())
    versions = [
        (row, assumptions.as_domain(row))
        for row in AssumptionSet.objects.select_related("created_by").order_by("-version")[:50]
    ]
    return render(
        request,
        "securitization/assumptions.html",
        {
            "form": form,
            "current": current,
            "versions": versions,
            "grades": rules.GRADES,
            "defaults": rules.DEFAULT,
        },
    )


def _pct(share: Decimal) -> Decimal:
    # Shares are shown as percentages with the form's 3 decimals (exact: stored with 5).
    return (share * HUNDRED).quantize(Decimal("0.001"))


def _structure_initial(pool: Pool) -> dict[str, object]:
    return {
        "senior": _pct(pool.senior_share),
        "mezzanine": _pct(pool.mezzanine_share),
        "retain_subordinated": pool.retain_subordinated,
        "vehicle": pool.vehicle,
        "enhancement": pool.enhancement,
        "enhancement_fee": _pct(pool.enhancement_fee_rate),
        "correlation": pool.correlation,
    }


@staff(Capability.MANAGE_STRUCTURING)
def pool_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # numpy and scipy load with the first analysis, not with the URL configuration.
    from urikake.securitization.analysis import (
        TRANCHE_LABELS,
        analyse_pool,
        cost_view,
        period_rows,
        sized_senior,
    )

    pool = get_object_or_404(Pool, pk=pk)
    a = analyse_pool(pool)
    sizing = SizingForm(request.GET if "target" in request.GET else None)
    sized = None
    if sizing.is_bound and sizing.is_valid():
        try:
            share = sized_senior(
                a, float(sizing.cleaned_data["target"] / HUNDRED), sizing.cleaned_data["metric"]
            )
            sized = Decimal(f"{share * 100:.3f}")
        except DomainError as exc:
            sizing.add_error("target", exc.message)
    initial = _structure_initial(pool)
    if sized is not None:
        initial["senior"] = sized
        initial["mezzanine"] = min(_pct(pool.mezzanine_share), HUNDRED - sized)
    labels, probs = a.histogram()
    histogram = charts.bar_chart(
        "loss-histogram",
        _("損失率の分布"),
        _("シナリオごとのプール損失率（残高に対する割合）の分布。各区間に入る確率。"),
        labels,
        [Decimal(f"{p:.6f}") for p in probs],
        fmt=lambda v: f"{float(v):.2%}",
    )
    return render(
        request,
        "securitization/detail.html",
        {
            "pool": pool,
            "a": a,
            "tranches": [(TRANCHE_LABELS[t.spec.name], t) for t in a.tranches],
            "items": pool.items.select_related("position__debtor").order_by("pk"),
            "periods": period_rows(a),
            "names": [n for n in (t.spec.name for t in a.tranches) if n != "subordinated"],
            "labels": TRANCHE_LABELS,
            "histogram": histogram,
            "costs": cost_view(pool),
            "structure_form": StructureForm(initial=initial),
            "sizing_form": sizing,
            "sized": sized,
            "q99": a.quantiles[0.99],
            "q999": a.quantiles[0.999],
            "spv_held": -ledger.balance(f"spv_payable:{pool.code}"),
            "price_due": ledger.balance(f"spv_receivable:{pool.code}"),
            "performance": services.performance(pool),
            "used": assumptions.of_pool(pool),
            "events": pool.events.order_by("-pk")[:100],
        },
    )


@require_POST
@staff(Capability.MANAGE_STRUCTURING)
def pool_structure(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(Pool, pk=pk)
    form = StructureForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.set_structure(
                pool,
                senior=d["senior"] / HUNDRED,
                mezzanine=d["mezzanine"] / HUNDRED,
                retain_subordinated=d["retain_subordinated"],
                vehicle=d["vehicle"],
                enhancement=d["enhancement"],
                enhancement_fee_rate=(d["enhancement_fee"] or Decimal(0)) / HUNDRED,
                correlation=d["correlation"],
                acting_user=request.user,
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("ストラクチャーを保存しました。"))
    else:
        for errors in form.errors.values():
            for e in errors:
                messages.error(request, str(e))
    return redirect("securitization_backoffice:detail", pk=pool.pk)


@require_POST
@staff(Capability.MANAGE_STRUCTURING)
def pool_sell(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(Pool, pk=pk)
    try:
        services.sell_pool(pool, on=timezone.localdate(), acting_user=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("SPVへの譲渡（真正譲渡）を記帳しました。"))
    return redirect("securitization_backoffice:detail", pk=pool.pk)


@require_POST
@staff(Capability.MANAGE_STRUCTURING)
def pool_remit(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(Pool, pk=pk)
    try:
        amount = services.remit_collections(
            pool,
            on=timezone.localdate(),
            cash_account=ledger.operating_cash_account(),
            acting_user=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if amount:
            messages.success(request, _("回収金をSPVに引き渡しました。"))
        else:
            messages.info(request, _("引き渡す回収金はありません。"))
    return redirect("securitization_backoffice:detail", pk=pool.pk)


@require_POST
@staff(Capability.MANAGE_STRUCTURING)
def pool_price(request: HttpRequest, pk: int) -> HttpResponse:
    pool = get_object_or_404(Pool, pk=pk)
    try:
        amount = services.record_price_received(
            pool,
            on=timezone.localdate(),
            cash_account=ledger.operating_cash_account(),
            acting_user=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if amount:
            messages.success(request, _("SPVからの譲渡代金の入金を記帳しました。"))
        else:
            messages.info(request, _("未収の譲渡代金はありません。"))
    return redirect("securitization_backoffice:detail", pk=pool.pk)


@staff(Capability.MANAGE_STRUCTURING)
def pool_csv(request: HttpRequest, pk: int) -> HttpResponse:
    from urikake.securitization import exports  # openpyxl, reportlab, the numerics
    from urikake.securitization.analysis import analyse_pool

    pool = get_object_or_404(Pool, pk=pk)
    response = HttpResponse(
        exports.as_csv(pool, analyse_pool(pool)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="pool_{pool.pk}.csv"'
    return response


@staff(Capability.MANAGE_STRUCTURING)
def pool_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    from urikake.securitization import exports  # openpyxl, reportlab, the numerics
    from urikake.securitization.analysis import analyse_pool

    pool = get_object_or_404(Pool, pk=pk)
    response = HttpResponse(
        exports.as_xlsx(pool, analyse_pool(pool)),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="pool_{pool.pk}.xlsx"'
    return response


@staff(Capability.MANAGE_STRUCTURING)
def investor_report(request: HttpRequest, pk: int, period: int) -> HttpResponse:
    from urikake.securitization import exports  # openpyxl, reportlab, the numerics
    from urikake.securitization.analysis import analyse_pool

    pool = get_object_or_404(Pool, pk=pk)
    a = analyse_pool(pool)
    assert a.waterfall is not None
    if not 1 <= period <= a.waterfall.periods:
        raise Http404
    response = HttpResponse(
        exports.investor_report_pdf(pool, a, period), content_type="application/pdf"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="investor_report_pool{pool.pk}_p{period}.pdf"'
    )
    return response
