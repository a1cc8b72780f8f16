"""MFA: TOTP and recovery codes through allauth's pages, staff enforcement, the applicant
prompt, and what an MFA change does to other sessions."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from urikake.accounts.models import User
from urikake.audit.models import AuditRecord

from .conftest import PASSWORD, activate_totp, create_user, has_authenticator, login, totp_code

pytestmark = pytest.mark.django_db

PROBE = "/accounts/security/"  # any page that needs a login


def is_logged_in(client: Client) -> bool:
    return client.get(PROBE).status_code == 200


def reauthenticate(client: Client, response: Any, password: str = PASSWORD) -> None:
    """Follow allauth's redirect to the re-authentication page and enter the password."""
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/reauthenticate/"), response["Location"]
    done = client.post(response["Location"], {"password": password})
    assert done.status_code == 302, done.content.decode()[:3000]


def enable_totp(client: Client) -> str:
    """Set up TOTP the way a user does: re-authenticate, scan, type a code."""
    url = "/accounts/2fa/totp/activate/"
    reauthenticate(client, client.get(url))
    assert client.get(url).status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(url, {"code": totp_code(secret)})
    assert response.status_code == 302, response.content.decode()[:3000]
    return str(secret)


def within_one_totp_window(scenario: Callable[[], None]) -> None:
    """Run ``scenario`` so that it starts and ends in the same 30-second TOTP window.

    A code's validity is tied to the window; a scenario that straddles a boundary would
    test the clock, not the rule. It is retried (at most twice) instead.
    """
    for _ in range(3):
        window = int(time.time()) // 30
        scenario()
        if int(time.time()) // 30 == window:
            return
    pytest.fail("could not run within one TOTP window")


@pytest.mark.django_db(transaction=True)  # on_commit work runs inside the request
def test_enable_totp_then_log_in_with_a_code(logged_in: Callable[..., Client], user: User) -> None:
    client = logged_in()
    secret = enable_totp(client)
    assert has_authenticator(user, Authenticator.Type.TOTP)
    assert has_authenticator(user, Authenticator.Type.RECOVERY_CODES)  # generated with it
    client.post("/accounts/logout/")

    fresh = Client()
    step = login(fresh, user.email)
    assert step.status_code == 302
    assert step["Location"].startswith("/accounts/2fa/authenticate/")
    assert not is_logged_in(fresh)  # the password alone is not enough
    wrong = fresh.post("/accounts/2fa/authenticate/", {"code": "000000"})
    if totp_code(secret) != "000000":
        assert wrong.status_code == 200
        assert not is_logged_in(fresh)
    done = fresh.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert done.status_code == 302
    assert is_logged_in(fresh)
    login_record = AuditRecord.objects.filter(action="auth.login").last()
    assert login_record is not None
    assert login_record.payload["methods"] == ["mfa", "password"]


def test_a_totp_code_works_only_once(user: User) -> None:
    secret = activate_totp(user)

    def scenario() -> None:
        first, second = Client(), Client()
        code = totp_code(secret)
        login(first, user.email)
        assert first.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
        login(second, user.email)
        replay = second.post("/accounts/2fa/authenticate/", {"code": code})
        assert replay.status_code == 200
        assert not is_logged_in(second)

    within_one_totp_window(scenario)


@pytest.mark.django_db(transaction=True)  # on_commit work runs inside the request
def test_a_recovery_code_works_only_once(logged_in: Callable[..., Client], user: User) -> None:
    enable_totp(logged_in())
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()
    assert len(codes) == 10
    first = Client()
    login(first, user.email)
    assert first.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 302
    assert is_logged_in(first)
    second = Client()
    login(second, user.email)
    assert second.post("/accounts/2fa/authenticate/", {"code": codes[0]}).status_code == 200
    assert not is_logged_in(second)
    assert codes[0] not in (
        Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()
    )


@pytest.mark.django_db(transaction=True)  # on_commit work runs inside the request
def test_adding_mfa_ends_the_other_sessions(logged_in: Callable[..., Client], user: User) -> None:
    here, elsewhere = logged_in(), logged_in()
    assert is_logged_in(elsewhere)
    enable_totp(here)
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    added = AuditRecord.objects.filter(action="auth.mfa_added", payload__type="totp").get()
    assert added.payload["other_sessions_ended"] == 1


def test_removing_mfa_ends_the_other_sessions(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    secret = activate_totp(user)

    def log_in() -> Client:
        c = Client()
        login(c, user.email)
        c.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
        return c

    here = log_in()
    elsewhere = Client()
    elsewhere.force_login(user)
    assert is_logged_in(here)
    assert is_logged_in(elsewhere)
    with django_capture_on_commit_callbacks(execute=True):
        # allauth suspends the POST, asks for the password, then carries the POST out.
        reauthenticate(here, here.post("/accounts/2fa/totp/deactivate/"))
    assert not has_authenticator(user, Authenticator.Type.TOTP)
    assert is_logged_in(here)
    assert not is_logged_in(elsewhere)
    assert AuditRecord.objects.filter(action="auth.mfa_removed").exists()


def test_turning_mfa_off_with_a_short_password_asks_for_a_longer_one(
    user: User, django_capture_on_commit_callbacks: Any
) -> None:
    secret = activate_totp(user)
    short = "kettle9x"  # 8 characters: allowed only with MFA
    user.set_password(short)
    user.save()
    client = Client()
    login(client, user.email, short)
    client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert is_logged_in(client)
    with django_capture_on_commit_callbacks(execute=True):
        reauthenticate(client, client.post("/accounts/2fa/totp/deactivate/"), password=short)
    assert not has_authenticator(user, Authenticator.Type.TOTP)
    page = client.get(PROBE)
    assert page.status_code == 302
    assert page["Location"] == "/accounts/password/change/"
    form = client.get("/accounts/password/change/")
    assert "15文字以上のパスワードに変更" in form.content.decode()
    new = "a much longer passphrase now"
    changed = client.post(
        "/accounts/password/change/", {"oldpassword": short, "password1": new, "password2": new}
    )
    assert changed.status_code == 302
    assert client.get(PROBE).status_code == 200


def test_staff_without_mfa_are_sent_to_set_it_up(client: Client, staff_user: User) -> None:
    response = login(client, staff_user.email)
    assert response["Location"] == "/backoffice/"  # staff land on the back office, not /my/
    for page in ("/backoffice/", PROBE, "/my/"):
        blocked = client.get(page)
        assert blocked.status_code == 302, page
        assert blocked["Location"] == "/accounts/2fa/", page
        # The redirect carries the page policy like any answer (it was sent without it).
        assert blocked["X-Frame-Options"] == "DENY", page
        assert "default-src" in blocked["Content-Security-Policy"], page
    setup = client.get("/accounts/2fa/")
    assert setup.status_code == 200
    assert "スタッフアカウントは二段階認証の設定が必須です" in setup.content.decode()
    # Setting it up needs re-authentication: that page is reachable too.
    activate = client.get("/accounts/2fa/totp/activate/")
    assert activate["Location"].startswith("/accounts/reauthenticate/")
    assert client.get(activate["Location"]).status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert not is_logged_in(client)


def test_staff_api_calls_without_mfa_get_a_json_403(client: Client, staff_user: User) -> None:
    client.force_login(staff_user)
    response = client.get("/api/version")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "mfa_required"


def test_staff_with_mfa_use_it_and_reach_the_back_office(client: Client, staff_user: User) -> None:
    secret = activate_totp(staff_user)
    login(client, staff_user.email)
    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert response["Location"] == "/backoffice/"
    assert client.get("/backoffice/").status_code == 200


def test_the_admin_password_only_login_is_closed(client: Client, staff_user: User) -> None:
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    posted = client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD})
    assert posted.status_code == 403
    assert not is_logged_in(client)


def test_applicants_without_mfa_are_prompted_once_after_login(client: Client, user: User) -> None:
    response = login(client, user.email)
    assert response["Location"] == "/accounts/mfa-prompt/?next=%2Fmy%2F"
    page = client.get(response["Location"]).content.decode()
    assert "設定する" in page
    assert 'href="/accounts/2fa/"' in page
    assert "あとで" in page
    assert 'href="/my/"' in page
    # An outside "next" is not followed.
    evil = client.get("/accounts/mfa-prompt/?next=https://evil.example/").content.decode()
    assert 'href="https://evil.example/"' not in evil
    assert 'href="/my/"' in evil
    client.post("/accounts/logout/")
    again = login(client, user.email)  # a new session: prompted again
    assert again["Location"].startswith("/accounts/mfa-prompt/")


def test_no_prompt_with_mfa_or_for_staff(client: Client, user: User) -> None:
    secret = activate_totp(user)
    login(client, user.email)
    done = client.post("/accounts/2fa/authenticate/", {"code": totp_code(secret)})
    assert done["Location"] == "/my/"
    staff = create_user("ops@operator.example", is_staff=True, staff_role="admin")
    staff_secret = activate_totp(staff)
    other = Client()
    login(other, staff.email)
    done = other.post("/accounts/2fa/authenticate/", {"code": totp_code(staff_secret)})
    assert done["Location"] == "/backoffice/"


def test_wrong_codes_are_audited_and_count_towards_the_throttle(client: Client, user: User) -> None:
    from urikake.accounts.lockout import email_digest
    from urikake.accounts.models import LoginThrottle

    secret = activate_totp(user)
    login(client, user.email)
    bad = "111111" if totp_code(secret) != "111111" else "222222"
    client.post("/accounts/2fa/authenticate/", {"code": bad})
    record = AuditRecord.objects.get(action="auth.mfa_failed")
    assert record.object_id == str(user.pk)
    assert LoginThrottle.objects.get(key=email_digest(user.email)).failures == 1
