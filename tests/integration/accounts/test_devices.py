"""A mail on login from a new device: once per device, with time (JST), IP and browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from urikake.accounts.devices import (
    cookie_name,
    device_hash,
    device_id_from,
    summarise_user_agent,
)
from urikake.accounts.models import KnownDevice, User
from urikake.audit.models import AuditRecord

from .conftest import create_user, login

pytestmark = pytest.mark.django_db

FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"
EDGE_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
)


@pytest.fixture
def logins(django_capture_on_commit_callbacks: Any) -> Any:
    def do(client: Client, user: User) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            response = login(client, user.email)
        assert response.status_code == 302
        client.post("/accounts/logout/")
        return response

    return do


def test_first_login_from_a_browser_mails_once(
    user: User, mailoutbox: list[Any], logins: Any
) -> None:
    browser = Client(HTTP_USER_AGENT=FIREFOX_MAC, REMOTE_ADDR="203.0.113.7")
    response = logins(browser, user)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [user.email]
    assert "新しい端末からログインがありました" in mail.subject
    assert "203.0.113.7" in mail.body
    assert "Firefox / Mac" in mail.body
    assert "日本時間" in mail.body
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", mail.body)
    assert "/accounts/password/change/" in mail.body
    assert "/accounts/sessions/" in mail.body

    cookie = response.cookies[cookie_name()]
    assert cookie["httponly"]
    assert int(cookie["max-age"]) > 300 * 24 * 60 * 60

    logins(browser, user)  # same browser, cookie kept: no second mail
    logins(browser, user)
    assert len(mailoutbox) == 1
    (device,) = KnownDevice.objects.filter(user=user)
    assert device.user_agent_summary == "Firefox / Mac"
    assert device.last_seen_at > device.first_seen_at


def test_another_browser_is_another_device(user: User, mailoutbox: list[Any], logins: Any) -> None:
    logins(Client(HTTP_USER_AGENT=FIREFOX_MAC), user)
    logins(Client(HTTP_USER_AGENT=EDGE_WINDOWS), user)
    assert len(mailoutbox) == 2
    assert "Edge / Windows" in mailoutbox[1].body
    assert KnownDevice.objects.filter(user=user).count() == 2
    assert AuditRecord.objects.filter(action="auth.new_device").count() == 2


def test_the_same_browser_is_new_for_another_user(
    user: User, mailoutbox: list[Any], logins: Any
) -> None:
    shared = Client(HTTP_USER_AGENT=FIREFOX_MAC)
    logins(shared, user)
    other = create_user("jiro@example.com")
    logins(shared, other)
    assert [m.to for m in mailoutbox] == [[user.email], [other.email]]


def test_a_forged_or_tampered_cookie_counts_as_new(
    user: User, mailoutbox: list[Any], logins: Any
) -> None:
    browser = Client()
    logins(browser, user)
    device = KnownDevice.objects.get(user=user)
    value = browser.cookies[cookie_name()].value
    device_id = value.split(":")[0]
    assert device.device_hash == device_hash(device_id)  # only the HMAC is stored
    assert device_id not in device.device_hash
    browser.cookies[cookie_name()] = device_id + ":forged-signature"
    logins(browser, user)
    assert len(mailoutbox) == 2


def test_the_cookie_is_signed_with_its_own_salt(user: User, logins: Any) -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory

    browser = Client()
    logins(browser, user)
    request = RequestFactory().get("/")
    request.COOKIES[cookie_name()] = browser.cookies[cookie_name()].value
    device_id = device_id_from(request)
    assert device_id
    assert KnownDevice.objects.get(device_hash=device_hash(device_id))
    # The same id signed for another purpose is not accepted as a device cookie.
    other = HttpResponse()
    other.set_signed_cookie(cookie_name(), device_id, salt="another purpose")
    request.COOKIES[cookie_name()] = other.cookies[cookie_name()].value
    assert device_id_from(request) is None


@pytest.mark.parametrize(
    ("user_agent", "summary"),
    [
        (FIREFOX_MAC, "Firefox / Mac"),
        (EDGE_WINDOWS, "Edge / Windows"),
        (
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/126.0.0.0 Mobile Safari/537.36",
            "Chrome / Android",
        ),
        (
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
            "(KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1",
            "Chrome / iPhone",
        ),
        ("curl/8.5.0", ""),
        ("", ""),
    ],
)
def test_user_agent_summary(user_agent: str, summary: str) -> None:
    assert summarise_user_agent(user_agent) == summary
