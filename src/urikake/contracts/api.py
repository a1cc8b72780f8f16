"""JSON API of the contracts app (mounted at /api/contracts/).

Applicants (``ApplicantAuth``: ``request.auth`` is their organisation) read a deal's contract
status and documents (number, SHA-256 before and after the platform's signature) and download
the PDFs. Another organisation's application or document is a 404, the same as a missing one.
Signing is done in the app only: it needs a fresh password re-entry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema, Status

from urikake.accounts.api_auth import ApplicantAuth
from urikake.api_schemas import ErrorOut, Id
from urikake.applicants.models import Organization
from urikake.contracts import services
from urikake.contracts.models import ContractDocument, ContractSignature
from urikake.contracts.views import pdf_response
from urikake.receivables.models import FinancingApplication

router = Router(tags=["contracts"])


class DocumentOut(Schema):
    id: int
    kind: str
    title: str
    document_number: str
    sha256: str
    signed: bool
    signed_sha256: str | None
    signed_at: datetime | None
    pdf_url: str


class SignatureOut(Schema):
    signed_at: datetime
    signer_id: int
    document_hashes: dict[str, str]


class ContractStatusOut(Schema):
    application_id: int
    application_status: str
    contracted: bool
    documents: list[DocumentOut]
    signature: SignatureOut | None


def _not_found(what: str) -> Status[dict[str, Any]]:
    return Status(404, {"error": {"code": f"{what}.not_found", "message": "見つかりません。"}})


def _org(request: HttpRequest) -> Organization:
    org: Organization = request.auth  # type: ignore[attr-defined]  # set by ApplicantAuth
    return org


def _document_out(doc: ContractDocument) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "kind": doc.kind,
        "title": doc.title,
        "document_number": doc.document_number,
        "sha256": doc.sha256,
        "signed": doc.is_signed,
        "signed_sha256": doc.signed_sha256 or None,
        "signed_at": doc.signed_at,
        "pdf_url": f"/api/contracts/documents/{doc.pk}/pdf",
    }


@router.get(
    "/applications/{application_id}",
    response={200: ContractStatusOut, 404: ErrorOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="contracts_application",
    summary="申込みの契約状態と契約書類（文書番号・SHA-256）",
)
def application_contracts(request: HttpRequest, application_id: Id) -> Any:
    """Read only: accepting the offer prepared the documents (an application accepted before
    that gets them from ``POST .../documents``)."""
    application = FinancingApplication.objects.filter(
        organization=_org(request), pk=application_id
    ).first()
    if application is None:
        return _not_found("application")
    return _status(application, services.documents_of(application))


@router.post(
    "/applications/{application_id}/documents",
    response={200: ContractStatusOut, 404: ErrorOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="contracts_prepare",
    summary="承諾済みの申込みの契約書類を作成（作成済みならそのまま返す）",
)
def prepare_documents(request: HttpRequest, application_id: Id) -> Any:
    application = FinancingApplication.objects.filter(
        organization=_org(request), pk=application_id
    ).first()
    if application is None:
        return _not_found("application")
    documents = services.prepare_contracts(application, acting_user=request.user)
    return _status(application, documents)


def _status(application: FinancingApplication, documents: list[ContractDocument]) -> Any:
    signature = ContractSignature.objects.filter(application=application).first()
    return Status(
        200,
        {
            "application_id": application.pk,
            "application_status": application.status,
            "contracted": services.is_contracted(application),
            "documents": [_document_out(d) for d in documents],
            "signature": None
            if signature is None
            else {
                "signed_at": signature.signed_at,
                "signer_id": signature.signer_id,
                "document_hashes": signature.document_hashes,
            },
        },
    )


@router.get(
    "/documents/{document_id}/pdf",
    response={200: None, 404: ErrorOut},
    auth=ApplicantAuth(),
    url_name="contracts_document_pdf",
    summary="契約書類のPDF（署名済みがあれば署名済み。?version=unsigned で署名前）",
)
def document_pdf(request: HttpRequest, document_id: Id, version: str = "") -> Any:
    document = ContractDocument.objects.filter(organization=_org(request), pk=document_id).first()
    if document is None:
        return _not_found("document")
    response: HttpResponse = pdf_response(
        document, signed=document.is_signed and version != "unsigned"
    )
    return response
