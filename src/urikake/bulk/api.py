"""JSON API of 一括ファクタリング (mounted at /api/bulk/).

Members of an organisation (``ApplicantAuth``: ``request.auth`` is their organisation):

* a buyer uploads its payables (``POST /payables``: the CSV text; all or nothing — a refused
  file answers 422 with every problem, row and column named) and lists them;
* a supplier lists its receivables on the buyers it supplies (``GET /receivables``), asks for
  a quote and requests an early payment — money moves, so that call requires an
  ``Idempotency-Key`` header (a retry returns the first answer).

Another organisation's payable is a 404.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Header, Router, Schema, Status

from urikake.api_schemas import ErrorOut, Id
from urikake.applicants.access import ApplicantAuth
from urikake.applicants.models import Organization
from urikake.bulk import services
from urikake.bulk.models import Payable
from urikake.domain.errors import DomainError
from urikake.idempotency.services import run_idempotent

router = Router(tags=["bulk"])

#: The CSV text of one upload (UTF-8): the page's limit of 5 MB.
MAX_CSV_CHARS = 5 * 1024 * 1024


class UploadIn(Schema):
    csv: str = Field(..., min_length=1, max_length=MAX_CSV_CHARS)
    filename: str = Field("payables.csv", max_length=255)


class UploadOut(Schema):
    id: int
    rows: int
    total: int


class PayableOut(Schema):
    id: int
    buyer: str
    supplier: str
    invoice_number: str
    amount: int
    due_date: date
    status: str
    status_label: str
    discount: int
    net: int


class QuoteOut(Schema):
    payable_id: int
    face: int
    days: int
    annual_rate: str
    discount: int
    net: int
    apr: str


class EarlyIn(Schema):
    expected_net: int = Field(..., ge=1, le=10**12)


def _payable(p: Payable) -> dict[str, Any]:
    return {
        "id": p.pk,
        "buyer": p.program.organization.name,
        "supplier": p.organization.name,
        "invoice_number": p.invoice_number,
        "amount": p.amount,
        "due_date": p.due_date,
        "status": p.status,
        "status_label": str(p.get_status_display()),
        "discount": p.discount,
        "net": p.net,
    }


def _buyer(request: HttpRequest) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]
    program = services.program_of(org)
    if program is None:
        raise DomainError("bulk.not_buyer", "支払企業として登録されていません。")
    return program


@router.post(
    "/payables",
    response={201: UploadOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="bulk_upload",
    summary="支払予定（買掛金）のCSV取込み（全件取込みか全件拒否）",
)
def upload(request: HttpRequest, payload: UploadIn) -> Any:
    program = _buyer(request)
    done = services.upload_payables(
        program,
        payload.csv.encode("utf-8"),
        filename=payload.filename,
        acting_user=request.user,
    )
    return Status(201, {"id": done.pk, "rows": done.rows, "total": done.total})


@router.get(
    "/payables",
    response={200: list[PayableOut], 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="bulk_payables",
    summary="自社（支払企業）の支払予定の一覧",
)
def payables(request: HttpRequest) -> Any:
    program = _buyer(request)
    rows = program.payables.select_related("program__organization", "organization")
    return [_payable(p) for p in rows.order_by("due_date", "pk")[:5000]]


@router.get(
    "/receivables",
    response={200: list[PayableOut]},
    auth=ApplicantAuth(),
    url_name="bulk_receivables",
    summary="自社（仕入先）の支払企業に対する売掛金の一覧",
)
def receivables(request: HttpRequest) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]
    rows = Payable.objects.filter(organization=org).select_related(
        "program__organization", "organization"
    )
    return [_payable(p) for p in rows.order_by("due_date", "pk")[:5000]]


@router.get(
    "/receivables/{payable_id}/quote",
    response={200: QuoteOut, 404: ErrorOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="bulk_quote",
    summary="早期支払の見積り（割引料・お受取額・実質年率）",
)
def quote(request: HttpRequest, payable_id: Id) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]
    p = get_object_or_404(
        Payable.objects.select_related("program"), pk=payable_id, organization=org
    )
    q = services.quote(p)
    return {
        "payable_id": p.pk,
        "face": q.face,
        "days": q.days,
        "annual_rate": str(q.annual_rate),
        "discount": q.discount,
        "net": q.net,
        "apr": str(q.apr),
    }


@router.post(
    "/receivables/{payable_id}/early-payment",
    response={200: PayableOut, 404: ErrorOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="bulk_early_payment",
    summary="早期支払の申込み（見積りのお受取額を expected_net に。Idempotency-Key 必須）",
)
def early_payment(
    request: HttpRequest,
    payable_id: Id,
    payload: EarlyIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]
    p = get_object_or_404(Payable, pk=payable_id, organization=org)

    def call() -> tuple[int, dict[str, Any]]:
        done = services.request_early_payment(
            p,
            acting_user=request.user,  # type: ignore[arg-type]
            expected_net=payload.expected_net,
        )
        done = Payable.objects.select_related("program__organization", "organization").get(
            pk=done.pk
        )
        body = _payable(done)
        body["due_date"] = done.due_date.isoformat()
        return 200, body

    status, body = run_idempotent(
        user=request.user,
        scope=f"bulk_early:{payable_id}",
        key=idempotency_key,
        body=payload.dict(),
        call=call,
    )
    return Status(status, body)
