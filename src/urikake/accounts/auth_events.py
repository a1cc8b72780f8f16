"""Authentication events: each one goes to the audit trail (ASVS V7.1–V7.2), some do more.

``AccountsConfig.ready`` connects allauth's and Django's signals to the ``on_*`` functions
here; the adapter and our views call the others directly. Payloads never hold personal data:
a user is the record's object (``accounts.user:<pk>``), an e-mail address appears only as its
HMAC (``email_hmac``, the same pseudonym the login throttle uses), an IP address only as its
HMAC (``ip_hmac``) — enough to correlate events and to check a suspected address, nothing an
erasure request would have to hunt for in an append-only table.

Consequences that belong to an event live here too: a login resets the throttle and checks
the device; a new MFA factor or a password change ends the user's other sessions.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.authentication import get_authentication_records
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from urikake.accounts import devices, lockout
from urikake.accounts.models import PasswordPolicyRecord, User
from urikake.accounts.passwords import has_mfa
from urikake.accounts.user_mail import send_user_mail
from urikake.audit import services as audit
from urikake.audit.actors import Actor
from urikake.domain.email_address import normalise_email

TOKYO = ZoneInfo("Asia/Tokyo")

# Session keys (prefixed: the session also holds allauth's and Django's own keys).
SESSION_AUTH_AT = "urikake.auth_at"  # when this session logged in (epoch seconds)
SESSION_SEEN_AT = "urikake.seen_at"  # last request (epoch seconds, ~30 s granularity)
SESSION_MFA_PROMPTED = "urikake.mfa_prompted"  # the applicant MFA prompt was shown
# The password is 8–14 characters and MFA is now off (a flag, not a password: S105).
SESSION_PASSWORD_TOO_SHORT = "urikake.password_too_short"  # noqa: S105 # nosec B105 # an event code, not a password
# Set on the request (not the session) by whoever logs a user out, read by on_logout.
LOGOUT_REASON_ATTR = "_urikake_logout_reason"


# --- helpers ---------------------------------------------------------------------------------


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    try:
        return str(get_account_adapter(request).get_client_ip(request))
    except PermissionDenied:  # no address at all (e.g. Client.force_login's bare request)
        return ""


def ip_digest(ip: str) -> str:
    return salted_hmac("urikake.accounts.ip", ip, algorithm="sha256").hexdigest() if ip else ""


def client_context(request: HttpRequest | None) -> dict[str, str]:
    """Where a request came from, without personal data: IP as HMAC, browser family."""
    user_agent = request.headers.get("user-agent", "") if request is not None else ""
    return {
        "ip_hmac": ip_digest(client_ip(request)),
        "browser": devices.summarise_user_agent(user_agent),
    }


def emails_of(user: Any) -> list[str]:
    addresses = set(EmailAddress.objects.filter(user_id=user.pk).values_list("email", flat=True))
    if getattr(user, "email", ""):
        addresses.add(user.email)
    return sorted(addresses)


def owner_of(email: str) -> User | None:
    """The account an e-mail address belongs to (verified addresses first), or None."""
    address = (
        EmailAddress.objects.select_related("user")
        .filter(email__iexact=normalise_email(email))
        .order_by("-verified", "-primary")
        .first()
    )
    if address is not None:
        return address.user  # type: ignore[no-any-return]
    return User.objects.filter(email__iexact=normalise_email(email)).first()


def _record(
    action: str,
    request: HttpRequest | None,
    *,
    actor: Actor,
    user: Any = None,
    **payload: Any,
) -> None:
    audit.record(
        action,
        actor=actor,
        obj=user if getattr(user, "pk", None) is not None else None,
        payload={**client_context(request), **payload},
    )


def end_other_sessions(request: HttpRequest, user: Any) -> int:
    """End every session of ``user`` except the one making this request."""
    current = getattr(getattr(request, "session", None), "session_key", None)
    ended = 0
    for session in UserSession.objects.filter(user_id=user.pk):
        if session.session_key == current:
            continue
        if not session.exists():
            # A leftover, e.g. this very session under its key before a password change
            # rotated it: tidy it away, but it ended nothing.
            session.delete()
            continue
        session.end()
        ended += 1
    return ended


def password_too_short_without_mfa(user: Any) -> bool:
    """The password is 8–14 characters (fine only with MFA) and the user has no MFA."""
    record = PasswordPolicyRecord.objects.filter(user_id=user.pk).first()
    return record is not None and not record.long_enough_without_mfa and not has_mfa(user)


def flag_short_password(request: HttpRequest, user: Any) -> None:
    """Ask for a longer password (middleware) when MFA is what made the current one enough."""
    if password_too_short_without_mfa(user):
        request.session[SESSION_PASSWORD_TOO_SHORT] = True


# --- login, logout, failures -------------------------------------------------------------------


def on_django_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """Every login (allauth's or not) starts the idle and absolute session clocks afresh."""
    now = timezone.now().timestamp()
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_SEEN_AT] = now


def on_allauth_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    lockout.reset(emails_of(user))
    methods = sorted({str(r.get("method")) for r in get_authentication_records(request, user) if r})
    _record("auth.login", request, actor=user, user=user, methods=methods)
    flag_short_password(request, user)

    login = devices.register_login(request, user)
    response = kwargs.get("response")
    if response is not None:
        devices.set_device_cookie(response, login.device_id)
    if login.is_new:
        _record(
            "auth.new_device",
            request,
            actor=user,
            user=user,
            device=login.device.pk,
        )
        context = {
            "user": user,
            "at": timezone.localtime(login.device.first_seen_at, TOKYO),
            "ip": client_ip(request),
            "browser": login.device.user_agent_summary,
            "password_url": reverse("account_change_password"),
            "sessions_url": reverse("accounts:sessions"),
            "help_url": reverse("accounts:login_help"),
        }
        # Delivered after commit by the mail worker: a mail server that cannot be reached
        # never fails the login itself.
        send_user_mail(user, "accounts/email/new_device", context)


def on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is None:
        return
    reason = getattr(request, LOGOUT_REASON_ATTR, "user")
    _record("auth.logout", request, actor=user, user=user, reason=reason)


def _count_failure(request: HttpRequest, email: str, owner: Any, *, reason: str) -> lockout.Failure:
    """One failed attempt for ``email`` towards the throttle; audit a lock it causes."""
    failure = lockout.record_failure(email, user_pk=owner.pk if owner else None)
    if failure.just_locked:
        assert failure.locked_until is not None
        _record(
            "auth.account_locked",
            request,
            actor="system:login-throttle",
            user=owner,
            email_hmac=lockout.email_digest(email),
            failures=failure.failures,
            locked_until=failure.locked_until,
            owner_notified=failure.first_lock and owner is not None,
            after=reason,
        )
    return failure


def login_failed(request: HttpRequest, email: str) -> lockout.Failure:
    """A wrong password (or unknown address): count it, audit it, maybe lock."""
    # Looked up for every failure, known address or not: the same work either way.
    owner = owner_of(email)
    failure = _count_failure(request, email, owner, reason="password")
    _record(
        "auth.login_failed",
        request,
        actor=None,
        user=owner,
        email_hmac=lockout.email_digest(email),
        failures=failure.failures,
        reauthentication=bool(request.user.is_authenticated),
    )
    return failure


def login_refused(request: HttpRequest, email: str, *, reason: str) -> None:
    """An attempt refused before its password was looked at (delay, lock or rate limit)."""
    _record(
        "auth.login_throttled",
        request,
        actor=None,
        email_hmac=lockout.email_digest(email),
        reason=reason,
    )


def rate_limited(request: HttpRequest) -> None:
    """A request refused by one of allauth's rate limits (``ACCOUNT_RATE_LIMITS``): a login
    is recorded like the other refused logins, anything else as ``auth.rate_limited``."""
    try:
        url_name = resolve(request.path_info).url_name or ""
    except Resolver404:
        url_name = ""
    if url_name == "account_login" and request.method == "POST":
        login_refused(request, request.POST.get("login", ""), reason="rate_limited_ip")
        return
    user = request.user if request.user.is_authenticated else None
    _record(
        "auth.rate_limited",
        request,
        actor=user,
        user=user,
        url_name=url_name,
        method=request.method or "",
    )


def on_reauthenticated(
    sender: Any, request: HttpRequest, user: Any, method: str, **kwargs: Any
) -> None:
    # The same signal fires for each step of a login; those are covered by auth.login.
    if kwargs.get("reauthenticated"):
        _record("auth.reauthenticated", request, actor=user, user=user, method=method)


# --- MFA --------------------------------------------------------------------------------------


def _authenticator_payload(authenticator: Authenticator) -> dict[str, Any]:
    return {"authenticator": authenticator.pk, "type": str(authenticator.type)}


def on_mfa_added(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    ended = end_other_sessions(request, user)
    request.session.pop(SESSION_PASSWORD_TOO_SHORT, None)
    _record(
        "auth.mfa_added",
        request,
        actor=user,
        user=user,
        other_sessions_ended=ended,
        **_authenticator_payload(authenticator),
    )


def on_mfa_removed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    ended = end_other_sessions(request, user)
    flag_short_password(request, user)
    _record(
        "auth.mfa_removed",
        request,
        actor=user,
        user=user,
        other_sessions_ended=ended,
        **_authenticator_payload(authenticator),
    )


def on_mfa_reset(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    """Recovery codes regenerated: the old ones stop working."""
    _record(
        "auth.mfa_reset", request, actor=user, user=user, **_authenticator_payload(authenticator)
    )


def on_mfa_failed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    # A wrong second factor after a right password counts towards the same throttle; the
    # code form itself is rate-limited by allauth ("login_failed" per user).
    email = EmailAddress.objects.get_primary_email(user) or ""
    failures = _count_failure(request, email, user, reason="mfa").failures if email else 0
    _record(
        "auth.mfa_failed",
        request,
        actor=user if request.user.is_authenticated else None,
        user=user,
        reauthentication=bool(kwargs.get("reauthentication")),
        failures=failures,
        **_authenticator_payload(authenticator),
    )


# --- passwords and e-mail addresses -----------------------------------------------------------


def on_password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # Django's session auth hash already invalidates the other sessions; ending them also
    # removes them from the session list at once.
    ended = end_other_sessions(request, user)
    request.session.pop(SESSION_PASSWORD_TOO_SHORT, None)
    _record("auth.password_changed", request, actor=user, user=user, other_sessions_ended=ended)


def on_password_set(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    ended = end_other_sessions(request, user)
    request.session.pop(SESSION_PASSWORD_TOO_SHORT, None)
    _record("auth.password_set", request, actor=user, user=user, other_sessions_ended=ended)


def on_password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    ended = end_other_sessions(request, user)  # the resetting browser is not logged in
    lockout.reset(emails_of(user))  # a reset by mail proves ownership: lift any lock
    _record("auth.password_reset", request, actor=user, user=user, sessions_ended=ended)


def _email_payload(email_address: EmailAddress | None, key: str) -> dict[str, Any]:
    if email_address is None:
        return {}
    return {
        f"{key}_hmac": lockout.email_digest(email_address.email),
        f"{key}_id": email_address.pk,
    }


def on_email_added(
    sender: Any, request: HttpRequest, user: Any, email_address: EmailAddress, **kwargs: Any
) -> None:
    _record(
        "auth.email_added", request, actor=user, user=user, **_email_payload(email_address, "email")
    )


def on_email_removed(
    sender: Any, request: HttpRequest, user: Any, email_address: EmailAddress, **kwargs: Any
) -> None:
    _record(
        "auth.email_removed",
        request,
        actor=user,
        user=user,
        **_email_payload(email_address, "email"),
    )


def on_email_changed(
    sender: Any,
    request: HttpRequest,
    user: Any,
    from_email_address: EmailAddress | None = None,
    to_email_address: EmailAddress | None = None,
    **kwargs: Any,
) -> None:
    _record(
        "auth.email_changed",
        request,
        actor=user,
        user=user,
        **_email_payload(from_email_address, "from"),
        **_email_payload(to_email_address, "to"),
    )


def on_email_confirmed(
    sender: Any, request: HttpRequest, email_address: EmailAddress, **kwargs: Any
) -> None:
    user = email_address.user
    actor = request.user if request.user.is_authenticated else None
    _record(
        "auth.email_confirmed",
        request,
        actor=actor,
        user=user,
        **_email_payload(email_address, "email"),
    )


# --- sessions ---------------------------------------------------------------------------------


def session_revoked(request: HttpRequest, user: Any, sessions: list[UserSession]) -> None:
    """The user ended some of their sessions from the session list."""
    for session in sessions:
        _record(
            "auth.session_revoked",
            request,
            actor=user,
            user=user,
            session=session.pk,
            session_ip_hmac=ip_digest(session.ip),
            session_browser=devices.summarise_user_agent(session.user_agent),
        )
