"""Applicant page of one invoice: its anti-assignment clause (譲渡禁止・制限特約) and release."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from urikake.applicants.access import applicant, owned_or_404
from urikake.domain.assignment_clauses import STATUS_LABELS, ClauseStatus
from urikake.domain.errors import DomainError
from urikake.receivables import assignment_clauses, maintenance
from urikake.receivables.models import Invoice
from urikake.security.uploads import validate_upload


class ClauseForm(forms.Form):
    evidence_text = forms.CharField(
        label=gettext_lazy("特約の内容（契約書の条項など）"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=assignment_clauses.MAX_TEXT,
        required=False,
    )
    evidence = forms.FileField(label=gettext_lazy("証憑（契約書のPDFなど）"), required=False)


class ReleaseForm(forms.Form):
    consented_on = forms.DateField(
        label=gettext_lazy("承諾日"), widget=forms.DateInput(attrs={"type": "date"})
    )
    consented_by = forms.CharField(
        label=gettext_lazy("承諾者（売掛先の会社名・担当者）"), max_length=200
    )
    release_text = forms.CharField(
        label=gettext_lazy("承諾の内容"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=assignment_clauses.MAX_TEXT,
        required=False,
    )
    evidence = forms.FileField(label=gettext_lazy("承諾書（PDFなど）"), required=False)


def _upload(form: forms.Form) -> tuple[bytes, str]:
    upload = form.cleaned_data.get("evidence")
    if not upload:
        return b"", ""
    sniffed = validate_upload(upload, kinds={"pdf", "image"})
    return sniffed.content, upload.name or "evidence"


@applicant(owned_kwarg="pk", owned_object="invoice")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    invoice = owned_or_404(request, Invoice.objects.select_related("debtor"), pk=pk)
    clause = assignment_clauses.clause_of(invoice)
    clause_form = ClauseForm(
        request.POST if request.POST.get("action") == "clause" else None, request.FILES or None
    )
    release_form = ReleaseForm(
        request.POST if request.POST.get("action") == "release" else None,
        request.FILES or None,
        initial={"consented_on": timezone.localdate()},
    )
    form: forms.Form | None = {"clause": clause_form, "release": release_form}.get(
        request.POST.get("action", "")
    )
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            content, name = _upload(form)
            if form is clause_form:
                assignment_clauses.record_clause(
                    invoice,
                    acting_user=request.user,
                    evidence_text=form.cleaned_data["evidence_text"],
                    evidence=content,
                    evidence_name=name,
                )
                messages.success(request, _("譲渡制限特約を登録しました。"))
            else:
                assignment_clauses.record_release(
                    invoice,
                    acting_user=request.user,
                    consented_on=form.cleaned_data["consented_on"],
                    consented_by=form.cleaned_data["consented_by"],
                    release_text=form.cleaned_data["release_text"],
                    evidence=content,
                    evidence_name=name,
                )
                messages.success(request, _("売掛先の承諾を記録しました。"))
        except ValidationError as exc:
            form.add_error("evidence", exc)
        except DomainError as exc:
            form.add_error(
                exc.field if exc.field in form.fields else None, exc.message_for(get_language())
            )
        else:
            return redirect("receivables:invoice", pk=invoice.pk)
    status = assignment_clauses.status_of(invoice)
    return render(
        request,
        "receivables/invoice.html",
        {
            "invoice": invoice,
            "clause": clause,
            "status": status,
            "status_label": STATUS_LABELS[status],
            "restricted": status is ClauseStatus.RESTRICTED,
            "clause_form": clause_form,
            "release_form": release_form,
            "edit_refusal": maintenance.invoice_edit_refusal(invoice),
            "delete_refusal": maintenance.invoice_delete_refusal(invoice),
        },
    )
