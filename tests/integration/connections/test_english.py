"""The connection pages in English (the language cookie): English headings and stage names."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.test import Client

from urikake.connections import demo
from urikake.integrations import connection_names

pytestmark = [pytest.mark.django_db, pytest.mark.connection_register]


def test_register_and_detail_in_english(django_user_model: Any) -> None:
    user = django_user_model.objects.create_user(
        email="c@example.jp", password="x" * 20, is_staff=True, staff_role="compliance"
    )
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    TOTP.activate(user, generate_totp_secret())
    other = django_user_model.objects.create_user(email="d@example.jp", staff_role="compliance")
    demo.walk_to_operating(
        demo.register_demo(connection_names.BANK_API, acting_user=user),
        maker=user,
        checker=other,
    )
    client = Client()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get("/backoffice/connections/").content.decode()
    assert "Connection register" in html
    assert "Operating" in html
    assert "接続許可台帳" not in html
    detail = client.get("/backoffice/connections/bank_api/").content.decode()
    assert "Terms in force" in detail
    assert "Application checklist" in detail
    assert "Production approval" in detail  # a stage name in the timeline
