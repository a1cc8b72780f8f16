"""Passkeys (WebAuthn) for real: Chromium's virtual authenticator (DevTools protocol) plays the
security key, allauth.mfa verifies the attestation and the assertion (issue 3, MFA)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from tests.e2e.conftest import DESKTOP
from urikake.applicants import services as applicants
from urikake.applicants import terms

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "passkey.user@example.jp"
PASSWORD = "passkey-user-password-2026"


def _applicant(django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user(email=EMAIL, password=PASSWORD)
    EmailAddress.objects.create(user=user, email=EMAIL, verified=True, primary=True)
    versions = terms.current_versions()
    applicants.give_consent(
        acting_user=user,
        ip=None,
        terms_version=versions["terms"],
        privacy_version=versions["privacy"],
    )
    return user


def test_add_a_passkey_then_log_in_with_it(
    live_server: Any, browser: Any, django_user_model: Any
) -> None:
    user = _applicant(django_user_model)
    base = live_server.url
    context = browser.new_context(viewport=DESKTOP, locale="ja-JP")
    context.set_default_timeout(20_000)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )

    # Log in with the password, then register a passwordless key.
    page.goto(base + "/accounts/login/")
    page.fill("#id_login", EMAIL)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="ログイン", exact=True).click()
    page.wait_for_load_state()
    page.goto(base + "/accounts/2fa/webauthn/add/")
    if "/reauthenticate/" in page.url:
        page.get_by_label("パスワード").fill(PASSWORD)
        page.locator("main form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/webauthn/add/"))
    page.locator("input[name=name]").fill("ノートPCの指紋認証")
    page.locator("input[name=passwordless]").check()
    page.locator("#mfa_webauthn_add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.WEBAUTHN).count() == 1
    credentials = cdp.send(
        "WebAuthn.getCredentials", {"authenticatorId": authenticator["authenticatorId"]}
    )
    assert len(credentials["credentials"]) == 1

    # Log out; log in with the passkey alone (no e-mail, no password).
    context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.locator("#passkey_login").click()
    page.wait_for_url(re.compile(r"/(my|onboarding|accounts/mfa-prompt)/"))
    page.goto(base + "/accounts/security/")
    assert "/accounts/login/" not in page.url
    context.close()
