"""Applicant pages: review a deal's contract documents, sign them, download the PDFs.

Signing needs a recent re-authentication (allauth, ACCOUNT_REAUTHENTICATION_TIMEOUT): the
sign page itself redirects to the password prompt and back, so the applicant sees the
documents' numbers and SHA-256 values right before agreeing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Any

from allauth.account.decorators import reauthentication_required
from allauth.core.exceptions import ReauthenticationRequired
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from urikake.accounts.models import User
from urikake.applicants.access import applicant, current_organization, owned_or_404
from urikake.applicants.models import Membership
from urikake.contracts import services
from urikake.contracts.models import ContractDocument, ContractSignature
from urikake.domain.applications import ApplicationStatus
from urikake.domain.errors import DomainError
from urikake.receivables.models import FinancingApplication


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _is_owner(request: HttpRequest) -> bool:
    org = current_organization(request)
    return Membership.objects.filter(
        user=_user(request), organization=org, is_active=True, role=Membership.Role.OWNER
    ).exists()


def _client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR (the proxy in front sets it; we do not trust X-Forwarded-For here)."""
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _reauthenticated_at(request: HttpRequest) -> dt.datetime | None:
    """When the password was last re-entered in this session (allauth's records)."""
    records = request.session.get("account_authentication_methods") or []
    times: list[float] = [
        float(r["at"])
        for r in records
        if isinstance(r, dict) and r.get("reauthenticated") and isinstance(r.get("at"), int | float)
    ]
    return dt.datetime.fromtimestamp(max(times), tz=dt.UTC) if times else None


def _load(request: HttpRequest, application_id: int) -> FinancingApplication:
    return owned_or_404(
        request,
        FinancingApplication.objects.select_related("organization"),
        pk=application_id,
    )


STATE_LABELS = {
    "signed": gettext_lazy("締結済み"),
    "awaiting_signature": gettext_lazy("署名待ち"),
    "not_signed": gettext_lazy("未締結"),
}


@applicant
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse:
    """契約書の一覧: every deal with contract documents, its state and the PDFs (signed when
    signed)."""
    org = current_organization(request)
    assert org is not None
    rows = [
        (row, STATE_LABELS[row.state], _debtors(row.application))
        for row in services.contracts_of(org.pk)
    ]
    return render(request, "contracts/list.html", {"rows": rows})


def _debtors(application: FinancingApplication) -> str:
    return "、".join(sorted({inv.debtor.name for inv in application.invoices.all()}))


@applicant(owned_kwarg="application_id", owned_object="application")
def detail(request: HttpRequest, application_id: int) -> HttpResponse:
    """The deal's documents (read only). Accepting the offer prepares them; a POST prepares
    those of an application accepted before that (idempotent)."""
    application = _load(request, application_id)
    status = ApplicationStatus(application.status)
    if request.method == "POST":
        try:
            services.prepare_contracts(application, acting_user=_user(request))
        except DomainError as exc:
            messages.error(request, exc.message_for(get_language()))
        return redirect("contracts:detail", application_id=application.pk)
    documents = services.documents_of(application)
    signature = ContractSignature.objects.filter(application=application).first()
    return render(
        request,
        "contracts/detail.html",
        {
            "application": application,
            "status": status,
            "documents": documents,
            "signature": signature,
            "offer": application.offer,
            "can_sign": bool(
                documents
                and signature is None
                and status is ApplicationStatus.ACCEPTED
                and _is_owner(request)
            ),
            "is_owner": _is_owner(request),
            "can_prepare": not documents and status is ApplicationStatus.ACCEPTED,
        },
    )


def _agreed_hashes(request: HttpRequest) -> dict[str, str]:
    """The documents the sign form showed, posted back as ``document = "<number>:<sha256>"``."""
    agreed: dict[str, str] = {}
    for value in request.POST.getlist("document"):
        number, _sep, digest = value.partition(":")
        agreed[number] = digest
    return agreed


@reauthentication_required
def _sign(request: HttpRequest, application: FinancingApplication) -> HttpResponse:
    documents = services.documents_of(application)
    if request.method == "POST":
        if request.POST.get("agree") != "on":
            messages.error(request, _("契約内容に同意する場合はチェックを入れてください。"))
            return redirect("contracts:sign", application_id=application.pk)
        try:
            result = services.sign_contracts(
                application,
                acting_user=_user(request),
                agreed_hashes=_agreed_hashes(request),
                ip_address=_client_ip(request),
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                reauthenticated_at=_reauthenticated_at(request),
            )
        except DomainError as exc:
            messages.error(request, exc.message_for(get_language()))
            return redirect("contracts:detail", application_id=application.pk)
        if result.created:
            messages.success(
                request, _("契約を締結しました。電子署名済みの契約書をご確認ください。")
            )
        else:
            messages.info(request, _("この契約はすでに締結済みです。"))
        return redirect("contracts:detail", application_id=application.pk)
    return render(
        request, "contracts/sign.html", {"application": application, "documents": documents}
    )


@applicant(owned_kwarg="application_id", owned_object="application")
def sign(request: HttpRequest, application_id: int) -> HttpResponse:
    """Confirm and sign (owners only, accepted applications with documents)."""
    application = _load(request, application_id)
    signable = (
        application.status == ApplicationStatus.ACCEPTED
        and bool(services.documents_of(application))
        and not ContractSignature.objects.filter(application=application).exists()
    )
    if not signable or not _is_owner(request):
        if ContractSignature.objects.filter(application=application).exists():
            messages.info(request, _("この契約はすでに締結済みです。"))
        elif not _is_owner(request):
            messages.error(request, _("契約の締結は、オーナー権限をもつ方だけが行えます。"))
        else:
            messages.error(request, _("この申込みはまだ契約を締結できる状態ではありません。"))
        return redirect("contracts:detail", application_id=application.pk)
    try:
        response: HttpResponse = _sign(request, application)
    except ReauthenticationRequired:
        if request.method == "GET":
            raise  # allauth's middleware sends the user to the password prompt and back
        # A POST after the window closed is not replayed: start again from the sign page.
        messages.warning(request, _("安全のため、もう一度パスワードを入力してください"))
        return redirect("contracts:sign", application_id=application.pk)
    return response


def pdf_response(document: ContractDocument, *, signed: bool) -> HttpResponse:
    data = document.signed_pdf if signed else document.pdf
    assert data is not None
    suffix = "" if signed else "-unsigned"
    response = HttpResponse(bytes(data), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="{document.document_number}{suffix}.pdf"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


def wants_signed(request: HttpRequest, document: ContractDocument) -> bool:
    """The signed PDF when there is one, unless ``?version=unsigned`` asks for the original."""
    return document.is_signed and request.GET.get("version") != "unsigned"


@applicant(owned_kwarg="document_id", owned_object="contract_document")
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    document: Any = owned_or_404(request, ContractDocument.objects.all(), pk=document_id)
    return pdf_response(document, signed=wants_signed(request, document))
