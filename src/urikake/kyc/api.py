"""API routes of the kyc app (mounted at /api/kyc/)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from urikake.applicants.access import ApplicantAuth
from urikake.kyc import services
from urikake.kyc.models import KycStatus

router = Router(tags=["kyc"])


class KycStatusOut(Schema):
    status: str
    status_label: str
    reason: str
    expires_at: datetime | None
    can_apply: bool


@router.get(
    "/status",
    response=KycStatusOut,
    auth=ApplicantAuth(),
    summary="本人確認（eKYC）の状態",
    url_name="kyc_status",
)
def kyc_status(request: HttpRequest) -> KycStatusOut:
    organization = request.auth  # type: ignore[attr-defined]  # set by ApplicantAuth
    summary = services.kyc_summary(organization)
    check = summary.check
    return KycStatusOut(
        status=summary.status.value,
        status_label=str(summary.status.label),
        reason=check.reason if check and summary.status == KycStatus.REJECTED else "",
        expires_at=check.expires_at if check and summary.status != KycStatus.PENDING else None,
        can_apply=summary.status == KycStatus.VERIFIED,
    )
