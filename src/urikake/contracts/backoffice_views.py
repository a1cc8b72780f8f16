"""Back office: every deal's contract documents and signature records, read-only.

Reading contracts is granted by ``Capability.VIEW_APPLICANTS`` (reviewers, treasury,
compliance, administrators): nothing here changes state, and treasury — which pays out only
on a signed contract — holds that capability too.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from urikake.accounts.access import staff
from urikake.accounts.roles import Capability
from urikake.contracts.models import ContractDocument
from urikake.contracts.views import pdf_response, wants_signed
from urikake.domain.applications import ApplicationStatus
from urikake.receivables.models import FinancingApplication

PAGE_SIZE = 50


@staff(Capability.VIEW_APPLICANTS)
def contract_list(request: HttpRequest) -> HttpResponse:
    applications = (
        FinancingApplication.objects.filter(contract_documents__isnull=False)
        .distinct()
        .select_related("organization", "contract_signature")
        .order_by("-pk")
    )
    only = request.GET.get("state", "")
    if only == "signed":
        applications = applications.filter(contract_signature__isnull=False)
    elif only == "unsigned":
        applications = applications.filter(contract_signature__isnull=True)
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    documents: dict[int, list[ContractDocument]] = {}
    for doc in (
        ContractDocument.objects.filter(application__in=[a.pk for a in page])
        .defer("pdf", "signed_pdf")
        .order_by("pk")
    ):
        documents.setdefault(doc.application_id, []).append(doc)
    rows = [(a, documents.get(a.pk, []), ApplicationStatus(a.status).label) for a in page]
    return render(
        request,
        "contracts/backoffice/list.html",
        {"page": page, "rows": rows, "state": only},
    )


@staff(Capability.VIEW_APPLICANTS)
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    document = get_object_or_404(ContractDocument, pk=document_id)
    return pdf_response(document, signed=wants_signed(request, document))
