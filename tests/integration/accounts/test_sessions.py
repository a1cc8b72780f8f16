"""Sessions: ended by password changes, idle and absolute timeouts, "keep me logged in",
and the session list (revoke one, revoke all others)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

from urikake.accounts.auth_events import SESSION_AUTH_AT, SESSION_SEEN_AT
from urikake.accounts.models import User
from urikake.audit.models import AuditRecord

from .conftest import PASSWORD, activate_totp, create_user, login, totp_code

pytestmark = pytest.mark.django_db

PROBE = "/accounts/security/"
CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def is_logged_in(client: Client) -> bool:
    return client.get(PROBE).status_code == 200


def age_session(client: Client, *, idle: int = 0, since_login: int = 0) -> None:
    """Pretend time passed: move this session's clocks back (no sleeping)."""
    session = client.session
    session[SESSION_SEEN_AT] = session[SESSION_SEEN_AT] - idle
    session[SESSION_AUTH_AT] = session[SESSION_AUTH_AT] - since_login
    session.save()


# --- password change ---------------------------------------------------------------------------


def test_changing_the_password_logs_out_every_other_session(
    logged_in: Callable[..., Client], user: User
) -> None:
    here, elsewhere = logged_in(), logged_in()
    new = "an entirely new passphrase"
    response = here.post(
        "/accounts/password/change/", {"oldpassword": PASSWORD, "password1": new, "password2": new}
    )
    assert response.status_code == 302
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert UserSession.objects.filter(user=user).count() == 1
    record = AuditRecord.objects.get(action="auth.password_changed")
    assert record.payload["other_sessions_ended"] == 1


def test_the_session_auth_hash_alone_logs_out_old_sessions(
    logged_in: Callable[..., Client], user: User
) -> None:
    """Even a session the session list does not know is dead after a password change."""
    elsewhere = logged_in()
    UserSession.objects.all().delete()  # forget it: only Django's auth hash remains
    user.set_password("yet another long passphrase")
    user.save()
    assert not is_logged_in(elsewhere)


# --- timeouts ----------------------------------------------------------------------------------


def test_idle_timeout_for_applicants(logged_in: Callable[..., Client], user: User) -> None:
    client = logged_in()
    age_session(client, idle=60 * 60 - 5)
    assert is_logged_in(client)  # just under the hour: still in (and the clock restarts)
    age_session(client, idle=60 * 60 + 1)
    response = client.get(PROBE + "?tab=1")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/security/%3Ftab%3D1"
    # The logout redirect carries the page policy like any answer (it was sent without it).
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src" in response["Content-Security-Policy"]
    assert "camera=" in response["Permissions-Policy"]
    page = client.get(response["Location"]).content.decode()
    assert "一定時間操作がなかったため、安全のためログアウトしました" in page
    assert not is_logged_in(client)
    record = AuditRecord.objects.filter(action="auth.logout").last()
    assert record is not None
    assert record.payload["reason"] == "idle_timeout"
    assert record.actor == f"user:{user.pk}"
    assert not UserSession.objects.filter(user=user).exists()


def test_logging_in_again_returns_to_the_page(logged_in: Callable[..., Client], user: User) -> None:
    client = logged_in()
    age_session(client, idle=2 * 60 * 60)
    target = client.get(PROBE)["Location"]
    response = client.post(target, {"login": user.email, "password": PASSWORD})
    # Via the MFA prompt (this applicant has no MFA), whose "later" goes back to the page.
    assert response["Location"] == "/accounts/mfa-prompt/?next=%2Faccounts%2Fsecurity%2F"


def test_absolute_timeout_for_applicants(logged_in: Callable[..., Client]) -> None:
    client = logged_in()
    age_session(client, since_login=24 * 60 * 60 - 60)
    assert is_logged_in(client)
    age_session(client, since_login=120)  # now 24 h + 60 s, though active a moment ago
    response = client.get(PROBE)
    assert response.status_code == 302
    assert "ログインから時間が経ったため" in client.get(response["Location"]).content.decode()
    record = AuditRecord.objects.filter(action="auth.logout").last()
    assert record is not None
    assert record.payload["reason"] == "absolute_timeout"


def test_staff_limits_are_shorter(client: Client) -> None:
    staff = create_user("ops@operator.example", is_staff=True, staff_role="admin")
    activate_totp(staff)
    client.force_login(staff)
    assert is_logged_in(client)
    age_session(client, idle=14 * 60)
    assert is_logged_in(client)
    age_session(client, idle=15 * 60 + 1)
    assert not is_logged_in(client)
    client.force_login(staff)
    client.get(PROBE)
    age_session(client, since_login=12 * 60 * 60 + 1)
    assert not is_logged_in(client)


def test_a_form_posted_after_the_timeout_returns_to_its_page(
    logged_in: Callable[..., Client],
) -> None:
    client = logged_in()
    age_session(client, idle=60 * 60 + 1)
    response = client.post(
        "/accounts/sessions/",
        {"action": "revoke_others"},
        HTTP_REFERER="http://testserver/accounts/sessions/",
    )
    assert response["Location"] == "/accounts/login/?next=/accounts/sessions/"


def test_api_calls_after_the_timeout_get_no_redirect(logged_in: Callable[..., Client]) -> None:
    client = logged_in()
    age_session(client, idle=60 * 60 + 1)
    response = client.get(reverse("api:system_version"))
    assert response.status_code == 200  # a public operation, now answered for anonymous
    assert not is_logged_in(client)


def test_activity_moves_the_idle_clock(logged_in: Callable[..., Client]) -> None:
    client = logged_in()
    age_session(client, idle=40 * 60)
    before = client.session[SESSION_SEEN_AT]
    assert is_logged_in(client)
    assert client.session[SESSION_SEEN_AT] > before + 39 * 60
    age_session(client, idle=40 * 60)  # 80 minutes since login, 40 idle: fine
    assert is_logged_in(client)


# --- keep me logged in -------------------------------------------------------------------------


def _session_cookie(response: Any) -> Any:
    return response.cookies["urikake_session"]


def test_not_remembered_means_a_browser_session_cookie(client: Client, user: User) -> None:
    response = login(client, user.email)
    cookie = _session_cookie(response)
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert cookie["httponly"]


def test_remembered_means_a_persistent_cookie_bounded_by_the_absolute_limit(
    client: Client, user: User
) -> None:
    response = login(client, user.email, remember=True)
    cookie = _session_cookie(response)
    assert 0 < int(cookie["max-age"]) <= 24 * 60 * 60
    # The end is a fixed moment — login time + the absolute limit — not a sliding window.
    session = client.session
    expiry = session.get_expiry_date()
    assert abs(expiry.timestamp() - (session[SESSION_AUTH_AT] + 24 * 60 * 60)) < 2
    assert client.get(PROBE).status_code == 200
    assert client.session.get_expiry_date() == expiry


def test_staff_are_never_remembered(client: Client) -> None:
    staff = create_user("ops@operator.example", is_staff=True, staff_role="admin")
    secret = activate_totp(staff)
    login(client, staff.email, remember=True)
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()


# --- the session list --------------------------------------------------------------------------


def test_the_list_shows_device_ip_and_last_seen(
    logged_in: Callable[..., Client], user: User
) -> None:
    here = logged_in(HTTP_USER_AGENT=CHROME_WINDOWS)
    logged_in(HTTP_USER_AGENT=SAFARI_IPHONE)
    page = here.get("/accounts/sessions/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Chrome / Windows" in text
    assert "Safari / iPhone" in text
    assert "この端末" in text
    assert "127.0.0.1" in text
    assert "最終アクセス" in text
    assert "ほかの1件のセッションをすべてログアウトさせる" in text


def test_revoke_one_session(logged_in: Callable[..., Client], user: User) -> None:
    here, phone, tablet = logged_in(), logged_in(), logged_in()
    phone_key = phone.session.session_key
    target = UserSession.objects.get(session_key=phone_key)
    response = here.post("/accounts/sessions/", {"action": "revoke", "session": target.pk})
    assert response.status_code == 302
    assert not is_logged_in(phone)
    assert is_logged_in(here)
    assert is_logged_in(tablet)
    record = AuditRecord.objects.get(action="auth.session_revoked")
    assert record.payload["session"] == target.pk


def test_revoke_all_others(logged_in: Callable[..., Client], user: User) -> None:
    here, phone, tablet = logged_in(), logged_in(), logged_in()
    here.post("/accounts/sessions/", {"action": "revoke_others"})
    assert is_logged_in(here)
    assert not is_logged_in(phone)
    assert not is_logged_in(tablet)
    assert AuditRecord.objects.filter(action="auth.session_revoked").count() == 2


def test_revoking_the_current_session_logs_out(logged_in: Callable[..., Client]) -> None:
    here = logged_in()
    mine = UserSession.objects.get(session_key=here.session.session_key)
    here.post("/accounts/sessions/", {"action": "revoke", "session": mine.pk})
    assert not is_logged_in(here)


def test_another_users_session_cannot_be_revoked(
    logged_in: Callable[..., Client], user: User
) -> None:
    stranger = create_user("stranger@example.com")
    theirs = logged_in(stranger)
    their_session = UserSession.objects.get(user=stranger)
    here = logged_in()
    here.post("/accounts/sessions/", {"action": "revoke", "session": their_session.pk})
    assert is_logged_in(theirs)
    assert not AuditRecord.objects.filter(action="auth.session_revoked").exists()


def test_allauths_session_url_is_ours() -> None:
    # /accounts/sessions/ is both allauth's usersessions_list and ours; ours must win.
    from django.urls import resolve

    assert reverse("usersessions_list") == reverse("accounts:sessions") == "/accounts/sessions/"
    assert resolve("/accounts/sessions/").url_name == "sessions"


# --- the session list's "last seen", without a write per request (load test) ---------------


def _usersession_writes(client: Client, path: str = PROBE, **extra: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, **extra).status_code == 200
    return sum(
        1
        for q in queries.captured_queries
        if q["sql"].startswith(("UPDATE", "INSERT")) and "usersessions_usersession" in q["sql"]
    )


def test_the_session_row_is_written_when_the_client_changes_or_after_the_interval(
    logged_in: Callable[..., Client],
) -> None:
    from urikake.accounts.middleware import SESSION_ACTIVITY, TOUCH_INTERVAL_SECONDS

    client = logged_in(HTTP_USER_AGENT=CHROME_WINDOWS)
    client.get(PROBE, HTTP_USER_AGENT=CHROME_WINDOWS)
    row = UserSession.objects.get(session_key=client.session.session_key)
    seen = row.last_seen_at
    # Again at once from the same browser: nothing written (allauth's own middleware would).
    assert _usersession_writes(client, HTTP_USER_AGENT=CHROME_WINDOWS) == 0
    row.refresh_from_db()
    assert row.last_seen_at == seen
    # Another browser on the same session: written at once, the list shows it.
    assert _usersession_writes(client, HTTP_USER_AGENT=SAFARI_IPHONE) == 1
    row.refresh_from_db()
    assert row.user_agent == SAFARI_IPHONE
    # The interval passed: "last seen" moves on.
    session = client.session
    stamp, fingerprint = session[SESSION_ACTIVITY]
    session[SESSION_ACTIVITY] = [stamp - TOUCH_INTERVAL_SECONDS, fingerprint]
    session.save()
    assert _usersession_writes(client, HTTP_USER_AGENT=SAFARI_IPHONE) == 1
    row.refresh_from_db()
    assert row.last_seen_at > seen
