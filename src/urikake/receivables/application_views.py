"""Applicant pages: invoices (form, PDF, JP PINT XML) and financing applications."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from urikake.accounts.compiled_reads import CompiledRead
from urikake.api_schemas import DB_INT_MAX
from urikake.applicants import services as applicant_services
from urikake.applicants.access import applicant, current_organization, owned_or_404
from urikake.audit.models import AuditRecord
from urikake.domain.applications import ApplicationStatus
from urikake.domain.errors import DomainError
from urikake.domain.invoice_text import extract_pdf_text, propose_invoice_fields
from urikake.domain.invoices import InvoiceData, TaxBreakdown, amount_limit_error
from urikake.domain.jp_pint import parse_jp_pint
from urikake.receivables import services
from urikake.receivables.application_forms import ApplicationForm, InvoiceForm, InvoiceUploadForm
from urikake.receivables.choice_labels import label_rows
from urikake.receivables.models import FinancingApplication, Invoice, InvoiceDraft
from urikake.receivables.reasons import applicant_reasons
from urikake.security.uploads import validate_upload


def _initial_from_upload(
    request: HttpRequest, org: Any, content: bytes, kind: str
) -> dict[str, Any]:
    """Fields read from a PDF (proposals) or JP PINT XML (exact) for the applicant to confirm.

    A photo or scan is kept as evidence only: there is no OCR, the applicant types the fields.
    """
    if kind == "image":
        return {}
    if kind == "xml":
        data = parse_jp_pint(content)
        values: dict[str, Any] = {
            "invoice_number": data.invoice_number,
            "issue_date": data.issue_date,
            "due_date": data.due_date,
            "total_amount": data.total_amount,
            "issuer_registration_number": data.issuer_registration_number,
        }
        debtor_name = data.debtor_name
        breakdown = data.tax_breakdown
    else:
        proposed = propose_invoice_fields(extract_pdf_text(content))
        values = {
            name: getattr(proposed, name).value
            for name in (
                "invoice_number",
                "issue_date",
                "due_date",
                "total_amount",
                "issuer_registration_number",
            )
            if getattr(proposed, name) is not None
        }
        debtor_name = proposed.debtor_name.value if proposed.debtor_name else ""
        breakdown = proposed.tax_breakdown.value if proposed.tax_breakdown else ()
    for line in breakdown:
        suffix = (
            "10" if line.rate == Decimal("0.10") else "8" if line.rate == Decimal("0.08") else ""
        )
        if suffix:
            values[f"taxable_{suffix}"] = line.taxable_amount
            values[f"tax_{suffix}"] = line.tax_amount
    match = org.debtors.filter(name=debtor_name.strip()).first() if debtor_name else None
    if match is not None:
        values["debtor"] = match.pk
    return values


def _read_upload(request: HttpRequest, org: Any, upload: Any) -> str | None:
    """Keep one uploaded invoice file as a draft with the fields read from it.

    Returns an error message for a file that is refused (type, size); a file that is accepted
    but cannot be read (a scan, a PDF without text) is kept with an empty proposal.
    """
    name = upload.name or "invoice"
    try:
        sniffed = validate_upload(upload, kinds={"pdf", "xml", "image"})
    except ValidationError as exc:
        return f"{name}: {' '.join(exc.messages)}"
    note = ""
    try:
        proposal = _initial_from_upload(request, org, sniffed.content, sniffed.kind)
    except DomainError as exc:
        proposal, note = {}, exc.message_for(get_language())
    limit = settings.RECEIVABLES_MAX_INVOICE_YEN
    if isinstance(proposal.get("total_amount"), int) and proposal["total_amount"] > limit:
        return f"{name}: {amount_limit_error(limit).message}"  # refused at entry, no draft
    services.create_invoice_draft(
        org,
        acting_user=request.user,  # type: ignore[arg-type]
        filename=name,
        kind=sniffed.kind,
        content=sniffed.content,
        proposal={
            k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in proposal.items()
        },
        note=note,
    )
    return None


def _register_from_form(request: HttpRequest, org: Any, form: InvoiceForm) -> bool:
    c = form.cleaned_data
    draft = None
    if c.get("draft"):
        draft = InvoiceDraft.objects.filter(organization=org, pk=c["draft"]).first()
        if draft is None:
            raise Http404
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
    evidence = draft.file.read() if draft else b""
    try:
        services.register_invoice(
            org,
            data,
            acting_user=request.user,  # type: ignore[arg-type]
            debtor=c["debtor"],
            source={"pdf": "pdf", "xml": "jp_pint"}.get(draft.kind if draft else "", "form"),
            evidence=evidence,
            evidence_name=draft.filename if draft else "",
        )
    except services.InvoiceRejected as exc:
        for problem in exc.problems:
            form.add_error(
                problem.field if problem.field in form.fields else None,
                problem.message_for(get_language()),
            )
        return False
    except DomainError as exc:
        form.add_error(
            exc.field if exc.field in form.fields else None, exc.message_for(get_language())
        )
        return False
    if draft is not None:
        draft.file.delete(save=False)
        draft.delete()
    return True


@dataclass(frozen=True, slots=True)
class InvoiceRow:
    """A line of the registered-invoices table, as it is printed."""

    href: str
    invoice_number: str
    debtor_name: str
    due: str  # Y-m-d
    total_amount: int
    status_label: str


def _invoice_rows_query(org: int, limit: int) -> QuerySet[Any, Any]:
    return (
        Invoice.objects.filter(organization_id=org)
        .order_by("-created_at")
        .values_list("pk", "invoice_number", "debtor__name", "due_date", "total_amount", "status")
    )[:limit]


@functools.cache
def _invoice_rows_read(limit: int) -> CompiledRead:
    """:func:`invoice_rows`' query, compiled once per limit (accounts.compiled_reads)."""
    return CompiledRead(lambda org: _invoice_rows_query(org, limit), org=int)


def invoice_rows(org: Any, *, limit: int) -> list[InvoiceRow]:
    """The organisation's latest invoices as the table prints them: one query of the columns
    shown (no model instances, each status labelled from choices translated once, each link
    made from one reversed URL rather than a ``{% url %}`` per row)."""
    rows = _invoice_rows_read(limit).rows(org=org.pk)
    if not rows:
        return []
    labels = {value: str(label) for value, label in Invoice.Status.choices}
    # "/my/invoices/0/" → "/my/invoices/": the detail URL ends in the invoice's id
    prefix = reverse("receivables:invoice", args=[0]).removesuffix("0/")
    return [
        InvoiceRow(
            f"{prefix}{pk}/", number, debtor, due.isoformat(), amount, labels.get(status, status)
        )
        for pk, number, debtor, due, amount, status in rows
    ]


@applicant
def invoices(request: HttpRequest) -> HttpResponse:
    """請求書: type one in, or drop PDFs / JP PINT XML / photos (several at once); each file
    becomes a draft whose fields the applicant confirms before it is registered."""
    org = current_organization(request)
    assert org is not None
    upload_form = InvoiceUploadForm()
    form = InvoiceForm(organization=org)
    if request.method == "POST" and "document" in request.FILES:
        upload_form = InvoiceUploadForm(request.POST, request.FILES)
        if upload_form.is_valid():
            errors = [
                e
                for e in (
                    _read_upload(request, org, f) for f in upload_form.cleaned_data["document"]
                )
                if e
            ]
            for error in errors:
                upload_form.add_error("document", error)
            if not errors:
                drafts = InvoiceDraft.objects.filter(organization=org).order_by("-pk")
                if len(upload_form.cleaned_data["document"]) == 1 and drafts:
                    return redirect(f"{request.path}?draft={drafts[0].pk}")
                return redirect(request.path)
    elif request.method == "POST":
        form = InvoiceForm(request.POST, organization=org)
        if form.is_valid() and _register_from_form(request, org, form):
            messages.success(request, _("請求書を登録しました。"))
            return redirect("receivables:invoices")
    elif request.GET.get("draft", "").isdigit() and int(request.GET["draft"]) <= DB_INT_MAX:
        draft = InvoiceDraft.objects.filter(organization=org, pk=int(request.GET["draft"])).first()
        if draft is None:
            raise Http404
        form = InvoiceForm(initial={**draft.proposal, "draft": draft.pk}, organization=org)
        if draft.kind == "image":
            messages.info(
                request, _("写真・画像は証憑として保存します。請求書の内容を入力してください。")
            )
        elif draft.note:
            messages.warning(request, f"{draft.filename}: {draft.note}")
        else:
            messages.info(
                request, _("請求書から読み取った内容です。確認・修正してから登録してください。")
            )
    rows = invoice_rows(org, limit=100)
    # the columns the list shows (not the file, nor the proposal's JSON decoded per row)
    pending = (
        InvoiceDraft.objects.filter(organization=org)
        .order_by("created_at")
        .values("pk", "filename", "note")
    )
    return render(
        request,
        "receivables/invoices.html",
        {
            "form": form,
            "upload_form": upload_form,
            "invoices": rows,
            "drafts": pending,
        },
    )


@applicant
def applications(request: HttpRequest) -> HttpResponse:
    """資金化の申込み: choose invoices and a product, then submit."""
    org = current_organization(request)
    assert org is not None
    form = ApplicationForm(request.POST or None, organization=org, search=request.GET.get("q", ""))
    if request.method == "POST" and form.is_valid():
        try:
            # The consent and the application commit together (a refused application
            # leaves no consent behind); screening starts after the commit.
            with transaction.atomic():
                if form.consent_uses:
                    applicant_services.give_data_use_consent(
                        org,
                        form.consent_uses,
                        acting_user=request.user,  # type: ignore[arg-type]
                        ip=request.META.get("REMOTE_ADDR") or None,
                        versions=form.consent_versions(),
                    )
                application = services.create_application(
                    org,
                    acting_user=request.user,  # type: ignore[arg-type]
                    product=form.cleaned_data["product"],
                    invoices=list(form.cleaned_data["invoices"]),
                    plan_id=form.cleaned_data.get("plan"),
                )
                services.submit_application(
                    application,
                    acting_user=request.user,  # type: ignore[arg-type]
                    invoices_checked=True,
                )
        except DomainError as exc:
            form.add_error(
                exc.field if exc.field in form.fields else None, exc.message_for(get_language())
            )
        else:
            messages.success(
                request, _("お申込みを受け付けました。審査結果はこのページに表示されます。")
            )
            return redirect("receivables:application", pk=application.pk)
    rows = (
        FinancingApplication.objects.filter(organization=org)
        # the list shows these: not the offer and screening result (JSON decoded per row)
        .only("product", "requested_amount", "status", "created_at")
        .order_by("-created_at")[:50]
    )
    listed = label_rows(rows, "product", "product_label")
    if listed:  # "/my/applications/0/" → "/my/applications/": one reverse, not one per row
        prefix = reverse("receivables:application", args=[0]).removesuffix("0/")
        for row in listed:
            row.href = f"{prefix}{row.pk}/"  # type: ignore[attr-defined]
    return render(request, "receivables/applications.html", {"form": form, "applications": listed})


def reasons_for_applicant(app: FinancingApplication) -> list[tuple[str, list[str]]]:
    """The screening's reasons as the applicant reads them (:mod:`urikake.receivables.reasons`:
    the same sentences as the mail and the API), in sections: the application's, then one per
    invoice under its debtor and number."""
    sections: dict[int | None, tuple[str, list[str]]] = {}
    for r in applicant_reasons(app):
        if r.invoice not in sections:
            heading = ""
            if r.invoice is not None:
                heading = str(
                    _("%(debtor)s宛て 請求書 %(number)s")
                    % {"debtor": r.debtor, "number": r.invoice_number}
                )
            sections[r.invoice] = (heading, [])
        sections[r.invoice][1].append(r.message)
    return list(sections.values())


@applicant(owned_kwarg="pk", owned_object="application")
def application(request: HttpRequest, pk: int) -> HttpResponse:
    """One application: status, the offer with its fee breakdown, accept or decline."""
    app = owned_or_404(request, FinancingApplication.objects.all(), pk=pk)
    # The status timeline comes from the audit trail: every transition wrote one record.
    timeline = [
        (record.created_at, ApplicationStatus(record.payload["status"]).label)
        for record in AuditRecord.objects.filter(
            object_type="receivables.financingapplication", object_id=str(app.pk)
        ).order_by("seq")
        if record.payload.get("status") in ApplicationStatus.__members__.values()
    ]
    # Each offer line names its invoice by id (older offers may not: no number is shown).
    numbers = dict(app.invoices.values_list("pk", "invoice_number"))
    offer_lines = [
        (numbers.get(line.get("invoice_id"), ""), line)
        for line in (app.offer or {}).get("invoices", [])
    ]
    return render(
        request,
        "receivables/application.html",
        {
            "timeline": [(app.created_at, ApplicationStatus.DRAFT.label), *timeline],
            "application": app,
            "offer_lines": offer_lines,
            "status": ApplicationStatus(app.status),
            "reasons": reasons_for_applicant(app),
            "can_answer": app.status == ApplicationStatus.OFFERED,
            "pending": app.status in (ApplicationStatus.SUBMITTED, ApplicationStatus.SCREENING),
        },
    )


@applicant(owned_kwarg="pk", owned_object="application")
@require_POST
def application_answer(request: HttpRequest, pk: int) -> HttpResponse:
    app = owned_or_404(request, FinancingApplication.objects.all(), pk=pk)
    try:
        if request.POST.get("answer") == "accept":
            services.accept_offer(app, acting_user=request.user)  # type: ignore[arg-type]
            messages.success(request, _("条件を承諾しました。次は電子契約です。"))
        else:
            services.cancel_application(app, acting_user=request.user)  # type: ignore[arg-type]
            messages.info(request, _("お申込みを取り消しました。"))
    except DomainError as exc:
        messages.error(request, exc.message_for(get_language()))
    return redirect("receivables:application", pk=app.pk)
