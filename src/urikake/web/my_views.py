"""Applicant pages of the web shell: the 取引明細 (transaction statement) for a chosen period
and the 見積書 (quote) of an offer, each as a page, a PDF and a CSV. Reads only; every
download is ``Cache-Control: private, no-store``."""

from __future__ import annotations

from datetime import date

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from urikake.applicants.access import applicant, current_organization, owned_or_404
from urikake.applicants.models import Organization
from urikake.domain.applications import ApplicationStatus
from urikake.domain.client_reports import (
    StatementRow,
    apr_equivalent,
    check_period,
    statement_totals,
)
from urikake.domain.errors import DomainError
from urikake.domain.invoices import InvoiceData
from urikake.domain.products import ProductId
from urikake.domain.screening.pricing import Offer, price
from urikake.receivables.models import FinancingApplication
from urikake.receivables.screening import pricing_for
from urikake.web import dashboard, documents

MIN_DATE = date(2000, 1, 1)
#: A draft's estimate spans the plan's band: the best and the worst grade.
BEST_GRADE, WORST_GRADE = "A", "E"


class PeriodForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("開始日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("終了日"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date):
            if start < MIN_DATE:
                self.add_error("start", _("開始日は2000年1月1日以降の日付にしてください。"))
                return data
            try:
                check_period(start, end, today=dashboard.today())
            except DomainError as exc:
                self.add_error(
                    exc.field if exc.field in self.fields else None, exc.message_for(get_language())
                )
        return data


def _organization(request: HttpRequest) -> Organization:
    org = current_organization(request)
    assert org is not None  # @applicant(require_organization=True)
    return org


def _period(request: HttpRequest) -> tuple[PeriodForm, date, date, bool]:
    """The period asked for (this month so far by default) and whether it is valid."""
    today = dashboard.today()
    if "start" in request.GET or "end" in request.GET:
        form = PeriodForm(request.GET)
        if form.is_valid():
            return form, form.cleaned_data["start"], form.cleaned_data["end"], True
        return form, today.replace(day=1), today, False
    start = today.replace(day=1)
    return PeriodForm(initial={"start": start, "end": today}), start, today, True


def _download(body: bytes | str, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _rows(org: Organization, start: date, end: date) -> list[StatementRow]:
    return dashboard.statement_rows(org, start, end)


@applicant
@require_GET
def statement(request: HttpRequest) -> HttpResponse:
    """取引明細: the transfers received in a period, with the fees of each deal."""
    org = _organization(request)
    form, start, end, valid = _period(request)
    rows = _rows(org, start, end) if valid else []
    return render(
        request,
        "web/my/statement.html",
        {
            "form": form,
            "valid": valid,
            "start": start,
            "end": end,
            "rows": [(r, dashboard.kind_label(r.kind)) for r in rows],
            "totals": statement_totals(rows),
            "query": f"start={start.isoformat()}&end={end.isoformat()}",
        },
        status=200 if valid else 400,
    )


def _statement_download(request: HttpRequest, fmt: str) -> HttpResponse:
    org = _organization(request)
    form, start, end, valid = _period(request)
    if not valid:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("web:statement")
    rows = _rows(org, start, end)
    totals = statement_totals(rows)
    name = f"statement-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "pdf":
        pdf = documents.statement_pdf(
            org.name, start, end, rows, totals, issued_on=dashboard.today()
        )
        return _download(pdf, "application/pdf", f"{name}.pdf")
    return _download(
        documents.statement_csv(rows, totals), "text/csv; charset=utf-8", f"{name}.csv"
    )


@applicant
@require_GET
def statement_pdf(request: HttpRequest) -> HttpResponse:
    return _statement_download(request, "pdf")


@applicant
@require_GET
def statement_csv(request: HttpRequest) -> HttpResponse:
    return _statement_download(request, "csv")


def _quote(request: HttpRequest, application_id: int, fmt: str) -> HttpResponse:
    app = owned_or_404(
        request, FinancingApplication.objects.select_related("organization"), pk=application_id
    )
    offer = app.offer or {}
    if not offer.get("invoices"):
        if app.status == ApplicationStatus.DRAFT:
            return _estimate(app, fmt)
        messages.error(
            request,
            _("見積書は、下書きのお申込みと、条件をご提示したお申込みについてお出しできます。"),
        )
        return redirect("receivables:application", pk=app.pk)
    invoices = {
        inv.pk: (inv.invoice_number, inv.debtor.name)
        for inv in app.invoices.select_related("debtor")
    }
    lines = documents.quote_lines(offer, invoices)
    number = f"Q-{app.pk:06d}"
    if fmt == "pdf":
        payout = offer.get("payout_date")
        pdf = documents.quote_pdf(
            app.organization.name,
            number,
            lines,
            product_label=app.spec.label_ja,
            payout_date=date.fromisoformat(str(payout)) if payout else None,
            expires_on=app.offer_expires_on,
            issued_on=dashboard.today(),
        )
        return _download(pdf, "application/pdf", f"quote-{number}.pdf")
    return _download(documents.quote_csv(lines), "text/csv; charset=utf-8", f"quote-{number}.csv")


def _estimate(app: FinancingApplication, fmt: str) -> HttpResponse:
    """概算見積書 of a draft: each invoice priced at the best and the worst grade of the
    application's pricing (its plan's band), with the pricing the screening will use."""
    policy = pricing_for(app)
    now = timezone.localtime()
    lines = []
    for inv in app.invoices.select_related("debtor").order_by("due_date", "pk"):
        data = InvoiceData(
            issuer_name=app.organization.name,
            debtor_name=inv.debtor.name,
            invoice_number=inv.invoice_number,
            issue_date=inv.issue_date,
            due_date=inv.due_date,
            total_amount=inv.total_amount,
        )
        try:
            best, worst = (
                price(data, product=ProductId(app.product), grade=g, now=now, policy=policy)
                for g in (BEST_GRADE, WORST_GRADE)
            )
        except DomainError as exc:
            line = documents.EstimateLine(
                inv.invoice_number,
                inv.debtor.name,
                inv.due_date,
                inv.total_amount,
                None,
                None,
                exc.message_for(get_language()),
            )
        else:
            line = documents.EstimateLine(
                inv.invoice_number,
                inv.debtor.name,
                inv.due_date,
                inv.total_amount,
                _line(best, inv.invoice_number, inv.debtor.name),
                _line(worst, inv.invoice_number, inv.debtor.name),
            )
        lines.append(line)
    number = f"E-{app.pk:06d}"
    if fmt == "pdf":
        pdf = documents.estimate_pdf(
            app.organization.name,
            number,
            lines,
            product_label=app.spec.label_ja,
            issued_on=dashboard.today(),
        )
        return _download(pdf, "application/pdf", f"estimate-{number}.pdf")
    return _download(
        documents.estimate_csv(lines), "text/csv; charset=utf-8", f"estimate-{number}.csv"
    )


def _line(offer: Offer, number: str, debtor: str) -> documents.QuoteLine:
    return documents.QuoteLine(
        invoice_number=number,
        debtor=debtor,
        due_date=offer.due_date,
        face=offer.face_amount,
        fee_rate=offer.fee_rate,
        fee=offer.fee,
        admin_fee=offer.admin_fee,
        advance=offer.advance_amount,
        holdback=offer.holdback,
        net_payout=offer.net_payout,
        days=offer.days,
        apr=apr_equivalent(offer.advance_amount, offer.fee + offer.admin_fee, offer.days),
    )


@require_GET
@applicant(owned_kwarg="application_id", owned_object="application")  # type: ignore[untyped-decorator]
def quote_pdf(request: HttpRequest, application_id: int) -> HttpResponse:
    """見積書 (PDF) of an application's offer."""
    return _quote(request, application_id, "pdf")


@require_GET
@applicant(owned_kwarg="application_id", owned_object="application")  # type: ignore[untyped-decorator]
def quote_csv(request: HttpRequest, application_id: int) -> HttpResponse:
    """見積書 (CSV) of an application's offer."""
    return _quote(request, application_id, "csv")
