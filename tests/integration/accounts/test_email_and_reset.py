"""E-mail change (re-authentication, verified by mail), 30-minute links, password reset,
and allauth's closed sign-up."""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any

import pytest
from allauth.account import app_settings as account_settings
from allauth.account.forms import EmailAwarePasswordResetTokenGenerator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.core import signing
from django.test import Client
from django.urls import resolve, reverse

from urikake.accounts.adapter import AccountAdapter
from urikake.accounts.lockout import email_digest
from urikake.accounts.models import LoginThrottle, User
from urikake.audit.models import AuditRecord

from .conftest import PASSWORD, login

pytestmark = pytest.mark.django_db

NEW = "hanako.new@example.com"
LINK = re.compile(r"http://testserver(/accounts/[^\s]+/)")


def _link(mail: Any) -> str:
    found = LINK.search(mail.body)
    assert found, mail.body
    return found.group(1)


# --- e-mail change -----------------------------------------------------------------------------


def test_changing_the_email_needs_reauthentication_then_a_verified_link(
    logged_in: Callable[..., Client],
    user: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = logged_in()
    response = client.post("/accounts/email/", {"email": NEW, "action_add": ""})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/")
    assert not EmailAddress.objects.filter(email=NEW).exists()
    assert mailoutbox == []

    # The password again; allauth then carries out the suspended request.
    with django_capture_on_commit_callbacks(execute=True):  # mail is delivered after commit
        resumed = client.post(response["Location"], {"password": PASSWORD})
    assert resumed.status_code == 302
    added = EmailAddress.objects.get(email=NEW)
    assert not added.verified
    user.refresh_from_db()
    assert user.email == "hanako@example.com"  # not changed until verified
    (mail,) = mailoutbox
    assert mail.to == [NEW]

    confirm = client.post(_link(mail))
    assert confirm.status_code == 302
    user.refresh_from_db()
    assert user.email == NEW
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == [NEW]
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {"auth.reauthenticated", "auth.email_added", "auth.email_confirmed"} <= actions
    assert "auth.email_changed" in actions
    changed = AuditRecord.objects.get(action="auth.email_changed")
    assert changed.payload["to_hmac"] == email_digest(NEW)
    assert changed.payload["from_hmac"] == email_digest("hanako@example.com")


class _SignedAt(signing.TimestampSigner):
    """Signs as if it were ``minutes_ago`` minutes earlier (to build an old link)."""

    minutes_ago = 0

    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - self.minutes_ago * 60)


def _confirmation_key(address: EmailAddress, minutes_ago: int) -> str:
    # The same construction as allauth's EmailConfirmationHMAC.key, with an older clock.
    signer = type("Signer", (_SignedAt,), {"minutes_ago": minutes_ago})(salt=account_settings.SALT)
    return str(signer.sign_object(address.pk, serializer=signing.JSONSerializer))


@pytest.mark.parametrize(("minutes_ago", "works"), [(29, True), (31, False)])
def test_email_links_live_30_minutes(
    client: Client, user: User, minutes_ago: int, works: bool
) -> None:
    address = EmailAddress.objects.create(user=user, email=NEW, verified=False, primary=False)
    client.force_login(user)
    client.post(f"/accounts/confirm-email/{_confirmation_key(address, minutes_ago)}/")
    address.refresh_from_db()
    assert address.verified is works


class _OldTokens(EmailAwarePasswordResetTokenGenerator):  # type: ignore[misc]
    """allauth's reset tokens, made as if ``minutes_ago`` minutes earlier."""

    minutes_ago = 0

    def _now(self) -> dt.datetime:
        now: dt.datetime = super()._now()
        return now - dt.timedelta(minutes=self.minutes_ago)


@pytest.mark.parametrize(("minutes_ago", "works"), [(29, True), (31, False)])
def test_password_reset_links_live_30_minutes(
    client: Client, user: User, minutes_ago: int, works: bool
) -> None:
    tokens = type("Tokens", (_OldTokens,), {"minutes_ago": minutes_ago})()
    url = f"/accounts/password/reset/key/{user_pk_to_url_str(user)}-{tokens.make_token(user)}/"
    response = client.get(url)
    if works:
        assert response.status_code == 302  # allauth moves the key into the session
        form = client.get(response["Location"])
        assert 'name="password1"' in form.content.decode()
    else:
        assert response.status_code == 200
        assert 'name="password1"' not in response.content.decode()


def test_password_reset_by_mail_lifts_a_lock_and_ends_every_session(
    client: Client,
    logged_in: Callable[..., Client],
    user: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    elsewhere = logged_in()
    for _ in range(10):
        LoginThrottle.objects.update(next_attempt_at=None)
        login(Client(), user.email, "wrong password, clearly")
    assert LoginThrottle.objects.get(key=email_digest(user.email)).locked_until is not None

    with django_capture_on_commit_callbacks(execute=True):  # mail is delivered after commit
        client.post("/accounts/password/reset/", {"email": user.email})
    (mail,) = mailoutbox
    step = client.get(_link(mail))
    new = "a fresh passphrase after the reset"
    done = client.post(step["Location"], {"password1": new, "password2": new})
    assert done.status_code == 302
    assert not LoginThrottle.objects.exists()
    assert elsewhere.get("/accounts/security/").status_code == 302
    assert login(Client(), user.email, new).status_code == 302
    record = AuditRecord.objects.get(action="auth.password_reset")
    assert record.payload["sessions_ended"] == 1


def test_reset_for_an_unknown_address_looks_the_same(client: Client, user: User) -> None:
    known = client.post("/accounts/password/reset/", {"email": user.email})
    unknown = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


# --- allauth's sign-up is closed -----------------------------------------------------------------


def test_allauth_signup_redirects_to_ours(client: Client) -> None:
    assert reverse("account_signup") == "/accounts/signup/"
    assert resolve("/accounts/signup/").view_name == "accounts:signup"  # ours wins
    for response in (
        client.get("/accounts/signup/"),
        client.post("/accounts/signup/", {"email": "x@example.com", "password1": "y" * 20}),
    ):
        assert response.status_code == 302
        assert response["Location"] == reverse("applicants:signup")
    assert not User.objects.exists()


def test_allauth_signup_view_itself_is_closed(rf: Any) -> None:
    """Were allauth's view reached some other way, it refuses and points to our sign-up."""
    from allauth.account import views as allauth_views
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.db import SessionStore

    assert AccountAdapter().is_open_for_signup(rf.get("/")) is False
    request = rf.post("/accounts/signup/", {"email": "x@example.com", "password1": "y" * 20})
    request.user = AnonymousUser()
    request.session = SessionStore()
    response = allauth_views.signup(request)
    response.render()
    assert 'href="/signup/"' in response.content.decode()
    assert not User.objects.exists()


def test_allauth_login_still_works_next_to_the_redirect(client: Client, user: User) -> None:
    assert login(client, user.email).status_code == 302
    assert client.get("/accounts/security/").status_code == 200


def test_mfa_users_can_change_their_email(
    client: Client, user: User, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    """allauth refuses to add an address to an account with MFA unless
    ``MFA_ALLOW_UNVERIFIED_EMAIL = True`` (safe here: verification is mandatory, so nobody can
    log in with an unverified address to set up MFA; a pending new address is unverified)."""
    from .conftest import activate_totp, totp_code

    secret = activate_totp(user)
    login(client, user.email)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    with django_capture_on_commit_callbacks(execute=True):  # mail is delivered after commit
        response = client.post("/accounts/email/", {"email": NEW, "action_add": ""})
        if response.status_code == 302 and response["Location"].startswith("/accounts/reauth"):
            response = client.post(response["Location"], {"password": PASSWORD})
    assert EmailAddress.objects.filter(email=NEW, verified=False).exists(), (
        "set MFA_ALLOW_UNVERIFIED_EMAIL = True in settings"
    )
    assert [m.to for m in mailoutbox] == [[NEW]]


def test_changes_to_authentication_details_are_mailed(
    logged_in: Callable[..., Client],
    user: User,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    """ASVS 2.2.3: the user hears about a password change (needs
    ``ACCOUNT_EMAIL_NOTIFICATIONS = True``; allauth also mails MFA and e-mail changes then)."""
    client = logged_in()
    mailoutbox.clear()  # the new-device mail of the login above
    new = "an entirely new passphrase"
    with django_capture_on_commit_callbacks(execute=True):  # mail is delivered after commit
        client.post(
            "/accounts/password/change/",
            {"oldpassword": PASSWORD, "password1": new, "password2": new},
        )
    assert [m.to for m in mailoutbox] == [[user.email]], "set ACCOUNT_EMAIL_NOTIFICATIONS = True"
