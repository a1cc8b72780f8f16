"""Session lifetimes (ASVS V3.3) and MFA enforcement (ASVS V2.2/V4.3: staff must use MFA).

Both run after ``AuthenticationMiddleware`` (and allauth's) and before ``MessageMiddleware``:
a response they produce themselves writes its flash message through the message storage
directly.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.usersessions import app_settings as usersessions_settings
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.messages.storage import default_storage
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import NoReverseMatch, Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from urikake.accounts import auth_events
from urikake.accounts.auth_events import (
    LOGOUT_REASON_ATTR,
    SESSION_AUTH_AT,
    SESSION_PASSWORD_TOO_SHORT,
    SESSION_SEEN_AT,
)
from urikake.accounts.fixed_reads import SqlText

GetResponse = Callable[[HttpRequest], HttpResponseBase]

# "Last seen" is written at most this often, not on every request (a session write each).
TOUCH_INTERVAL_SECONDS = 30
# When this session's UserSession row was last written, and for which address and browser.
SESSION_ACTIVITY = "_urikake_usersession_seen"
# Django keeps the expiry chosen with set_expiry() under this session key.
_EXPIRY_KEY = "_session_expiry"


def _is_api(request: HttpRequest) -> bool:
    # JSON callers get a 401/403 from the API itself, never an HTML redirect.
    return request.path_info.startswith("/api/")


@dataclass(frozen=True)
class Limits:
    idle: int
    absolute: int


def limits_for(user: Any) -> Limits:
    conf = settings.SESSION_LIMITS["staff" if user.is_staff else "applicant"]
    return Limits(idle=int(conf["idle"]), absolute=int(conf["absolute"]))


def _flash(request: HttpRequest, response: HttpResponseBase, level: int, text: str) -> None:
    """Queue a message for the next page (MessageMiddleware has not run for this request)."""
    storage = default_storage(request)
    storage.add(level, text)
    storage.update(response)


class SessionTimeoutMiddleware:
    """Idle and absolute timeouts by kind of user; bounded "keep me logged in" cookies.

    ``settings.SESSION_LIMITS`` gives seconds for applicants and staff. A session past either
    limit is logged out (and audited with the reason) and the browser goes to the login page,
    which returns to the same page afterwards. On the way out, the session cookie is made a
    browser-session cookie unless an applicant chose to stay logged in — then it expires, at
    the latest, at the absolute limit. Staff never get a persistent cookie.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            expired = self._check(request, user)
            if expired is not None:
                return expired
        response = self.get_response(request)
        self._bound_cookie(request)
        return response

    def _check(self, request: HttpRequest, user: Any) -> HttpResponseBase | None:
        session = request.session
        now = timezone.now().timestamp()
        auth_at = session.get(SESSION_AUTH_AT)
        seen_at = session.get(SESSION_SEEN_AT)
        if not isinstance(auth_at, int | float) or not isinstance(seen_at, int | float):
            # Logged in some other way (Client.force_login) or before this middleware: the
            # clocks start now.
            session[SESSION_AUTH_AT] = session[SESSION_SEEN_AT] = now
            return None
        limits = limits_for(user)
        if now - auth_at > limits.absolute:
            reason = "absolute_timeout"
        elif now - seen_at > limits.idle:
            reason = "idle_timeout"
        else:
            if now - seen_at >= TOUCH_INTERVAL_SECONDS:
                session[SESSION_SEEN_AT] = now
            return None
        return self._expire(request, reason)

    def _expire(self, request: HttpRequest, reason: str) -> HttpResponseBase | None:
        session_key = request.session.session_key
        setattr(request, LOGOUT_REASON_ATTR, reason)  # read by auth_events.on_logout
        logout(request)
        UserSession.objects.filter(session_key=session_key).delete()
        if _is_api(request):
            return None  # continue as anonymous: the API answers 401
        if reason == "idle_timeout":
            text = _(
                "一定時間操作がなかったため、安全のためログアウトしました。もう一度ログインしてください。"
            )
        else:
            text = _(
                "ログインから時間が経ったため、安全のためログアウトしました。もう一度ログインしてください。"
            )
        response = redirect_to_login(
            self._return_to(request), login_url=resolve_url(settings.LOGIN_URL)
        )
        _flash(request, response, messages.WARNING, text)
        return response

    @staticmethod
    def _return_to(request: HttpRequest) -> str:
        """Where to go after logging in again: this page (GET) or the page the form was on."""
        if request.method in ("GET", "HEAD"):
            return request.get_full_path()
        referer = request.headers.get("referer", "")
        if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            parts = urlsplit(referer)
            return parts.path + (f"?{parts.query}" if parts.query else "")
        return ""

    @staticmethod
    def _bound_cookie(request: HttpRequest) -> None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not hasattr(request, "session"):
            return
        session = request.session
        if session.get_expire_at_browser_close():
            return
        expiry = session.get(_EXPIRY_KEY)  # None (not chosen), seconds, or a bounded datetime
        if user.is_staff or expiry is None:
            # Staff, or a login without the "keep me logged in" choice (passkey login,
            # force_login): the cookie dies with the browser.
            session.set_expiry(0)
            return
        if not isinstance(expiry, int):
            return  # already bounded below
        auth_at = session.get(SESSION_AUTH_AT)
        if not isinstance(auth_at, int | float):
            auth_at = timezone.now().timestamp()
        # Remembered: a persistent cookie, but never beyond the absolute limit.
        session.set_expiry(
            dt.datetime.fromtimestamp(auth_at + limits_for(user).absolute, tz=dt.UTC)
        )


class UserSessionActivityMiddleware:
    """allauth's session list ("last seen", address, browser per session), kept up to date
    without a database write on every request.

    allauth's own ``UserSessionsMiddleware`` rewrites the ``UserSession`` row on every request
    of a signed-in user — a transaction with two reads and an UPDATE, about a quarter of the
    queries of a simple page (benchmarks/README.md, "Load test"). This one writes it, through
    the same allauth function, only when the session's address or browser changed or
    ``TOUCH_INTERVAL_SECONDS`` have passed, like "last seen" of the session timeout above.
    What it wrote last is kept in the session itself (saved with the session, no extra query).
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if (
            usersessions_settings.TRACK_ACTIVITY
            and hasattr(request, "session")
            and request.session.session_key
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
        ):
            self._track(request)
        return self.get_response(request)

    @staticmethod
    def _track(request: HttpRequest) -> None:
        now = timezone.now().timestamp()
        client = f"{get_adapter().get_client_ip(request)}\n{request.headers.get('user-agent', '')}"
        fingerprint = hashlib.sha256(client.encode()).hexdigest()[:16]
        last = request.session.get(SESSION_ACTIVITY)
        if (
            isinstance(last, list)
            and len(last) == 2
            and last[1] == fingerprint
            and isinstance(last[0], int | float)
            and 0 <= now - last[0] < TOUCH_INTERVAL_SECONDS
        ):
            return
        UserSession.objects.create_from_request(request)
        request.session[SESSION_ACTIVITY] = [now, fingerprint]


@lru_cache(maxsize=1)
def _admin_login_path() -> str | None:
    try:
        return reverse("admin:login")
    except NoReverseMatch:
        return None


# Pages a user must still reach while being sent to set up MFA or a longer password.
_ALWAYS_ALLOWED = frozenset(
    {"account_logout", "account_reauthenticate", "set_language", "account_login"}
)
_PASSWORD_PAGES = frozenset({"account_change_password", "account_set_password"})


# The authenticators that count as MFA for staff (recovery codes alone do not).
_STAFF_MFA_TYPES = (str(Authenticator.Type.TOTP.value), str(Authenticator.Type.WEBAUTHN.value))


def _staff_mfa_sql(db: Any) -> str:
    qn = db.ops.quote_name
    return (
        f"SELECT 1 FROM {qn(Authenticator._meta.db_table)} "  # noqa: S608 # nosec B608 # identifiers from quote_name, values bound
        f"WHERE {qn('user_id')} = %s AND {qn('type')} IN (%s, %s) LIMIT 1"
    )


# allauth's is_mfa_enabled(user, types=[totp, webauthn]) — an EXISTS on the user's
# authenticators — asked on every staff request, sent without the ORM building it each time
_STAFF_MFA_READ = SqlText(_staff_mfa_sql)


def has_staff_mfa(user: Any) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(_STAFF_MFA_READ(connection), [user.pk, *_STAFF_MFA_TYPES])
        return cursor.fetchone() is not None


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


def _is_static(request: HttpRequest) -> bool:
    return bool(settings.STATIC_URL) and request.path_info.startswith(str(settings.STATIC_URL))


class StaffMFARequiredMiddleware:
    """Staff must have MFA; nobody may keep an MFA-length password without MFA.

    * A logged-in staff user without a TOTP authenticator or passkey/security key is sent to
      the MFA page (only MFA setup, re-authentication, logout, static files and the language
      switch stay reachable; JSON requests get 403).
    * Django admin's own login form would log in with a password only, skipping MFA: it is
      closed (anonymous visitors are sent to the real login page, POSTs refused).
    * A user whose password is 8–14 characters (allowed only with MFA) and who no longer has
      MFA is sent to change the password (``auth_events.flag_short_password``).
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        admin_login = _admin_login_path()
        if admin_login is not None and request.path_info == admin_login:
            refused = self._admin_login(request)
            if refused is not None:
                return refused
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not _is_static(request):
            if user.is_staff and not has_staff_mfa(user):
                name = _url_name(request) or ""
                if not (name.startswith("mfa_") or name in _ALWAYS_ALLOWED):
                    return self._to_mfa_setup(request)
            elif hasattr(request, "session") and request.session.get(SESSION_PASSWORD_TOO_SHORT):
                response = self._to_password_change(request, user)
                if response is not None:
                    return response
        return self.get_response(request)

    @staticmethod
    def _admin_login(request: HttpRequest) -> HttpResponseBase | None:
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=403)
        if request.user.is_authenticated:
            return None  # the admin itself redirects staff onwards or explains the refusal
        target = request.GET.get("next") or "/admin/"
        return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")

    @staticmethod
    def _to_mfa_setup(request: HttpRequest) -> HttpResponseBase:
        if _is_api(request):
            return JsonResponse(
                {
                    "error": {
                        "code": "mfa_required",
                        "message": _("スタッフアカウントは二段階認証の設定が必要です。"),
                    }
                },
                status=403,
            )
        return redirect("mfa_index")  # the page explains why (templates/mfa/index.html)

    @staticmethod
    def _to_password_change(request: HttpRequest, user: Any) -> HttpResponseBase | None:
        name = _url_name(request) or ""
        if name.startswith("mfa_") or name in _ALWAYS_ALLOWED or name in _PASSWORD_PAGES:
            return None  # turning MFA back on is the other way out
        # The session flag is only a hint; the facts decide (MFA may be back, password new).
        if not auth_events.password_too_short_without_mfa(user):
            request.session.pop(SESSION_PASSWORD_TOO_SHORT, None)
            return None
        if _is_api(request):
            return JsonResponse(
                {
                    "error": {
                        "code": "password_change_required",
                        "message": _("パスワードを15文字以上に変更してください。"),
                    }
                },
                status=403,
            )
        return redirect("account_change_password")  # the page explains why
