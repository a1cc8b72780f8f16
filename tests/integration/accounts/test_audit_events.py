"""Every authentication event reaches the audit trail, without personal data."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa import signals as mfa_signals
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from allauth.usersessions.models import UserSession
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, RequestFactory

from urikake.accounts.auth_events import ip_digest
from urikake.accounts.lockout import email_digest
from urikake.accounts.models import LoginThrottle, User
from urikake.audit.models import AuditRecord

from .conftest import PASSWORD, create_user, login, totp_code

pytestmark = pytest.mark.django_db

IP = "203.0.113.9"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")


def _last_link(mailoutbox: list[Any], path: str) -> str:
    """The newest link to ``path`` in the mails sent so far (notifications come in between)."""
    for mail in reversed(mailoutbox):
        found = re.search(r"http://testserver(" + re.escape(path) + r"\S+/)", mail.body)
        if found:
            return found.group(1)
    raise AssertionError(f"no mail with a link to {path}")


def _reauth_then(client: Client, response: Any) -> Any:
    if response.status_code == 302 and response["Location"].startswith("/accounts/reauth"):
        return client.post(response["Location"], {"password": PASSWORD})
    return response


@pytest.mark.django_db(transaction=True)  # mails and tasks after commit, inside each request
def test_every_authentication_event_is_audited_without_personal_data(
    user: User, mailoutbox: list[Any], immediate_tasks: None
) -> None:
    browser = Client(
        REMOTE_ADDR=IP, HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/127.0"
    )
    # failures, a lock, a refusal
    for _ in range(10):
        LoginThrottle.objects.update(next_attempt_at=None)
        login(browser, user.email, "wrong password, clearly")
    login(browser, user.email, PASSWORD)
    LoginThrottle.objects.all().delete()  # the lock ran out (and allauth's window)
    cache.clear()
    # login (new device); re-authentication; e-mail added, confirmed, changed
    assert login(browser, user.email).status_code == 302
    added = browser.post("/accounts/email/", {"email": "hanako2@example.com", "action_add": ""})
    _reauth_then(browser, added)
    browser.post(_last_link(mailoutbox, "/accounts/confirm-email/"))
    # MFA added (TOTP and its recovery codes)
    browser.get("/accounts/2fa/totp/activate/")
    secret = browser.session["mfa.totp.secret"]
    browser.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    # recovery codes regenerated
    browser.post("/accounts/2fa/recovery-codes/generate/")
    # another session, revoked
    other = Client()
    other.force_login(user)
    other.get("/accounts/security/")
    browser.post("/accounts/sessions/", {"action": "revoke_others"})
    # password changed
    new = "yet another long passphrase"
    browser.post(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    # MFA removed (TOTP), logout
    _reauth_then(browser, browser.post("/accounts/2fa/totp/deactivate/"))
    browser.post("/accounts/logout/")
    # a wrong MFA code at login
    user.refresh_from_db()
    TOTP.activate(user, generate_totp_secret())
    login(browser, user.email, new)
    browser.post("/accounts/2fa/authenticate/", {"code": "not-a-code"})
    # password reset by mail
    browser.post("/accounts/logout/")
    browser.post("/accounts/password/reset/", {"email": user.email})
    step = browser.get(_last_link(mailoutbox, "/accounts/password/reset/key/"))
    final = "the final passphrase of the day"
    browser.post(step["Location"], {"password1": final, "password2": final})

    actions = set(AuditRecord.objects.values_list("action", flat=True))
    expected = {
        "auth.login_failed",
        "auth.account_locked",
        "auth.login_throttled",
        "auth.login",
        "auth.new_device",
        "auth.reauthenticated",
        "auth.mfa_added",
        "auth.mfa_reset",
        "auth.session_revoked",
        "auth.email_added",
        "auth.email_confirmed",
        "auth.email_changed",
        "auth.password_changed",
        "auth.mfa_removed",
        "auth.logout",
        "auth.mfa_failed",
        "auth.password_reset",
    }
    assert expected <= actions, sorted(expected - actions)

    for record in AuditRecord.objects.filter(action__startswith="auth."):
        text = str(record.payload) + record.actor + record.object_id
        assert not EMAIL.search(text), (record.action, record.payload)
        assert IP not in text, (record.action, record.payload)
    login_record = AuditRecord.objects.filter(action="auth.login").first()
    assert login_record is not None
    assert login_record.payload["ip_hmac"] == ip_digest(IP)
    assert login_record.payload["browser"] == "Firefox / Linux"
    assert login_record.object_type == "accounts.user"
    assert login_record.object_id == str(user.pk)
    locked = AuditRecord.objects.get(action="auth.account_locked")
    assert locked.payload["email_hmac"] == email_digest("hanako@example.com")
    assert locked.payload["owner_notified"] is True
    # The chain is intact after all of this.
    call_command("audit", "verify")


def test_webauthn_keys_added_and_removed_are_audited_and_end_other_sessions(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    """allauth announces a passkey exactly like a TOTP app (a WebAuthn ceremony needs a
    browser: the e2e suite's job); here the announcement itself is sent."""
    other = Client()
    other.force_login(user)
    other.get("/accounts/security/")
    key = Authenticator.objects.create(user=user, type=Authenticator.Type.WEBAUTHN, data={})
    request = RequestFactory().post("/accounts/2fa/webauthn/add/", REMOTE_ADDR=IP)
    request.user = user
    request.session = SessionStore()
    request.session.create()
    mfa_signals.authenticator_added.send(
        sender=Authenticator, request=request, user=user, authenticator=key
    )
    assert not UserSession.objects.filter(user=user).exists()
    assert other.get("/accounts/security/").status_code == 302
    key.delete()
    mfa_signals.authenticator_removed.send(
        sender=Authenticator, request=request, user=user, authenticator=key
    )
    types = list(
        AuditRecord.objects.filter(action__in=["auth.mfa_added", "auth.mfa_removed"]).values_list(
            "action", "payload__type"
        )
    )
    assert types == [("auth.mfa_added", "webauthn"), ("auth.mfa_removed", "webauthn")]


def test_email_removed_is_audited(client: Client, user: User) -> None:
    pending = EmailAddress.objects.create(user=user, email="pending@example.com", verified=False)
    client.force_login(user)
    response = client.post("/accounts/email/", {"email": pending.email, "action_remove": ""})
    response = _reauth_then(client, response)
    assert not EmailAddress.objects.filter(pk=pending.pk).exists()
    record = AuditRecord.objects.get(action="auth.email_removed")
    assert record.payload["email_hmac"] == email_digest("pending@example.com")


def test_an_unknown_address_failure_names_no_user(client: Client) -> None:
    create_user("someone@example.com")
    login(client, "ghost@example.com", "wrong password, clearly")
    record = AuditRecord.objects.get(action="auth.login_failed")
    assert record.object_id == ""
    assert record.actor == "anonymous"
    assert record.payload["email_hmac"] == email_digest("ghost@example.com")
