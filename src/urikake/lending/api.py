"""JSON API of receivables-backed loans (mounted at /api/lending/).

Applicants (``ApplicantAuth``: ``request.auth`` is their organisation) apply and follow their
loans; another organisation's loan is a 404. Staff with the treasury capability draw and
record repayments — both move money, so both require an ``Idempotency-Key`` header
(``urikake.idempotency``: a retry returns the first answer, another body with the same key is
refused). Amounts are bounded yen (``api_schemas.Yen``); the services check the real limits.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Header, Router, Schema, Status

from urikake.accounts.api_auth import StaffAuth
from urikake.accounts.roles import Capability
from urikake.api_schemas import ErrorOut, Id, StrictId, Yen
from urikake.applicants.access import ApplicantAuth
from urikake.applicants.models import Organization
from urikake.domain.errors import DomainError
from urikake.idempotency.api import money_step
from urikake.lending import services
from urikake.lending.models import BalanceReport, Collateral, LoanFacility
from urikake.receivables.models import Invoice

router = Router(tags=["lending"])
_TREASURY = StaffAuth(Capability.MANAGE_TREASURY)
_READ = StaffAuth(Capability.MANAGE_TREASURY, Capability.REVIEW_APPLICATIONS)


class BoundOut(Schema):
    kind: str
    amount: int
    reason: str


class LoanOut(Schema):
    id: int
    code: str
    scheme: str
    scheme_label: str
    guarantee_scheme: str
    status: str
    status_label: str
    requested_amount: int
    amount: int | None
    interest_rate: str | None
    guarantee_fee: int
    period_start: date | None
    period_end: date | None
    bounds: list[BoundOut]
    collateral_value: int
    outstanding: int
    available: int
    shortfall: int
    interest_due: int


class ApplyIn(Schema):
    scheme: str = Field(..., max_length=20)
    guarantee_scheme: str = Field(..., max_length=40)
    requested_amount: Yen
    purpose: str = Field(..., max_length=300)
    invoice_ids: list[StrictId] = Field(..., min_length=1, max_length=100)


class DrawIn(Schema):
    amount: Yen


class DrawOut(Schema):
    id: int
    number: int
    amount: int
    guarantee_fee: int
    payout_id: int
    payout_amount: int
    drawn_on: date


class RepaymentIn(Schema):
    amount: Yen
    received_on: date
    source: str = Field(..., max_length=12)
    reference: str = Field(..., max_length=60)
    collateral_id: StrictId | None = None


class RepaymentOut(Schema):
    id: int
    amount: int
    interest: int
    principal: int
    surplus: int


class ReportOut(Schema):
    id: int
    loan_id: int
    period_end: date
    deadline: date
    status: str
    overdue: bool
    total_balance: int
    total_collateral_value: int
    outstanding_principal: int


def _loan(f: LoanFacility) -> dict[str, Any]:
    base = services.borrowing_base(f)
    return {
        "id": f.pk,
        "code": f.code,
        "scheme": f.scheme,
        "scheme_label": f.get_scheme_display(),
        "guarantee_scheme": f.guarantee_scheme,
        "status": f.status,
        "status_label": f.get_status_display(),
        "requested_amount": f.requested_amount,
        "amount": f.amount,
        "interest_rate": str(f.interest_rate) if f.interest_rate is not None else None,
        "guarantee_fee": f.guarantee_fee,
        "period_start": f.period_start,
        "period_end": f.period_end,
        "bounds": f.bounds,
        "collateral_value": base.collateral_value,
        "outstanding": base.outstanding,
        "available": base.available,
        "shortfall": base.shortfall,
        "interest_due": services.interest_due(f),
    }


def _report(r: BalanceReport) -> dict[str, Any]:
    return {
        "id": r.pk,
        "loan_id": r.facility_id,
        "period_end": r.period_end,
        "deadline": r.deadline,
        "status": r.status,
        "overdue": services.is_overdue(r),
        "total_balance": r.total_balance,
        "total_collateral_value": r.total_collateral_value,
        "outstanding_principal": r.outstanding_principal,
    }


@router.get(
    "/loans",
    response=list[LoanOut],
    auth=ApplicantAuth(),
    url_name="lending_loans",
    summary="自社の融資（申込み・借入極度額・残高）",
)
def my_loans(request: HttpRequest) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]  # set by ApplicantAuth
    return [_loan(f) for f in LoanFacility.objects.filter(organization=org)[:500]]


@router.post(
    "/loans",
    response={201: LoanOut, 200: LoanOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="lending_apply",
    summary="融資の申込み（個別保証・根保証、担保の請求書を指定。Idempotency-Key 可）",
)
def apply(
    request: HttpRequest,
    payload: ApplyIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]
    key = (idempotency_key or "")[:255]
    if key:
        existing = LoanFacility.objects.filter(organization=org, idempotency_key=key).first()
        if existing is not None:
            return Status(200, _loan(existing))
    invoices = list(Invoice.objects.filter(organization=org, pk__in=payload.invoice_ids))
    if len(invoices) != len(set(payload.invoice_ids)):
        raise DomainError(
            "lending.invoice_unknown", "請求書が見つかりません。", field="invoice_ids"
        )
    facility = services.apply_for_loan(
        org,
        acting_user=request.user,  # type: ignore[arg-type]
        scheme=payload.scheme,
        guarantee_scheme=payload.guarantee_scheme,
        requested_amount=payload.requested_amount,
        purpose=payload.purpose,
        invoices=invoices,
        idempotency_key=key,
    )
    return Status(201, _loan(facility))


@router.get(
    "/loans/{loan_id}",
    response={200: LoanOut, 404: ErrorOut},
    auth=ApplicantAuth(),
    url_name="lending_loan",
    summary="自社の融資の状況（担保価値・借入可能額・担保不足）",
)
def my_loan(request: HttpRequest, loan_id: Id) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]
    return _loan(get_object_or_404(LoanFacility, pk=loan_id, organization=org))


@router.post(
    "/staff/loans/{loan_id}/draws",
    response={200: DrawOut, 404: ErrorOut, 422: ErrorOut},
    auth=_TREASURY,
    url_name="lending_draw",
    summary="融資の実行（送金は総合振込の承認後。Idempotency-Key 必須）",
)
def draw(
    request: HttpRequest,
    loan_id: Id,
    payload: DrawIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    facility = get_object_or_404(LoanFacility, pk=loan_id)

    def step() -> dict[str, Any]:
        d = services.draw(facility, amount=payload.amount, acting_user=request.user)
        return {
            "id": d.pk,
            "number": d.number,
            "amount": d.amount,
            "guarantee_fee": d.guarantee_fee,
            "payout_id": d.payout_id,
            "payout_amount": d.payout.amount,
            "drawn_on": d.drawn_on,
        }

    return money_step(
        request, scope=f"loan_draw:{loan_id}", key=idempotency_key, payload=payload, step=step
    )


@router.post(
    "/staff/loans/{loan_id}/repayments",
    response={200: RepaymentOut, 404: ErrorOut, 422: ErrorOut},
    auth=_TREASURY,
    url_name="lending_repayment",
    summary="指定口座・返済専用口座への入金を返済に充当（Idempotency-Key 必須）",
)
def repayment(
    request: HttpRequest,
    loan_id: Id,
    payload: RepaymentIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    facility = get_object_or_404(LoanFacility, pk=loan_id)
    collateral = None
    if payload.collateral_id is not None:
        collateral = get_object_or_404(Collateral, pk=payload.collateral_id, facility=facility)

    def step() -> dict[str, Any]:
        r = services.record_repayment(
            facility,
            amount=payload.amount,
            received_on=payload.received_on,
            source=payload.source,
            reference=payload.reference,
            collateral=collateral,
            acting_user=request.user,
        )
        return {
            "id": r.pk,
            "amount": r.amount,
            "interest": r.interest,
            "principal": r.principal,
            "surplus": r.surplus,
        }

    return money_step(
        request,
        scope=f"loan_repayment:{loan_id}",
        key=idempotency_key,
        payload=payload,
        step=step,
    )


@router.get(
    "/staff/reports",
    response=list[ReportOut],
    auth=_READ,
    url_name="lending_reports",
    summary="提出待ち・期限超過の残高報告",
)
def reports_due(request: HttpRequest) -> Any:
    due = BalanceReport.objects.filter(status=BalanceReport.Status.DUE).order_by("deadline")
    today = timezone.localdate()
    return [{**_report(r), "overdue": services.is_overdue(r, today)} for r in due[:500]]
