"""Treasury JSON API (/api/treasury/): funding, payout batches, reconciliation.

Every call that moves money takes an ``Idempotency-Key`` header
(:mod:`urikake.idempotency.services`): a retry with the same key returns the first answer and
has no second effect. Staff operations need ``Capability.MANAGE_TREASURY``; applicants see
their own organisation's payouts only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Header, Router, Schema, Status

from urikake.accounts.api_auth import StaffAuth
from urikake.accounts.roles import Capability
from urikake.api_schemas import ErrorOut, Id
from urikake.applicants.access import ApplicantAuth, current_organization
from urikake.idempotency.services import run_idempotent
from urikake.receivables.models import FinancingApplication
from urikake.treasury import collections, payouts
from urikake.treasury import perfection as steps
from urikake.treasury.models import Deposit, Payout, PayoutBatch, Perfection
from urikake.treasury.positions import position_book

router = Router(tags=["treasury"])
_TREASURY = StaffAuth(Capability.MANAGE_TREASURY)


class PayoutOut(Schema):
    id: int
    application_id: int | None  # None: a loan draw (urikake.lending)
    kind: str
    amount: int
    requested_for: date
    status: str
    batch_id: int | None
    customer_code: str


class BatchOut(Schema):
    id: int
    value_date: date
    status: str
    total_count: int
    total_amount: int
    file_sha256: str
    filename: str
    prepared_by: str
    approved_by: str | None
    approved_at: str | None


class BatchIn(Schema):
    value_date: date | None = None


class ConfirmIn(Schema):
    purchase_ids: list[Id] = Field(..., max_length=1000)
    remember_payer: bool = True


class DepositOut(Schema):
    id: int
    value_date: date
    amount: int
    payer_kana: str
    status: str
    reason: str
    reason_ja: str
    proposal: dict[str, Any]


class PerfectionIn(Schema):
    step: (
        str  # notice_sent / notice_delivered / consent / filed / registered / extended / cancelled
    )
    certified_date: date | None = None
    on: date | None = None
    registration_number: str = ""
    expires_on: date | None = None


class PerfectionOut(Schema):
    application_id: int
    method: str
    stage: str
    certified_date: date | None
    delivered_on: date | None
    registration_number: str
    registration_expires_on: date | None
    funded_before_perfection: bool


def _payout(p: Payout) -> dict[str, Any]:
    return {
        "id": p.pk,
        "application_id": p.application_id,
        "kind": p.kind,
        "amount": p.amount,
        "requested_for": p.requested_for.isoformat(),
        "status": p.status,
        "batch_id": p.batch_id,
        "customer_code": p.customer_code,
    }


def _batch(b: PayoutBatch) -> dict[str, Any]:
    return {
        "id": b.pk,
        "value_date": b.value_date.isoformat(),
        "status": b.status,
        "total_count": b.total_count,
        "total_amount": b.total_amount,
        "file_sha256": b.file_sha256,
        "filename": b.filename,
        "prepared_by": b.preparer_label,
        "approved_by": f"user:{b.approved_by_id}" if b.approved_by_id else None,
        "approved_at": b.approved_at.isoformat() if b.approved_at else None,
    }


def _perfection(p: Perfection) -> dict[str, Any]:
    return {
        "application_id": p.application_id,
        "method": p.method,
        "stage": p.stage,
        "certified_date": p.certified_date,
        "delivered_on": p.delivered_on,
        "registration_number": p.registration_number,
        "registration_expires_on": p.registration_expires_on,
        "funded_before_perfection": p.funded_before_perfection,
    }


@router.post(
    "/applications/{application_id}/fund",
    response={200: PayoutOut, 404: ErrorOut, 422: ErrorOut},
    auth=_TREASURY,
    url_name="treasury_fund",
    summary="契約済み案件の買取と送金の予約（Idempotency-Key 必須）",
)
def fund(
    request: HttpRequest,
    application_id: Id,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    application = get_object_or_404(FinancingApplication, pk=application_id)

    def call() -> tuple[int, dict[str, Any]]:
        return 200, _payout(position_book().fund(application, acting_user=request.user))

    status, body = run_idempotent(
        user=request.user,
        scope=f"fund:{application_id}",
        key=idempotency_key,
        body={},
        call=call,
    )
    return Status(status, body)


@router.post(
    "/applications/{application_id}/perfection",
    response={200: PerfectionOut, 404: ErrorOut, 422: ErrorOut},
    auth=_TREASURY,
    url_name="treasury_perfection_step",
    summary="対抗要件の手続きを記録（通知発送・到達・承諾・登記申請・登記・延長・抹消）",
)
def perfection_step(request: HttpRequest, application_id: Id, payload: PerfectionIn) -> Any:
    application = get_object_or_404(FinancingApplication, pk=application_id)
    p = steps.open_perfection(application)
    p = steps.record_step(p, payload.dict(), acting_user=request.user)
    return Status(200, _perfection(p))


@router.get(
    "/payouts",
    response={200: list[PayoutOut]},
    auth=_TREASURY,
    url_name="treasury_payouts",
    summary="送金の一覧（status で絞り込み）",
)
def payout_list(request: HttpRequest, status: str | None = None) -> Any:
    rows = Payout.objects.order_by("-pk")
    if status:
        rows = rows.filter(status=status)
    return Status(200, [_payout(p) for p in rows[:500]])


@router.post(
    "/batches",
    response={200: BatchOut, 204: None, 422: ErrorOut},
    auth=_TREASURY,
    url_name="treasury_batch_create",
    summary="送金待ちから総合振込データを作成（Idempotency-Key 必須）",
)
def batch_create(
    request: HttpRequest,
    payload: BatchIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    def call() -> tuple[int, dict[str, Any]]:
        batch = payouts.build_batch(acting_user=request.user, value_date=payload.value_date)
        return (200, _batch(batch)) if batch else (204, {})

    status, body = run_idempotent(
        user=request.user,
        scope="batch",
        key=idempotency_key,
        body=payload.dict(),
        call=call,
    )
    return Status(status, body if status == 200 else None)


@router.post(
    "/batches/{batch_id}/approve",
    response={200: BatchOut, 404: ErrorOut, 422: ErrorOut},
    auth=_TREASURY,
    url_name="treasury_batch_approve",
    summary="総合振込データを承認する（作成者以外の資金管理担当者。Idempotency-Key 必須）",
)
def batch_approve(
    request: HttpRequest,
    batch_id: Id,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    return _batch_step(request, batch_id, idempotency_key, "approve", payouts.approve_batch)


@router.get(
    "/batches/{batch_id}",
    response={200: BatchOut, 404: ErrorOut},
    auth=_TREASURY,
    url_name="treasury_batch",
    summary="総合振込データ（作成者・承認者・状態）",
)
def batch_detail(request: HttpRequest, batch_id: Id) -> Any:
    return Status(200, _batch(get_object_or_404(PayoutBatch, pk=batch_id)))


@router.get(
    "/batches/{batch_id}/file",
    response={200: None, 404: ErrorOut, 422: ErrorOut},
    auth=_TREASURY,
    url_name="treasury_batch_file",
    summary="総合振込ファイル（承認済みのみ。保存されたバイト列そのもの）",
)
def batch_file(request: HttpRequest, batch_id: Id) -> HttpResponse:
    batch = get_object_or_404(PayoutBatch, pk=batch_id)
    content = payouts.released_file(batch)
    response = HttpResponse(content, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{batch.filename}"'
    return response


@router.post(
    "/batches/{batch_id}/sent",
    response={200: BatchOut, 404: ErrorOut, 422: ErrorOut},
    auth=_TREASURY,
    url_name="treasury_batch_sent",
    summary="銀行へ送信済みにする（元帳に計上。Idempotency-Key 必須）",
)
def batch_sent(
    request: HttpRequest,
    batch_id: Id,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    return _batch_step(request, batch_id, idempotency_key, "sent", payouts.mark_sent)


def _batch_step(
    request: HttpRequest,
    batch_id: int,
    idempotency_key: str | None,
    scope: str,
    step: Callable[..., PayoutBatch],
) -> Any:
    """One idempotent step of a batch's life (approve, sent) under its Idempotency-Key."""
    batch = get_object_or_404(PayoutBatch, pk=batch_id)

    def call() -> tuple[int, dict[str, Any]]:
        return 200, _batch(step(batch, acting_user=request.user))

    status, body = run_idempotent(
        user=request.user, scope=f"{scope}:{batch_id}", key=idempotency_key, body={}, call=call
    )
    return Status(status, body)


@router.get(
    "/deposits",
    response={200: list[DepositOut]},
    auth=_TREASURY,
    url_name="treasury_deposits",
    summary="入金と消込の状況（status で絞り込み）",
)
def deposit_list(request: HttpRequest, status: str | None = None) -> Any:
    rows = Deposit.objects.order_by("-value_date", "-pk")
    if status:
        rows = rows.filter(status=status)
    return Status(200, list(rows[:500]))


@router.post(
    "/reconciliation/run",
    response={200: dict[str, int]},
    auth=_TREASURY,
    url_name="treasury_reconcile_run",
    summary="未処理・該当なしの入金を自動消込（Idempotency-Key 必須）",
)
def reconcile_run(
    request: HttpRequest,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    def call() -> tuple[int, dict[str, Any]]:
        summary = collections.run_reconciliation(acting_user=request.user)
        return 200, {
            "auto": summary.auto,
            "suggested": summary.suggested,
            "unmatched": summary.unmatched,
        }

    status, body = run_idempotent(
        user=request.user, scope="reconcile", key=idempotency_key, body={}, call=call
    )
    return Status(status, body)


@router.post(
    "/deposits/{deposit_id}/confirm",
    response={200: DepositOut, 404: ErrorOut, 422: ErrorOut},
    auth=_TREASURY,
    url_name="treasury_deposit_confirm",
    summary="入金を選んだ買取債権に消込（担当者の確認。Idempotency-Key 必須）",
)
def deposit_confirm(
    request: HttpRequest,
    deposit_id: Id,
    payload: ConfirmIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # type: ignore[type-arg]
) -> Any:
    deposit = get_object_or_404(Deposit, pk=deposit_id)

    def call() -> tuple[int, dict[str, Any]]:
        done = collections.confirm_suggestion(
            deposit,
            purchase_ids=payload.purchase_ids,
            acting_user=request.user,
            remember_payer=payload.remember_payer,
        )
        return 200, DepositOut.from_orm(done).dict() | {"value_date": done.value_date.isoformat()}

    status, body = run_idempotent(
        user=request.user,
        scope=f"confirm:{deposit_id}",
        key=idempotency_key,
        body=payload.dict(),
        call=call,
    )
    return Status(status, body)


@router.get(
    "/my/payouts",
    response={200: list[PayoutOut]},
    auth=ApplicantAuth(),
    url_name="treasury_my_payouts",
    summary="自社への送金の一覧",
)
def my_payouts(request: HttpRequest) -> Any:
    org = current_organization(request)
    return Status(
        200,
        [
            _payout(p)
            for p in Payout.objects.filter(organization=org, debit_account="").order_by("-pk")
        ],
    )


__all__ = ["router"]
