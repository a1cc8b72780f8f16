"""allauth's own mails look like ours: the 【Urikake】 subject and our greeting and footer
(templates account/email/base_message.txt and base_notification.txt in accounts/templates)."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from urikake.accounts.models import User

pytestmark = pytest.mark.django_db


def test_the_password_reset_mail_is_branded(
    mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    user = User.objects.create_user(email="brand@example.jp", password="x" * 20)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/accounts/password/reset/", {"email": user.email})
    (mail,) = mailoutbox
    assert mail.subject.startswith("【Urikake】")
    assert "いつも Urikake（ウリカケ）をご利用いただきありがとうございます。" in mail.body
    assert "このメールは送信専用です。" in mail.body
    assert "Hello from" not in mail.body
    assert "example.com" not in mail.body
