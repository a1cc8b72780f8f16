"""The notification centre (applicants at /my/notifications/, staff in the back office) and
the mobile-number verification page.

A person only ever reaches their own notifications: every lookup is by ``recipient`` =
the signed-in user, so another's id is a 404, indistinguishable from a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from urikake.accounts.access import staff_member
from urikake.accounts.models import User
from urikake.applicants.access import applicant, current_organization
from urikake.applicants.forms import format_phone_national
from urikake.applicants.services import is_owner
from urikake.domain.errors import DomainError
from urikake.notifications import services
from urikake.notifications.events import body_of, title_of
from urikake.notifications.forms import CodeForm, PhoneNumberForm
from urikake.notifications.models import Notification, PhoneVerification

PAGE_SIZE = 20
# The rule of routes that take one of the user's notifications (the matrix test makes one).
_own_notification: Callable[[Any], Any] = applicant(
    owned_kwarg="notification_id", owned_object="notification"
)


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # guaranteed by the access decorators
    return user


def _entries(page: Any) -> list[dict[str, Any]]:
    return [
        {
            "pk": n.pk,
            "title": title_of(n.event, n.context),
            "body": body_of(n.event, n.context),
            "reasons": n.context.get("reasons", []),
            "created_at": n.created_at,
            "unread": n.read_at is None,
            "has_link": bool(n.url),
        }
        for n in page.object_list
    ]


def _centre(request: HttpRequest, *, staff: bool) -> HttpResponse:
    page = Paginator(services.inbox(_user(request)), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "entries": _entries(page),
            "staff": staff,
            "base": "backoffice" if staff else "my",
        },
    )


def _open(request: HttpRequest, notification_id: int, fallback: str) -> HttpResponse:
    try:
        n = services.mark_read(notification_id, acting_user=_user(request))
    except Notification.DoesNotExist as exc:
        raise Http404 from exc
    target = n.url or fallback
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = fallback
    return redirect(target)


def _read_all(request: HttpRequest, fallback: str) -> HttpResponse:
    count = services.mark_all_read(acting_user=_user(request))
    messages.success(request, _("%(count)s件のお知らせを既読にしました。") % {"count": count})
    return redirect(fallback)


# --- applicants ------------------------------------------------------------------------------


@applicant
@require_GET
def centre(request: HttpRequest) -> HttpResponse:
    return _centre(request, staff=False)


@_own_notification
@require_POST
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    return _open(request, notification_id, "/my/notifications/")


@applicant
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    return _read_all(request, "/my/notifications/")


@applicant
def phone(request: HttpRequest) -> HttpResponse:
    """Add or change the mobile number and confirm it with the 6-digit code sent by SMS."""
    org = current_organization(request)
    assert org is not None  # guaranteed by @applicant
    user = _user(request)
    number_form = PhoneNumberForm(
        initial={"phone": format_phone_national(org.contact_phone) if org.contact_phone else ""}
    )
    code_form = CodeForm()
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "send":
                number_form = PhoneNumberForm(request.POST)
                if number_form.is_valid():
                    services.send_phone_code(
                        org, number_form.cleaned_data["phone"], acting_user=user
                    )
                    messages.success(request, _("確認コードをSMSで送りました。"))
                    return redirect("notifications:phone")
            elif action == "confirm":
                code_form = CodeForm(request.POST)
                if code_form.is_valid():
                    services.confirm_phone_code(
                        org, code_form.cleaned_data["code"], acting_user=user
                    )
                    messages.success(request, _("携帯電話番号を確認しました。"))
                    return redirect("notifications:phone")
            else:
                number_form = PhoneNumberForm(request.POST)
                number_form.is_valid()
        except DomainError as exc:
            target = code_form if action == "confirm" else number_form
            target.add_error(None, exc.message_for(get_language()))
    pending = (
        PhoneVerification.objects.filter(
            organization=org, phone=org.contact_phone, verified_at__isnull=True
        )
        .order_by("-created_at")
        .first()
        if org.contact_phone
        else None
    )
    context = {
        "number_form": number_form,
        "code_form": code_form,
        "phone": format_phone_national(org.contact_phone) if org.contact_phone else "",
        "verified": services.phone_verified(org),
        "pending": pending is not None,
        "can_edit": is_owner(user, org),
    }
    return render(request, "notifications/phone.html", context)


# --- staff -----------------------------------------------------------------------------------


@staff_member
@require_GET
def staff_centre(request: HttpRequest) -> HttpResponse:
    return _centre(request, staff=True)


@staff_member
@require_POST
def staff_open(request: HttpRequest, notification_id: int) -> HttpResponse:
    return _open(request, notification_id, "/backoffice/notifications/")


@staff_member
@require_POST
def staff_read_all(request: HttpRequest) -> HttpResponse:
    return _read_all(request, "/backoffice/notifications/")
