"""Back office: the reviewers' queue of referred applications and the decision page."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.applicants import services as applicant_services
from urikake.applicants.data_use import Use
from urikake.domain.applications import ApplicationStatus
from urikake.domain.assignment_clauses import STATUS_LABELS
from urikake.domain.errors import DomainError
from urikake.domain.screening.external import ADVERSE_LABELS
from urikake.kyc.models import KycCheck
from urikake.plans import services as plans
from urikake.receivables.assignment_clauses import clauses_of, statuses
from urikake.receivables.choice_labels import label_rows
from urikake.receivables.models import (
    ExternalCheck,
    FinancingApplication,
    Invoice,
    ReviewDecision,
    StatementEntry,
)
from urikake.receivables.review import four_eyes_required, review_application


class ReviewForm(forms.Form):
    verdict = forms.ChoiceField(
        label=gettext_lazy("判断"), choices=ReviewDecision.Verdict.choices, widget=forms.RadioSelect
    )
    comment = forms.CharField(label=gettext_lazy("コメント（判断の理由）"), widget=forms.Textarea)


def _clauses(invoices: list[Invoice]) -> list[tuple[object, str, object]]:
    clauses = clauses_of(invoices)
    found = statuses(invoices, clauses)
    return [(inv, STATUS_LABELS[found[inv.pk]], clauses.get(inv.pk)) for inv in invoices]


@staff(Capability.REVIEW_APPLICATIONS)
def queue(request: HttpRequest) -> HttpResponse:
    rows = (
        FinancingApplication.objects.filter(status=ApplicationStatus.REFERRED)
        .select_related("organization")
        # the columns shown: not the screening result and offer (JSON decoded per row)
        .only("product", "requested_amount", "submitted_at", "organization__name")
        .order_by("submitted_at")
    )
    return render(
        request,
        "receivables/backoffice/queue.html",
        {"applications": label_rows(rows, "product", "product_label")},
    )


@staff(Capability.REVIEW_APPLICATIONS)
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    app = get_object_or_404(FinancingApplication.objects.select_related("organization"), pk=pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review_application(
                app,
                acting_user=request.user,  # type: ignore[arg-type]
                verdict=form.cleaned_data["verdict"],
                comment=form.cleaned_data["comment"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("判断を記録しました。"))
            return redirect("receivables_backoffice:detail", pk=app.pk)
    highlighted = {
        key
        for inv in app.screening_result.get("invoices", [])
        for key in inv.get("reality", {}).get("matched_line_keys", [])
    }
    # read once, shown twice: the columns the page shows (and the clause rows' key, the id)
    invoices = list(
        app.invoices.select_related("debtor")
        .only("invoice_number", "total_amount", "due_date", "source", "evidence", "debtor__name")
        .order_by("pk")
    )
    since = timezone.localdate() - timedelta(days=365)
    # the four columns the table shows, as dicts (no model instances of 13 columns)
    deposits = (
        StatementEntry.objects.filter(
            organization=app.organization, direction="deposit", value_date__gte=since
        )
        .order_by("-value_date")
        .values("value_date", "counterparty", "amount", "line_key")[:200]
    )
    return render(
        request,
        "receivables/backoffice/detail.html",
        {
            "application": app,
            "status": ApplicationStatus(app.status),
            "form": form,
            # the page names the reviewer by id: no join to the users table
            "reviews": app.reviews.order_by("created_at"),
            "four_eyes": four_eyes_required(app),
            "deposits": [(d, d["line_key"] in highlighted) for d in deposits],
            "invoices": invoices_with_offer_lines(app, invoices),
            "offer": app.offer or None,
            # the columns shown (effective_status_label reads status and expires_at)
            "kyc": KycCheck.objects.filter(organization=app.organization)
            .only("status", "reason", "decided_at", "expires_at")
            .order_by("-submitted_at")
            .first(),
            "clauses": _clauses(invoices),
            "credit_line": plans.credit_line_of(app.organization),
            "external_checks": _external_checks(app),
            "data_use_consents": [
                (_(use.label), row)
                for use, row in zip(
                    Use,
                    applicant_services.data_use_consents(app.organization).values(),
                    strict=True,
                )
            ],
        },
    )


def _pretty(body: str) -> str:
    """A vendor's stored answer, indented for reading (the stored text is what is hashed)."""
    try:
        return json.dumps(json.loads(body), ensure_ascii=False, indent=2)
    except ValueError:
        return body


def _external_checks(app: FinancingApplication) -> list[dict[str, Any]]:
    """The screening vendors' answers this screening used (the evidence), in order."""
    shown = app.screening_result.get("external_checks", [])
    rows = ExternalCheck.objects.in_bulk([c["id"] for c in shown if c.get("id")])
    out: list[dict[str, Any]] = []
    for item in shown:
        check = rows.get(item.get("id"))
        kind = ExternalCheck.Kind(item["kind"]).label
        if check is None:  # not asked: no consent to this use
            out.append({"kind": kind, "check": None, "cached": False})
            continue
        summary = check.summary or {}
        adverse = summary.get("adverse_kinds", [])
        out.append(
            {
                "kind": kind,
                "check": check,
                "cached": item.get("cached", False),
                "adverse": [ADVERSE_LABELS.get(k, k) for k in adverse],
                "summary": summary,
                "flag": bool(adverse) or check.status in {"hit", "possible", "unavailable"},
                "answer": _pretty(check.response),
            }
        )
    return out


def invoices_with_offer_lines(
    app: FinancingApplication, invoices: list[Invoice] | None = None
) -> list[tuple[Invoice, dict[str, Any]]]:
    """Each invoice of the application with its proposed price (the offer line priced for it
    — by invoice id — or, for an application without a stored offer, the screening's).
    ``invoices``: the application's invoices (debtor loaded) if the caller has read them."""
    lines: dict[int, dict[str, Any]] = {}
    for item in app.screening_result.get("invoices", []):
        if item.get("offer") and item.get("invoice") is not None:
            lines[int(item["invoice"])] = item["offer"]
    for line in (app.offer or {}).get("invoices", []):
        if line.get("invoice_id") is not None:
            lines[int(line["invoice_id"])] = line
    if invoices is None:
        invoices = list(app.invoices.select_related("debtor").order_by("pk"))
    return [(invoice, lines.get(invoice.pk, {})) for invoice in invoices]
