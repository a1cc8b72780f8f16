"""JSON API of 保証ファクタリング (mounted at /api/guarantees/).

Applicants (``ApplicantAuth``: ``request.auth`` is their organisation) apply, follow their
guarantees and file claims with evidence (base64); another organisation's guarantee is a 404.
Staff pay a claim and record a premium payment — both move money, so both require an
``Idempotency-Key`` header (``urikake.idempotency``: a retry returns the first answer).
"""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Header, Router, Schema, Status

from urikake.accounts.api_auth import StaffAuth
from urikake.accounts.roles import Capability
from urikake.api_schemas import ErrorOut, Id, StrictId, Yen
from urikake.applicants.access import ApplicantAuth
from urikake.applicants.models import Organization
from urikake.domain.errors import DomainError
from urikake.domain.guarantees import MAX_EVIDENCE_BYTES
from urikake.guarantees import services
from urikake.guarantees.models import Claim, GuaranteeContract, GuaranteedReceivable
from urikake.idempotency.api import money_step
from urikake.receivables.models import Debtor, Invoice

router = Router(tags=["guarantees"])
_REVIEW = StaffAuth(Capability.REVIEW_APPLICATIONS)
_TREASURY = StaffAuth(Capability.MANAGE_TREASURY)
#: base64 of the 10 MB evidence limit, rounded up.
_MAX_EVIDENCE_B64 = (MAX_EVIDENCE_BYTES * 4) // 3 + 8


class ClaimOut(Schema):
    id: int
    code: str
    receivable_id: int
    default_on: date
    unpaid_amount: int
    payable_from: date
    status: str
    status_label: str
    paid_amount: int
    recovered: int


class GuaranteeOut(Schema):
    id: int
    code: str
    scheme: str
    scheme_label: str
    status: str
    status_label: str
    debtor_id: int
    invoice_id: int | None
    requested_amount: int
    amount: int | None
    premium_rate: str | None
    premium_basis: str
    premium_charged: int
    premium_paid: int
    coverage_left: int
    waiting_days: int
    period_start: date
    period_end: date
    claims: list[ClaimOut]


class GuaranteeApplyIn(Schema):
    scheme: str = Field(..., max_length=20)
    debtor_id: StrictId
    invoice_id: StrictId | None = None
    requested_amount: Yen
    period_start: date
    period_end: date


class ClaimIn(Schema):
    receivable_id: StrictId
    default_on: date
    unpaid_amount: Yen
    reason: str = Field(..., min_length=1, max_length=2000)
    evidence_name: str = Field(..., min_length=1, max_length=255)
    evidence_base64: str = Field(..., min_length=4, max_length=_MAX_EVIDENCE_B64)


class PayIn(Schema):
    comment: str = Field("", max_length=2000)


class PremiumIn(Schema):
    amount: Yen
    received_on: date
    reference: str = Field(..., max_length=60)


def _claim(c: Claim) -> dict[str, Any]:
    status, label = services.claim_state(c)
    return {
        "id": c.pk,
        "code": c.code,
        "receivable_id": c.receivable_id,
        "default_on": c.default_on,
        "unpaid_amount": c.unpaid_amount,
        "payable_from": c.payable_from,
        "status": status,
        "status_label": label,
        "paid_amount": c.paid_amount,
        "recovered": c.recovered,
    }


def _guarantee(g: GuaranteeContract) -> dict[str, Any]:
    return {
        "id": g.pk,
        "code": g.code,
        "scheme": g.scheme,
        "scheme_label": g.get_scheme_display(),
        "status": g.status,
        "status_label": g.get_status_display(),
        "debtor_id": g.debtor_id,
        "invoice_id": g.invoice_id,
        "requested_amount": g.requested_amount,
        "amount": g.amount,
        "premium_rate": str(g.premium_rate) if g.premium_rate is not None else None,
        "premium_basis": g.premium_basis,
        "premium_charged": g.premium_charged,
        "premium_paid": g.premium_paid,
        "coverage_left": services.coverage_left(g) if g.amount else 0,
        "waiting_days": g.waiting_days,
        "period_start": g.period_start,
        "period_end": g.period_end,
        "claims": [_claim(c) for c in g.claims.select_related("payout").order_by("pk")],
    }


@router.get(
    "/guarantees",
    response=list[GuaranteeOut],
    auth=ApplicantAuth(),
    url_name="guarantees_list",
    summary="自社の保証（申込み・保証中・請求）",
)
def my_guarantees(request: HttpRequest) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]  # set by ApplicantAuth
    return [_guarantee(g) for g in GuaranteeContract.objects.filter(organization=org)[:500]]


@router.post(
    "/guarantees",
    response={201: GuaranteeOut, 200: GuaranteeOut, 404: ErrorOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="guarantees_apply",
    summary="保証の申込み（個別保証は請求書を指定、根保証は売掛先のみ。Idempotency-Key 可）",
)
def apply(
    request: HttpRequest,
    payload: GuaranteeApplyIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]
    key = (idempotency_key or "")[:255]
    if key:
        existing = GuaranteeContract.objects.filter(organization=org, idempotency_key=key).first()
        if existing is not None:
            return Status(200, _guarantee(existing))
    debtor = get_object_or_404(Debtor, pk=payload.debtor_id, organization=org)
    invoice = None
    if payload.invoice_id is not None:
        invoice = get_object_or_404(Invoice, pk=payload.invoice_id, organization=org)
    contract = services.apply(
        org,
        acting_user=request.user,  # type: ignore[arg-type]
        scheme=payload.scheme,
        debtor=debtor,
        invoice=invoice,
        requested_amount=payload.requested_amount,
        period_start=payload.period_start,
        period_end=payload.period_end,
        idempotency_key=key,
    )
    return Status(201, _guarantee(contract))


@router.get(
    "/guarantees/{guarantee_id}",
    response={200: GuaranteeOut, 404: ErrorOut},
    auth=ApplicantAuth(),
    url_name="guarantees_detail",
    summary="自社の保証の状況（保証料・補償枠・請求）",
)
def my_guarantee(request: HttpRequest, guarantee_id: Id) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]
    return _guarantee(get_object_or_404(GuaranteeContract, pk=guarantee_id, organization=org))


@router.post(
    "/guarantees/{guarantee_id}/claims",
    response={201: ClaimOut, 404: ErrorOut, 422: ErrorOut},
    auth=ApplicantAuth(),
    url_name="guarantees_claim",
    summary="保証履行の請求（証拠書類は PDF・PNG・JPEG を base64 で、10MBまで）",
)
def file_claim(request: HttpRequest, guarantee_id: Id, payload: ClaimIn) -> Any:
    org: Organization = request.auth  # type: ignore[attr-defined]
    contract = get_object_or_404(GuaranteeContract, pk=guarantee_id, organization=org)
    receivable = get_object_or_404(
        GuaranteedReceivable, pk=payload.receivable_id, contract=contract
    )
    try:
        evidence = base64.b64decode(payload.evidence_base64, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(
            "guarantee.evidence_base64",
            "証拠書類をbase64で指定してください。",
            field="evidence_base64",
        ) from None
    claim = services.file_claim(
        receivable,
        default_on=payload.default_on,
        unpaid_amount=payload.unpaid_amount,
        reason=payload.reason,
        evidence_name=payload.evidence_name,
        evidence=evidence,
        acting_user=request.user,  # type: ignore[arg-type]
    )
    return Status(201, _claim(claim))


@router.post(
    "/staff/claims/{claim_id}/pay",
    response={200: ClaimOut, 404: ErrorOut, 422: ErrorOut},
    auth=_REVIEW,
    url_name="guarantees_pay_claim",
    summary="保証履行（待機期間後、補償の範囲で支払い債権を譲受け。Idempotency-Key 必須）",
)
def pay_claim(
    request: HttpRequest,
    claim_id: Id,
    payload: PayIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    claim = get_object_or_404(Claim, pk=claim_id)
    return money_step(
        request,
        scope=f"guarantee_claim_pay:{claim_id}",
        key=idempotency_key,
        payload=payload,
        step=lambda: _claim(
            services.pay_claim(claim, acting_user=request.user, comment=payload.comment)  # type: ignore[arg-type]
        ),
    )


@router.post(
    "/staff/guarantees/{guarantee_id}/premium-payments",
    response={200: GuaranteeOut, 404: ErrorOut, 422: ErrorOut},
    auth=_TREASURY,
    url_name="guarantees_premium_paid",
    summary="保証料の入金を記録（Idempotency-Key 必須）",
)
def premium_paid(
    request: HttpRequest,
    guarantee_id: Id,
    payload: PremiumIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    contract = get_object_or_404(GuaranteeContract, pk=guarantee_id)

    def step() -> dict[str, Any]:
        updated = services.record_premium_payment(
            contract,
            amount=payload.amount,
            received_on=payload.received_on,
            reference=payload.reference,
            acting_user=request.user,
        )
        return _guarantee(updated)

    return money_step(
        request,
        scope=f"guarantee_premium:{guarantee_id}",
        key=idempotency_key,
        payload=payload,
        step=step,
    )
