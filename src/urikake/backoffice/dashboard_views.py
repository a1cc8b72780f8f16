"""Back-office dashboards (pipeline, approval, time to cash, portfolio, concentration,
ageing, losses): server-rendered SVG charts, the same numbers as tables, and one CSV per
section. Read-only; staff who may see applicants (reviewers, treasury, compliance, admin)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.backoffice import dashboard
from urikake.backoffice.forms import PeriodForm
from urikake.domain import safe_csv


def _period(request: HttpRequest) -> tuple[dashboard.Period, PeriodForm]:
    default = dashboard.Period.default()
    if "start" in request.GET or "end" in request.GET:
        form = PeriodForm(request.GET)
        if form.is_valid():
            data = form.cleaned_data
            return dashboard.Period(data["start"], data["end"]), form
        return default, form
    return default, PeriodForm(initial={"start": default.start, "end": default.end})


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


@staff(Capability.VIEW_APPLICANTS)
def dashboards(request: HttpRequest) -> HttpResponse:
    period, form = _period(request)
    sections = dashboard.build(period)
    query = f"start={period.start.isoformat()}&end={period.end.isoformat()}"
    return _no_store(
        render(
            request,
            "backoffice/dashboard.html",
            {"sections": sections, "form": form, "period": period, "query": query},
        )
    )


def _write(out: HttpResponse, headers: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    writer = safe_csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)


@staff(Capability.VIEW_APPLICANTS)
def dashboard_csv(request: HttpRequest, key: str) -> HttpResponse:
    if key not in dashboard.SECTION_KEYS:
        raise Http404("no such dashboard")
    period, _ = _period(request)
    section = dashboard.build_section(key, period)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dashboard_{key}_{period.slug}.csv"'
    response.write("\ufeff")  # the BOM makes Excel read the file as UTF-8
    period_row = [f"期間: {period.start.isoformat()}〜{period.end.isoformat()}"]
    _write(response, section.headers, [*section.rows, [], period_row])
    return _no_store(response)
