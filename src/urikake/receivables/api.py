"""JSON API of the receivables context (mounted at /api/receivables/).

Applicants (``ApplicantAuth``: ``request.auth`` is their organisation) list their debtors and
invoices, register invoices, and create → submit → follow → accept financing applications.
Every query is scoped to the organisation: another organisation's application is a 404,
indistinguishable from a missing one. Bad input is a
:class:`~urikake.domain.errors.DomainError`, returned as ``{"error": {"code", "message",
"field"?}}`` with status 422; a rejected invoice lists every problem under ``problems``.

``POST /applications`` honours an ``Idempotency-Key`` header: the same key from the same
organisation returns the application the first request created (200) instead of creating
another. The key is stored on the application under a unique constraint, so concurrent
retries and crashes cannot create two; a retry with another body is refused.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status

from urikake.accounts.models import User
from urikake.api_schemas import ErrorOut, Id, Offset, PageLimit, StrictId, Yen
from urikake.applicants.access import ApplicantAuth
from urikake.applicants.models import Organization
from urikake.domain.applications import ApplicationStatus
from urikake.domain.assignment_clauses import ClauseStatus, clause_status
from urikake.domain.errors import DomainError
from urikake.domain.invoices import InvoiceData, TaxBreakdown
from urikake.domain.money import rate
from urikake.idempotency.services import run_idempotent
from urikake.receivables import services
from urikake.receivables.models import (
    Debtor,
    FinancingApplication,
    Invoice,
    InvoiceAssignmentClause,
)
from urikake.receivables.reasons import applicant_reasons

router = Router(tags=["receivables"])

MAX_IDEMPOTENCY_KEY = 255


# --- schemas -------------------------------------------------------------------------------


class DebtorOut(Schema):
    id: int
    name: str
    name_kana: str
    corporate_number: str
    address: str


class TaxBreakdownIn(Schema):
    rate: str = Field(..., description="税率（文字列の小数: 0.10 / 0.08）")
    taxable_amount: Yen
    tax_amount: Yen


class TaxBreakdownOut(Schema):
    rate: str
    taxable_amount: int
    tax_amount: int


class InvoiceIn(Schema):
    debtor: StrictId
    invoice_number: str
    issue_date: date
    due_date: date
    total_amount: Yen
    issuer_registration_number: str = ""
    tax_breakdown: list[TaxBreakdownIn] = []


class InvoiceOut(Schema):
    id: int
    debtor: int
    debtor_name: str
    invoice_number: str
    issue_date: date
    due_date: date
    total_amount: int
    issuer_registration_number: str
    tax_breakdown: list[TaxBreakdownOut]
    source: str
    status: str
    assignment_clause: str = Field(
        ..., description="譲渡禁止・制限特約: absent / restricted / released"
    )
    created_at: datetime


class ApplicationIn(Schema):
    product: str
    invoice_ids: list[StrictId] = Field(..., max_length=100)
    requested_amount: Yen | None = None
    plan_id: StrictId | None = Field(
        None, description="プラン（省略時は金額に合うプランを自動で適用）"
    )


class ReasonOut(Schema):
    invoice: int | None = None
    code: str
    message: str


class FeeLineOut(Schema):
    label: str
    amount: int | None
    note: str = ""


class OfferLineOut(Schema):
    """One invoice's priced line; ``invoice_id`` names the invoice (None only in offers made
    before lines carried it and not matched since)."""

    invoice_id: int | None = None
    product: str
    grade: str
    face_amount: int
    fee_rate: str = Field(..., description="手数料率（文字列の小数）")
    advance_rate: str
    advance_amount: int
    fee: int
    admin_fee: int
    net_payout: int
    holdback: int
    payout_date: date
    due_date: date
    settlement_date: date
    days: int
    apr: str
    expires_on: date
    breakdown: list[FeeLineOut]


class OfferOut(Schema):
    face_amount: int
    advance_amount: int
    fee: int
    admin_fee: int
    net_payout: int
    holdback: int
    payout_date: date
    expires_on: date
    invoices: list[OfferLineOut]


class ApplicationOut(Schema):
    id: int
    status: str
    status_label: str
    product: str
    plan_id: int | None
    requested_amount: int
    invoice_ids: list[int]
    submitted_at: datetime | None
    decided_at: datetime | None
    outcome: str | None
    reasons: list[ReasonOut]
    offer: OfferOut | None
    offer_expires_on: date | None


# --- helpers -------------------------------------------------------------------------------


def _org(request: HttpRequest) -> Organization:
    org: Organization = request.auth  # type: ignore[attr-defined]  # set by ApplicantAuth
    return org


def _user(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


def _not_found(what: str = "application") -> Status[dict[str, Any]]:
    return Status(404, {"error": {"code": f"{what}.not_found", "message": "見つかりません。"}})


def _debtor_out(d: Debtor) -> dict[str, Any]:
    return {
        "id": d.pk,
        "name": d.name,
        "name_kana": d.name_kana,
        "corporate_number": d.corporate_number,
        "address": d.address,
    }


def _clause_status(inv: Invoice) -> ClauseStatus:
    try:
        clause = inv.assignment_clause
    except InvoiceAssignmentClause.DoesNotExist:
        clause = None
    return clause_status(has_clause=clause is not None, released=bool(clause and clause.released))


def _invoice_out(inv: Invoice) -> dict[str, Any]:
    return {
        "id": inv.pk,
        "debtor": inv.debtor_id,
        "debtor_name": inv.debtor.name,
        "invoice_number": inv.invoice_number,
        "issue_date": inv.issue_date,
        "due_date": inv.due_date,
        "total_amount": inv.total_amount,
        "issuer_registration_number": inv.issuer_registration_number,
        "tax_breakdown": [
            {"rate": t["rate"], "taxable_amount": t["taxable"], "tax_amount": t["tax"]}
            for t in inv.tax_breakdown
        ],
        "source": inv.source,
        "status": inv.status,
        "assignment_clause": _clause_status(inv).value,
        "created_at": inv.created_at,
    }


def _application_out(app: FinancingApplication) -> dict[str, Any]:
    result = app.screening_result or {}
    # The page's sentences, each with a code an applicant may read (urikake.receivables.reasons).
    reasons = [
        {"invoice": r.invoice, "code": r.code, "message": r.message} for r in applicant_reasons(app)
    ]
    status = ApplicationStatus(app.status)
    return {
        "id": app.pk,
        "status": status.value,
        "status_label": status.label,
        "product": app.product,
        "plan_id": app.plan_version.plan_id if app.plan_version else None,
        "requested_amount": app.requested_amount,
        "invoice_ids": sorted(inv.pk for inv in app.invoices.all()),
        "submitted_at": app.submitted_at,
        "decided_at": app.decided_at,
        "outcome": result.get("outcome"),
        "reasons": reasons,
        "offer": app.offer or None,
        "offer_expires_on": app.offer_expires_on,
    }


def _fresh(application: FinancingApplication) -> dict[str, Any]:
    """The application as stored now (after a service changed it), for the response."""
    reloaded = (
        FinancingApplication.objects.select_related("plan_version")
        .prefetch_related("invoices")
        .get(pk=application.pk)
    )
    return _application_out(reloaded)


def _owned_application(org: Organization, application_id: int) -> FinancingApplication | None:
    return (
        FinancingApplication.objects.filter(organization=org, pk=application_id)
        .prefetch_related("invoices")
        .first()
    )


# --- debtors and invoices ------------------------------------------------------------------


@router.get(
    "/debtors",
    response=list[DebtorOut],
    auth=ApplicantAuth(),
    url_name="receivables_debtors",
    summary="売掛先の一覧",
)
def list_debtors(request: HttpRequest) -> list[dict[str, Any]]:
    debtors = Debtor.objects.filter(organization=_org(request)).order_by("name", "id")
    return [_debtor_out(d) for d in debtors]


@router.get(
    "/invoices",
    response={200: list[InvoiceOut], 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="receivables_invoices",
    summary="請求書の一覧（新しい順）",
)
def list_invoices(
    request: HttpRequest, status: str = "", limit: PageLimit = 100, offset: Offset = 0
) -> Any:
    if status and status not in Invoice.Status.values:
        raise DomainError("invoice.status", "状態の指定が正しくありません。", field="status")
    invoices = Invoice.objects.filter(organization=_org(request)).select_related(
        "debtor", "assignment_clause"
    )
    if status:
        invoices = invoices.filter(status=status)
    page = invoices.order_by("-created_at", "-id")[offset : offset + limit]
    return [_invoice_out(inv) for inv in page]


@router.post(
    "/invoices",
    response={201: InvoiceOut, 404: ErrorOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="receivables_invoice_create",
    summary="請求書の登録（すべての問題をまとめて返します）",
)
def create_invoice(request: HttpRequest, payload: InvoiceIn) -> Any:
    org = _org(request)
    # The debtor's identity gives the invoice's fingerprint (services.invoice_debtor_key).
    debtor = (
        Debtor.objects.filter(organization=org, pk=payload.debtor)
        .select_related("identity")
        .first()
    )
    if debtor is None:
        raise DomainError("invoice.debtor_unknown", "売掛先が見つかりません。", field="debtor")
    data = InvoiceData(
        issuer_name=org.name,
        debtor_name=debtor.name,
        invoice_number=payload.invoice_number,
        issue_date=payload.issue_date,
        due_date=payload.due_date,
        total_amount=payload.total_amount,
        issuer_registration_number=payload.issuer_registration_number.strip().upper(),
        debtor_corporate_number=debtor.corporate_number,
        tax_breakdown=tuple(
            TaxBreakdown(
                rate(t.rate, field=f"tax_breakdown[{i}].rate"), t.taxable_amount, t.tax_amount
            )
            for i, t in enumerate(payload.tax_breakdown)
        ),
    )
    try:
        invoice = services.register_invoice(
            org, data, acting_user=_user(request), debtor=debtor, source="form"
        )
    except services.InvoiceRejected as exc:
        return Status(
            422,
            {
                "error": {
                    "code": exc.code,
                    "message": exc.message,
                    "problems": [
                        {"code": p.code, "message": p.message, "field": p.field}
                        for p in exc.problems
                    ],
                }
            },
        )
    invoice.debtor = debtor
    return Status(201, _invoice_out(invoice))


# --- applications --------------------------------------------------------------------------


def _request_digest(payload: ApplicationIn) -> str:
    body: dict[str, Any] = {
        "product": payload.product,
        "invoice_ids": sorted(payload.invoice_ids),
        "requested_amount": payload.requested_amount,
    }
    if payload.plan_id is not None:
        body["plan_id"] = payload.plan_id
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _replay(org: Organization, application: FinancingApplication, digest: str) -> Any:
    if application.request_digest != digest:
        raise DomainError(
            "idempotency.mismatch",
            "同じ Idempotency-Key で異なる内容の申込みが送信されました。",
            field="Idempotency-Key",
        )
    return Status(200, _application_out(application))


def _create_and_submit(
    org: Organization, user: User, payload: ApplicationIn, *, key: str = "", digest: str = ""
) -> FinancingApplication:
    ids = set(payload.invoice_ids)
    invoices = list(Invoice.objects.filter(organization=org, pk__in=ids).order_by("pk"))
    if len(invoices) != len(ids):
        raise DomainError(
            "application.invoice_unknown", "請求書が見つかりません。", field="invoice_ids"
        )
    # One transaction: a refused submission (e.g. eKYC not verified) leaves no draft behind;
    # the screening task is enqueued when it commits.
    with transaction.atomic():
        application = services.create_application(
            org,
            acting_user=user,
            product=payload.product,
            invoices=invoices,
            requested_amount=payload.requested_amount,
            idempotency_key=key,
            request_digest=digest,
            plan_id=payload.plan_id,
            amount_field="invoice_ids",
        )
        return services.submit_application(application, acting_user=user, invoices_checked=True)


@router.post(
    "/applications",
    response={200: ApplicationOut, 201: ApplicationOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="receivables_application_create",
    summary="資金化の申込み（作成して審査へ送信。Idempotency-Key 対応）",
)
def create_application(
    request: HttpRequest,
    payload: ApplicationIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    org = _org(request)
    user = _user(request)
    if not idempotency_key:
        application = _create_and_submit(org, user, payload)
        return Status(201, _fresh(application))
    if len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        raise DomainError(
            "idempotency.key_too_long",
            f"Idempotency-Key は{MAX_IDEMPOTENCY_KEY}文字以内で指定してください。",
            field="Idempotency-Key",
        )
    digest = _request_digest(payload)
    existing = FinancingApplication.objects.filter(
        organization=org, idempotency_key=idempotency_key
    ).first()
    if existing is not None:
        return _replay(org, existing, digest)
    try:
        application = _create_and_submit(org, user, payload, key=idempotency_key, digest=digest)
    except IntegrityError:
        # A concurrent request with the same key committed first (the unique constraint
        # waited for it): answer with its application.
        first = FinancingApplication.objects.get(organization=org, idempotency_key=idempotency_key)
        return _replay(org, first, digest)
    except DomainError as exc:
        # Or it committed while this one waited on the invoices' rows, and now holds them.
        holder = FinancingApplication.objects.filter(
            organization=org, idempotency_key=idempotency_key
        ).first()
        if exc.code != "invoice.encumbered" or holder is None:
            raise
        return _replay(org, holder, digest)
    return Status(201, _fresh(application))


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationOut, 404: ErrorOut},
    auth=ApplicantAuth(),
    url_name="receivables_application_detail",
    summary="申込みの状態・審査結果・提示条件",
)
def application_detail(request: HttpRequest, application_id: Id) -> Any:
    application = _owned_application(_org(request), application_id)
    if application is None:
        return _not_found()
    return Status(200, _application_out(application))


@router.post(
    "/applications/{application_id}/accept",
    response={200: ApplicationOut, 404: ErrorOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="receivables_application_accept",
    summary="提示条件の承諾",
)
def accept_application(
    request: HttpRequest,
    application_id: Id,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    """With an ``Idempotency-Key`` a retried acceptance returns the first answer (the offer
    was accepted once); without one, a second acceptance is refused as an illegal move."""
    org = _org(request)
    application = _owned_application(org, application_id)
    if application is None:
        return _not_found()
    user = _user(request)

    def call() -> tuple[int, dict[str, Any]]:
        accepted = services.accept_offer(application, acting_user=user)
        return 200, json.loads(ApplicationOut(**_fresh(accepted)).model_dump_json())

    if not idempotency_key:
        return Status(200, _fresh(services.accept_offer(application, acting_user=user)))
    status, body = run_idempotent(
        user=user,
        scope=f"accept:{application_id}",
        key=idempotency_key,
        body={},
        call=call,
    )
    return Status(status, body)
