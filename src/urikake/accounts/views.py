"""Account pages of our own: login help, security overview, MFA prompt, sessions."""

from __future__ import annotations

from typing import Any, cast

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.utils.translation import gettext as _
from django.views import i18n as i18n_views
from django.views.decorators.http import require_GET, require_http_methods

from urikake.accounts import auth_events
from urikake.accounts import services as account_services
from urikake.accounts.access import authenticated, public
from urikake.accounts.devices import summarise_user_agent
from urikake.accounts.forms import SessionActionForm
from urikake.accounts.lockout import Policy
from urikake.accounts.models import KnownDevice, User


@public
def rate_limited(request: HttpRequest) -> HttpResponse:
    """allauth's own rate limits answer here (``urls.handler429``): the site's Japanese page,
    status 429, and an audit record like every other refused authentication attempt."""
    auth_events.rate_limited(request)
    response = render(request, "accounts/rate_limited.html", status=429)
    response["Retry-After"] = "60"
    return response


@public
@require_GET
def login_help(request: HttpRequest) -> HttpResponse:
    """「ログインできないときは」: the checklist of seed 003."""
    policy = Policy.current()
    return render(
        request,
        "accounts/login_help.html",
        {
            "lock_minutes": policy.lock_seconds // 60,
            "link_minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )


@public
def set_language(request: HttpRequest) -> HttpResponse:
    """The header's language switch: Django's ``set_language`` (cookie and redirect), and for
    a logged-in user the choice is remembered on the account, so that mail and SMS reach
    them in the language they read the site in."""
    response = i18n_views.set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and response.status_code in (200, 302)
        and check_for_language(language)
    ):
        account_services.set_preferred_language(request.user, language)
    return response


@public
def signup_redirect(request: HttpRequest) -> HttpResponse:
    """allauth's sign-up is closed (AccountAdapter.is_open_for_signup); ours is elsewhere."""
    return redirect("applicants:signup")


def _mfa_status(user: Any) -> dict[str, Any]:
    authenticators = list(Authenticator.objects.filter(user_id=user.pk))
    by_type = {a.type: a for a in authenticators}
    recovery = by_type.get(Authenticator.Type.RECOVERY_CODES)
    return {
        "totp": Authenticator.Type.TOTP in by_type,
        "webauthn_count": sum(a.type == Authenticator.Type.WEBAUTHN for a in authenticators),
        "recovery_unused": len(recovery.wrap().get_unused_codes()) if recovery else None,
        "enabled": any(
            a.type in (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN) for a in authenticators
        ),
    }


@authenticated
@require_GET
def security(request: HttpRequest) -> HttpResponse:
    """The user's security settings: MFA status and the ways to password, e-mail, sessions."""
    user = cast(User, request.user)  # @authenticated
    devices = KnownDevice.objects.filter(user_id=user.pk).order_by("-last_seen_at")[:10]
    return render(
        request,
        "accounts/security.html",
        {
            "mfa": _mfa_status(user),
            "primary_email": EmailAddress.objects.get_primary_email(user),
            "session_count": len(UserSession.objects.purge_and_list(user)),
            "devices": devices,
            "staff_must_use_mfa": user.is_staff,
        },
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.GET.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@authenticated
@require_GET
def mfa_prompt(request: HttpRequest) -> HttpResponse:
    """Shown once per session after an applicant logs in without MFA (AccountAdapter)."""
    return render(
        request,
        "accounts/mfa_prompt.html",
        {"later_url": _safe_next(request, reverse(settings.LOGIN_REDIRECT_URL))},
    )


@authenticated
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    """The user's sessions (device, IP, last seen); end one, or all the others."""
    user = request.user
    current_key = request.session.session_key
    if request.method == "POST":
        form = SessionActionForm(request.POST)
        if not form.is_valid():
            return redirect("accounts:sessions")
        mine = UserSession.objects.filter(user_id=user.pk)
        if form.cleaned_data["action"] == "revoke":
            targets = list(mine.filter(pk=form.cleaned_data["session"]))
        else:
            targets = list(mine.exclude(session_key=current_key))
        ends_current = any(s.session_key == current_key for s in targets)
        auth_events.session_revoked(request, user, targets)
        for session in targets:
            if session.session_key != current_key:
                session.end()
        if ends_current:
            UserSession.objects.filter(session_key=current_key).delete()
            logout(request)
            return redirect(settings.LOGOUT_REDIRECT_URL)
        if targets:
            messages.success(
                request,
                _("%(count)d件のセッションをログアウトさせました。") % {"count": len(targets)},
            )
        return redirect("accounts:sessions")

    rows = [
        {
            "id": s.pk,
            "device": summarise_user_agent(s.user_agent),
            "ip": s.ip,
            "created_at": s.created_at,
            "last_seen_at": s.last_seen_at,
            "is_current": s.session_key == current_key,
        }
        for s in sorted(
            UserSession.objects.purge_and_list(user),
            key=lambda s: (s.session_key != current_key, -s.last_seen_at.timestamp()),
        )
    ]
    return render(
        request,
        "accounts/sessions.html",
        {"sessions": rows, "others": sum(not r["is_current"] for r in rows)},
    )
