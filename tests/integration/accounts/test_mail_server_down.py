"""Issue 10: a mail server that cannot be reached never fails the user's action.

Before urikake.mail, the new-device mail was sent inside the login request: with the SMTP
server down (production sends over SMTP), a correct login from a new browser was a 500.
"""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.fixtures.smtp import SmtpServer
from urikake.accounts.models import User
from urikake.mail.models import MailStatus, OutboundMail
from urikake.mail.services import retry_due

from .conftest import login

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens here once the socket is closed


def test_login_from_a_new_browser_succeeds_and_the_mail_is_retried(
    user: User, smtp_server: SmtpServer, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    working_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = _closed_port()  # the mail server is down

    with django_capture_on_commit_callbacks(execute=True):
        response = login(Client(HTTP_USER_AGENT=FIREFOX), user.email)

    assert response.status_code == 302  # logged in, not a 500
    mail = OutboundMail.objects.get(template="accounts/email/new_device")
    assert mail.to == [user.email]
    assert mail.status == MailStatus.QUEUED
    assert mail.attempts == 1
    assert "refused" in mail.last_error.lower()
    assert mail.next_attempt_at is not None
    assert mail.next_attempt_at > timezone.now()
    assert smtp_server.messages == []

    # Not due yet: nothing is tried again.
    assert retry_due() == 0
    # The server is back and the retry time has come: the mail goes out, once.
    settings.EMAIL_PORT = working_port
    assert retry_due(now=mail.next_attempt_at) == 1
    message = smtp_server.wait_for(user.email, subject_contains="新しい端末")
    assert "Firefox / Mac" in smtp_server.body(message)
    mail.refresh_from_db()
    assert mail.status == MailStatus.SENT
    assert mail.attempts == 2
    assert mail.body == ""  # links in a mail do not outlive its delivery
    assert retry_due(now=mail.next_attempt_at or timezone.now()) == 0


def test_a_mail_that_never_gets_through_is_marked_failed(
    user: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()
    settings.MAIL_MAX_ATTEMPTS = 2

    with django_capture_on_commit_callbacks(execute=True):
        assert login(Client(HTTP_USER_AGENT=FIREFOX), user.email).status_code == 302
    mail = OutboundMail.objects.get(template="accounts/email/new_device")
    assert retry_due(now=mail.next_attempt_at) == 1
    mail.refresh_from_db()
    assert mail.status == MailStatus.FAILED
    assert mail.attempts == 2
    assert mail.next_attempt_at is None
    assert retry_due(now=timezone.now() + timezone.timedelta(days=1)) == 0


def test_a_password_reset_request_succeeds_with_the_mail_server_down(
    client: Client, user: User, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """allauth's own mails go the same way."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = _closed_port()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password/reset/", {"email": user.email})

    assert response.status_code == 302
    mail = OutboundMail.objects.get(to=[user.email])
    assert mail.status == MailStatus.QUEUED
    assert mail.attempts == 1
    assert "/accounts/password/reset/key/" in mail.body
