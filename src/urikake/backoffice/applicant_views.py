"""Back office: applicant search and the 360° view of one applicant organisation (read-only).

Search matches the 商号・屋号, its フリガナ (hiragana or half-width kana typed by the operator
are folded to full-width katakana first), the 法人番号, a member's e-mail and the contact
phone (typed as ``090-1234-5678`` or ``+8190…``; stored in E.164). The 360° view gathers what
an operator needs about one organisation: profile, members, eKYC checks, the payout account
(masked: only the last four digits are ever stored), applications, positions with balances,
documents the staff role may open, and the organisation's audit trail.

Granted by ``Capability.VIEW_APPLICANTS``. Nothing here writes.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import jaconv
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from urikake.accounts.access import has_capability, staff
from urikake.accounts.roles import Capability
from urikake.applicants.models import Organization
from urikake.audit.models import AuditRecord
from urikake.contracts.models import ContractDocument
from urikake.domain.applications import ApplicationStatus
from urikake.kyc.models import KycCheck
from urikake.receivables.models import FinancingApplication, Invoice
from urikake.servicing.models import Position

PAGE_SIZE = 25
AUDIT_ROWS = 100
MAX_QUERY = 100


def _fold_kana(text: str) -> str:
    """What an operator typed, in the form フリガナ are stored in (full-width katakana)."""
    return jaconv.hira2kata(unicodedata.normalize("NFKC", text))


def _phone_digits(text: str) -> str | None:
    """The digits of a phone number as stored in E.164 without '+', or None if not a phone."""
    digits = re.sub(r"[\s\-()+]", "", unicodedata.normalize("NFKC", text))
    if len(digits) < 4 or not digits.isdigit():
        return None
    return "81" + digits[1:] if digits.startswith("0") else digits


def search_organizations(query: str) -> QuerySet[Organization]:
    """Organisations matching ``query`` (all of them, newest first, for an empty query)."""
    rows = Organization.objects.order_by("-created_at", "-pk")
    query = unicodedata.normalize("NFKC", query).strip()[:MAX_QUERY]
    if not query:
        return rows
    match = (
        Q(name__icontains=query)
        | Q(trade_name__icontains=query)
        | Q(name_kana__icontains=_fold_kana(query))
        | Q(memberships__user__email__icontains=query)
    )
    if query.isdigit():
        match |= Q(corporate_number__startswith=query)
    digits = _phone_digits(query)
    if digits:
        rows = rows.annotate(
            phone_digits=Replace("contact_phone", Value("+"), Value("")),
        )
        match |= Q(phone_digits__contains=digits)
    return rows.filter(match).distinct()


@staff(Capability.VIEW_APPLICANTS)
@require_safe
def applicant_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:MAX_QUERY]
    page = Paginator(search_organizations(query), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "backoffice/applicants/list.html",
        {"page": page, "query": query},
    )


def _ids(rows: QuerySet[Any]) -> list[str]:
    return [str(pk) for pk in rows.values_list("pk", flat=True)]


def _audit_trail(org: Organization, applications: list[FinancingApplication]) -> list[Any]:
    """The organisation's own records and those of its applications, KYC checks, invoices,
    positions, members and payout accounts (newest first, bounded)."""
    objects: dict[str, list[str]] = {
        "applicants.organization": [str(org.pk)],
        "receivables.financingapplication": [str(a.pk) for a in applications],
        "kyc.kyccheck": _ids(KycCheck.objects.filter(organization=org)),
        "receivables.invoice": _ids(Invoice.objects.filter(organization=org)),
        "servicing.position": _ids(Position.objects.filter(organization=org)),
        "applicants.membership": _ids(org.memberships.all()),
        "applicants.payoutaccount": _ids(org.payout_accounts.all()),
    }
    match = Q(pk__in=[])
    for object_type, ids in objects.items():
        if ids:
            match |= Q(object_type=object_type, object_id__in=ids)
    return list(AuditRecord.objects.filter(match).order_by("-seq")[:AUDIT_ROWS])


def _positions(org: Organization) -> tuple[list[Position], dict[str, int]]:
    positions = list(
        Position.objects.filter(organization=org)
        .select_related("debtor", "invoice")
        .order_by("-pk")
    )
    totals = {
        "face": sum(p.face_amount for p in positions),
        "collected": sum(p.collected_amount for p in positions),
        "residual": sum(p.residual for p in positions if p.status == Position.Status.OPEN),
    }
    return positions, totals


@staff(Capability.VIEW_APPLICANTS)
@require_safe
def applicant_detail(request: HttpRequest, org_id: int) -> HttpResponse:
    org = get_object_or_404(Organization, pk=org_id)
    applications = list(
        FinancingApplication.objects.filter(organization=org)
        .prefetch_related("invoices__debtor")
        .order_by("-pk")
    )
    positions, totals = _positions(org)
    documents = list(
        ContractDocument.objects.filter(organization=org).defer("pdf", "signed_pdf").order_by("-pk")
    )
    invoices = list(
        Invoice.objects.filter(organization=org).select_related("debtor").order_by("-pk")[:200]
    )
    context = {
        "org": org,
        "members": org.memberships.select_related("user").order_by("created_at"),
        "kyc_checks": list(
            KycCheck.objects.filter(organization=org)
            .defer("document", "full_name", "birth_date")
            .order_by("-submitted_at")
        ),
        "payout_account": org.payout_accounts.filter(replaced_at__isnull=True).first(),
        "applications": [(a, ApplicationStatus(a.status).label) for a in applications],
        "positions": positions,
        "totals": totals,
        "documents": documents,
        "invoices": invoices,
        "audit": _audit_trail(org, applications),
        "credit_line": _credit_line(org),
        "statements": org.statement_imports.order_by("-created_at")[:50],
        "can_review_kyc": has_capability(request.user, Capability.REVIEW_KYC),
        "can_view_audit": has_capability(request.user, Capability.VIEW_AUDIT),
        "can_review": has_capability(request.user, Capability.REVIEW_APPLICATIONS),
    }
    return render(request, "backoffice/applicants/detail.html", context)


def _credit_line(org: Organization) -> Any:
    """The organisation's credit line, when the plans app (issue 10, h4) is installed."""
    from django.apps import apps

    for label in ("plans.CreditLine",):
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        return model.objects.filter(organization=org).order_by("-pk").first()
    return None


# The evidence file types an applicant may upload, and how a browser is allowed to show them.
_EVIDENCE_TYPES = {
    ".pdf": ("application/pdf", "inline"),
    ".xml": ("application/xml", "attachment"),
    ".png": ("image/png", "inline"),
    ".jpg": ("image/jpeg", "inline"),
    ".jpeg": ("image/jpeg", "inline"),
}


@staff(Capability.VIEW_APPLICANTS, Capability.REVIEW_APPLICATIONS)
@require_safe
def invoice_evidence(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """The uploaded invoice file (PDF, JP PINT XML or a photo), never rendered as HTML."""
    invoice = get_object_or_404(Invoice, pk=invoice_id)
    if not invoice.evidence:
        raise Http404
    name = invoice.evidence.name.rsplit("/", 1)[-1]
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type, disposition = _EVIDENCE_TYPES.get(
        suffix, ("application/octet-stream", "attachment")
    )
    with invoice.evidence.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type=content_type)
    response["Content-Disposition"] = f'{disposition}; filename="invoice-{invoice.pk}{suffix}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "no-store"
    return response
