"""eKYC pages: the applicant's status and start form, the vendor webhook, the back office."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from urikake.accounts.access import staff, webhook
from urikake.accounts.roles import Capability
from urikake.applicants.access import applicant, current_organization
from urikake.connections import inbound
from urikake.domain.errors import DomainError
from urikake.integrations import connection_names
from urikake.integrations.ekyc.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from urikake.kyc import services
from urikake.kyc.forms import KycStartForm
from urikake.kyc.models import KycCheck, KycStatus

logger = logging.getLogger(__name__)

# What each status means for the applicant, and what to do next.
EXPLANATIONS = {
    KycStatus.NOT_STARTED: gettext_lazy(
        "資金化（売掛債権の買取）のお申込みの前に、代表者（個人事業主の方はご本人）の本人確認が必要です。"
        "氏名・生年月日を入力し、本人確認書類を撮影して送信してください。"
    ),
    KycStatus.PENDING: gettext_lazy(
        "本人確認書類を確認しています。通常は数分で完了します。"
        "このページは結果が届くと自動で更新されます。"
    ),
    KycStatus.VERIFIED: gettext_lazy(
        "本人確認が完了しました。資金化（売掛債権の買取）のお申込みができます。"
    ),
    KycStatus.REJECTED: gettext_lazy(
        "本人確認ができませんでした。下記の理由をご確認のうえ、もう一度お手続きください。"
    ),
    KycStatus.EXPIRED: gettext_lazy(
        "本人確認の有効期限（1年）が切れました。お申込みの前に、もう一度本人確認を行ってください。"
    ),
}


@applicant
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    """本人確認: the organisation's eKYC status; POST starts (or re-sends) a check."""
    organization = current_organization(request)
    assert organization is not None  # @applicant guarantees a membership
    form = KycStartForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "resend":
                check = services.resend_kyc(organization, acting_user=request.user)  # type: ignore[arg-type]
                _announce(request, check)
                return redirect("kyc:status")
            form = KycStartForm(request.POST, request.FILES)
            if form.is_valid():
                check = services.start_kyc(
                    organization,
                    acting_user=request.user,  # type: ignore[arg-type]
                    full_name=form.cleaned_data["full_name"],
                    birth_date=form.cleaned_data["birth_date"],
                    document_upload=form.cleaned_data["document"],
                )
                _announce(request, check)
                return redirect("kyc:status")
        except DomainError as exc:
            if exc.field and exc.field in form.fields:
                form.add_error(exc.field, exc.message_for(get_language()))
            else:
                messages.error(request, exc.message_for(get_language()))
    summary = services.kyc_summary(organization)
    return render(
        request,
        "kyc/status.html",
        {
            "organization": organization,
            "summary": summary,
            "check": summary.check,
            "explanation": EXPLANATIONS[summary.status],
            "can_resend": summary.can_resend(),
            "form": form if summary.can_start else None,
        },
        status=400 if form.errors else 200,
    )


def _announce(request: HttpRequest, check: KycCheck) -> None:
    if check.status == KycStatus.NOT_STARTED and check.vendor_error:
        messages.error(request, check.vendor_error)
    else:
        messages.success(
            request, _("本人確認の申請を受け付けました。結果が届くまでお待ちください。")
        )


# --- the vendor's webhook --------------------------------------------------------------------


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@webhook
@csrf_exempt  # the vendor has no CSRF token; the HMAC signature authenticates the call
@require_POST
def ekyc_webhook(request: HttpRequest) -> HttpResponse:
    """POST /webhooks/ekyc/: the vendor's signed ``check.completed`` event."""
    # 接続許可: the vendor's webhooks are an approved inbound connection (source IP, environment).
    if (refusal := inbound.refused(request, connection_names.EKYC_VENDOR)) is not None:
        return refusal
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > services.WEBHOOK_MAX_BODY_BYTES:  # refuse before reading it
        return _error(413, services.WebhookTooLarge.code, "本文が大きすぎます。")
    try:
        check = services.handle_webhook(
            body=request.body,
            timestamp_header=request.headers.get(TIMESTAMP_HEADER),
            signature_header=request.headers.get(SIGNATURE_HEADER),
        )
    except services.WebhookRejected as exc:
        logger.warning("eKYC webhook refused: %s %s", exc.status, exc.code)
        return _error(exc.status, exc.code, exc.message)
    return JsonResponse({"received": True, "status": check.status})


# --- back office -----------------------------------------------------------------------------


@staff(Capability.REVIEW_KYC)
@require_GET
def backoffice_list(request: HttpRequest) -> HttpResponse:
    """本人確認一覧: every check, newest first, filterable by status."""
    checks = (
        KycCheck.objects.select_related("organization")
        .defer("document", "full_name", "birth_date")
        .order_by("-submitted_at", "-pk")
    )
    selected = request.GET.get("status", "")
    if selected in KycStatus.values:
        checks = checks.filter(status=selected)
    page = Paginator(checks, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "kyc/backoffice_list.html",
        {"page": page, "statuses": KycStatus.choices, "selected": selected},
    )


@staff(Capability.REVIEW_KYC)
@require_GET
def backoffice_detail(request: HttpRequest, check_id: int) -> HttpResponse:
    check = get_object_or_404(
        KycCheck.objects.select_related("organization").defer("document"), pk=check_id
    )
    context: dict[str, Any] = {
        "check": check,
        "events": check.webhook_events.order_by("received_at"),
    }
    return render(request, "kyc/backoffice_detail.html", context)


_EXTENSIONS = {
    "application/pdf": "pdf",
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}


@staff(Capability.REVIEW_KYC)
@require_GET
def backoffice_document(request: HttpRequest, check_id: int) -> HttpResponse:
    """The decrypted identity document; each viewing leaves a ``kyc.document_viewed`` record."""
    check = get_object_or_404(KycCheck.objects.defer("document"), pk=check_id)
    if not check.has_document:
        raise Http404("no document stored for this check")
    content = services.open_document(check, acting_user=request.user)  # type: ignore[arg-type]
    response = HttpResponse(content, content_type=check.document_mime)
    ext = _EXTENSIONS.get(check.document_mime, "bin")
    response["Content-Disposition"] = f'inline; filename="kyc-{check.pk}.{ext}"'
    # Personal data: never kept by the browser or a proxy.
    response["Cache-Control"] = "no-store, private"
    return response
