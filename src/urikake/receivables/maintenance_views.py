"""Applicant pages to change and delete an invoice or a debtor while no application has used
it (:mod:`urikake.receivables.maintenance`); afterwards they are read-only and say why.
Deleting is a confirmation page and a POST."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from urikake.applicants.access import applicant, current_organization, owned_or_404
from urikake.domain.errors import DomainError
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.receivables import maintenance
from urikake.receivables.application_forms import InvoiceForm
from urikake.receivables.forms import DebtorForm
from urikake.receivables.models import Debtor, Invoice
from urikake.receivables.services import InvoiceRejected


def _user(request: HttpRequest) -> Any:
    return request.user


def _invoice(request: HttpRequest, pk: int) -> Invoice:
    invoice: Invoice = owned_or_404(
        request, Invoice.objects.select_related("debtor", "organization"), pk=pk
    )
    return invoice


def _debtor(request: HttpRequest, pk: int) -> Debtor:
    debtor: Debtor = owned_or_404(request, Debtor.objects.select_related("organization"), pk=pk)
    return debtor


def _invoice_initial(invoice: Invoice) -> dict[str, Any]:
    initial: dict[str, Any] = {
        "debtor": invoice.debtor_id,
        "invoice_number": invoice.invoice_number,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "total_amount": invoice.total_amount,
        "issuer_registration_number": invoice.issuer_registration_number,
    }
    for line in invoice.tax_breakdown or []:
        suffix = {"0.10": "10", "0.1": "10", "0.08": "8"}.get(str(line.get("rate")))
        if suffix:
            initial[f"taxable_{suffix}"] = line.get("taxable")
            initial[f"tax_{suffix}"] = line.get("tax")
    return initial


@applicant(owned_kwarg="pk", owned_object="invoice")
def invoice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change an invoice not yet used in an application (else: read-only, with the reason)."""
    invoice = _invoice(request, pk)
    org = current_organization(request)
    assert org is not None
    refusal = maintenance.invoice_edit_refusal(invoice)
    form = InvoiceForm(
        request.POST if request.method == "POST" and not refusal else None,
        organization=org,
        initial=_invoice_initial(invoice),
    )
    del form.fields["draft"]
    if request.method == "POST" and refusal:
        messages.error(request, refusal)
        return redirect("receivables:invoice", pk=invoice.pk)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        breakdown = tuple(
            TaxBreakdown(rate, c[f"taxable_{s}"] or 0, c[f"tax_{s}"] or 0)
            for s, rate in (("10", Decimal("0.10")), ("8", Decimal("0.08")))
            if c[f"taxable_{s}"] or c[f"tax_{s}"]
        )
        data = InvoiceData(
            issuer_name=org.name,
            debtor_name=c["debtor"].name,
            invoice_number=c["invoice_number"],
            issue_date=c["issue_date"],
            due_date=c["due_date"],
            total_amount=c["total_amount"],
            issuer_registration_number=c["issuer_registration_number"].strip().upper(),
            debtor_corporate_number=c["debtor"].corporate_number,
            tax_breakdown=breakdown,
        )
        try:
            maintenance.update_invoice(
                invoice, data, debtor=c["debtor"], acting_user=_user(request)
            )
        except InvoiceRejected as exc:
            for problem in exc.problems:
                form.add_error(
                    problem.field if problem.field in form.fields else None,
                    problem.message_for(get_language()),
                )
        except DomainError as exc:
            form.add_error(
                exc.field if exc.field in form.fields else None, exc.message_for(get_language())
            )
        else:
            messages.success(request, _("請求書を変更しました。"))
            return redirect("receivables:invoice", pk=invoice.pk)
    return render(
        request,
        "receivables/invoice_edit.html",
        {"invoice": invoice, "form": form, "refusal": refusal},
        status=400 if request.method == "POST" else 200,
    )


@applicant(owned_kwarg="pk", owned_object="invoice")
def invoice_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm; POST: delete an unused invoice (audited)."""
    invoice = _invoice(request, pk)
    refusal = maintenance.invoice_delete_refusal(invoice)
    if request.method == "POST":
        try:
            maintenance.delete_invoice(invoice, acting_user=_user(request))
        except DomainError as exc:
            messages.error(request, exc.message_for(get_language()))
            return redirect("receivables:invoice", pk=invoice.pk)
        messages.success(
            request,
            _("請求書 %(number)s を削除しました。") % {"number": invoice.invoice_number},
        )
        return redirect("receivables:invoices")
    return render(
        request,
        "receivables/confirm_delete.html",
        {
            "title": _("請求書を削除する"),
            "what": _("請求書 %(number)s（%(debtor)s）")
            % {"number": invoice.invoice_number, "debtor": invoice.debtor.name},
            "refusal": refusal,
            "back_name": "receivables:invoice",
            "pk": invoice.pk,
        },
    )


@applicant(owned_kwarg="pk", owned_object="debtor")
def debtor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One debtor: its details, its invoices, and edit (before use) and delete (unused)."""
    debtor = _debtor(request, pk)
    refusal = maintenance.debtor_edit_refusal(debtor)
    form = DebtorForm(
        request.POST if request.method == "POST" and not refusal else None,
        initial={
            "name": debtor.name,
            "name_kana": debtor.name_kana,
            "corporate_number": debtor.corporate_number,
            "address": debtor.address,
        },
    )
    if request.method == "POST" and refusal:
        messages.error(request, refusal)
        return redirect("receivables:debtor", pk=debtor.pk)
    if request.method == "POST" and form.is_valid():
        try:
            maintenance.update_debtor(
                debtor,
                acting_user=_user(request),
                name=form.cleaned_data["name"],
                name_kana=form.cleaned_data["name_kana"],
                corporate_number=form.cleaned_data["corporate_number"],
                address=form.cleaned_data["address"],
            )
        except DomainError as exc:
            form.add_error(
                exc.field if exc.field in form.fields else None, exc.message_for(get_language())
            )
        else:
            messages.success(request, _("売掛先を変更しました。"))
            return redirect("receivables:debtor", pk=debtor.pk)
    return render(
        request,
        "receivables/debtor.html",
        {
            "debtor": debtor,
            "form": form,
            "refusal": refusal,
            "delete_refusal": maintenance.debtor_delete_refusal(debtor),
            "invoices": debtor.invoices.order_by("-due_date", "-pk")[:100],
        },
        status=400 if request.method == "POST" else 200,
    )


@applicant(owned_kwarg="pk", owned_object="debtor")
def debtor_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm; POST: delete a debtor without invoices (audited)."""
    debtor = _debtor(request, pk)
    refusal = maintenance.debtor_delete_refusal(debtor)
    if request.method == "POST":
        try:
            maintenance.delete_debtor(debtor, acting_user=_user(request))
        except DomainError as exc:
            messages.error(request, exc.message_for(get_language()))
            return redirect("receivables:debtor", pk=debtor.pk)
        messages.success(request, _("売掛先 %(name)s を削除しました。") % {"name": debtor.name})
        return redirect("receivables:debtors")
    return render(
        request,
        "receivables/confirm_delete.html",
        {
            "title": _("売掛先を削除する"),
            "what": debtor.name,
            "refusal": refusal,
            "back_name": "receivables:debtor",
            "pk": debtor.pk,
        },
    )
