"""Recognising the browsers a user logs in from, to mail them about a login from a new one.

Each browser gets a long-lived, signed, HttpOnly cookie holding a random id. At login the
id (or rather its HMAC: the table cannot be turned back into cookies) is looked up in the
user's :class:`~urikake.accounts.models.KnownDevice` rows; a browser that is not there is
added and the user is mailed (``auth_events.on_allauth_login``). Clearing cookies or a
private window therefore counts as a new device — a harmless false alarm, never a miss.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone
from django.utils.crypto import salted_hmac

from urikake.accounts.models import KnownDevice, User

COOKIE_SALT = "urikake.accounts.device"
# Browsers cap cookie lifetimes at 400 days; the cookie is renewed at every login.
COOKIE_MAX_AGE = int(dt.timedelta(days=400).total_seconds())


def cookie_name() -> str:
    # __Host- cookies must be Secure, host-only and Path=/ (production serves HTTPS only).
    return "__Host-urikake_device" if settings.SESSION_COOKIE_SECURE else "urikake_device"


def device_hash(device_id: str) -> str:
    return salted_hmac(COOKIE_SALT, device_id, algorithm="sha256").hexdigest()


def device_id_from(request: HttpRequest) -> str | None:
    """The id in the request's device cookie, if the cookie is there and its signature holds."""
    value = request.get_signed_cookie(cookie_name(), default=None, salt=COOKIE_SALT)
    return value or None


def set_device_cookie(response: HttpResponseBase, device_id: str) -> None:
    response.set_signed_cookie(
        cookie_name(),
        device_id,
        salt=COOKIE_SALT,
        max_age=COOKIE_MAX_AGE,
        path="/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# (marker in the User-Agent, name) — order matters: Edge and Opera also say "Chrome", and
# every Chromium browser also says "Safari".
_BROWSERS = (
    ("EdgA/", "Edge"),
    ("EdgiOS/", "Edge"),
    ("Edg/", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("FxiOS/", "Firefox"),
    ("Firefox/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Macintosh", "Mac"),
    ("Mac OS X", "Mac"),
    ("Linux", "Linux"),
)


def summarise_user_agent(user_agent: str) -> str:
    """A short "Chrome / Windows": enough to recognise one's own device, no fingerprint.

    Returns "" when neither part is recognised (pages and mails then say 「不明」).
    """
    browser = next((name for marker, name in _BROWSERS if marker in user_agent), "")
    system = next((name for marker, name in _SYSTEMS if marker in user_agent), "")
    return " / ".join(part for part in (browser, system) if part)


@dataclass(frozen=True)
class DeviceLogin:
    device: KnownDevice
    is_new: bool
    device_id: str  # to (re)write into the cookie


def register_login(request: HttpRequest, user: User) -> DeviceLogin:
    """Find or add the device this login comes from."""
    device_id = device_id_from(request) or secrets.token_urlsafe(32)
    digest = device_hash(device_id)
    summary = summarise_user_agent(request.headers.get("user-agent", ""))[:100]
    now = timezone.now()
    try:
        with transaction.atomic():
            device, created = KnownDevice.objects.get_or_create(
                user=user,
                device_hash=digest,
                defaults={"user_agent_summary": summary, "first_seen_at": now, "last_seen_at": now},
            )
    except IntegrityError:  # the same browser logging in twice at the same instant
        device, created = KnownDevice.objects.get(user=user, device_hash=digest), False
    if not created:
        device.last_seen_at = now
        device.user_agent_summary = summary or device.user_agent_summary
        device.save(update_fields=["last_seen_at", "user_agent_summary"])
    return DeviceLogin(device=device, is_new=created, device_id=device_id)
