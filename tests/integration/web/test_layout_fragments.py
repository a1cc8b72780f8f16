"""The base layout's stored pieces (``{% layout_fragment %}``) never cross visitors.

Each page is served twice: once right after the store was emptied (every piece rendered for
this visitor) and once after other visitors — another customer of another organisation,
staff, a visitor signed out, the other language — filled it. The two must be the same page
(the per-request CSRF masks aside), and must differ where the visitor differs. The per-request
parts stay live: the unread-notice badge follows a new notice at once, and a
``{% csrf_token %}`` cannot be put inside a piece.
"""

from __future__ import annotations

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.template import Template, TemplateSyntaxError
from django.test import Client

from urikake.accounts.models import User
from urikake.notifications.events import EVENTS
from urikake.notifications.models import Notification
from urikake.system.demo import load_demo_data
from urikake.system.demo_treasury import CLIENT_EMAIL
from urikake.web.templatetags import layout

pytestmark = pytest.mark.django_db

APPLICANT = "applicant@demo.urikake.example"
TREASURY = "treasury@demo.urikake.example"
_CSRF = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+(")')


def _client(email: str | None, language: str) -> Client:
    client = Client()
    if email is not None:
        user = User.objects.get(email=email)
        if user.is_staff and not Authenticator.objects.filter(user=user).exists():
            TOTP.activate(user, generate_totp_secret())
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _page(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return _CSRF.sub(r"\1…\2", response.content.decode())


# (who, language, a page): customers of two organisations, staff, signed out; both languages;
# the top page for everyone (one current app: the pieces' keys must tell the visitors apart)
VISITORS = [
    (who, language, path)
    for language in ("ja", "en")
    for who, page in (
        (APPLICANT, "/my/invoices/"),
        (CLIENT_EMAIL, "/my/contracts/"),
        (TREASURY, "/backoffice/treasury/deposits/"),
        (None, "/company/"),
    )
    for path in (page, "/")
]


def test_each_visitor_gets_the_page_rendered_for_them() -> None:
    load_demo_data()
    clients = {(who, language): _client(who, language) for who, language, _ in VISITORS}
    fresh: dict[tuple[str | None, str, str], str] = {}
    for who, language, path in VISITORS:
        _page(clients[who, language], path)  # a first request may write the session
        layout.clear()
        fresh[who, language, path] = _page(clients[who, language], path)
    # every other visitor's pieces in the store, in both orders
    for order in (VISITORS, list(reversed(VISITORS))):
        layout.clear()
        for who, language, path in order:
            page = _page(clients[who, language], path)
            assert page == fresh[who, language, path], (who, language, path)
    ja, en = fresh[APPLICANT, "ja", "/"], fresh[APPLICANT, "en", "/"]
    assert "ログアウト" in ja
    assert "ログアウト" not in en
    assert '<option value="en" selected>' in en
    assert '<option value="ja" selected>' in ja
    assert "業務メニュー" in fresh[TREASURY, "ja", "/"]
    assert "業務メニュー" not in ja
    assert "マイページ" in ja
    assert "マイページ" not in fresh[TREASURY, "ja", "/"]
    assert "新規登録" in fresh[None, "ja", "/"]
    assert "ログアウト" not in fresh[None, "ja", "/"]


def test_the_unread_badge_and_the_page_address_are_not_stored() -> None:
    load_demo_data()
    user = User.objects.get(email=APPLICANT)
    client = _client(APPLICANT, "ja")
    before = _page(client, "/my/invoices/")
    unread = Notification.objects.filter(recipient=user, read_at=None).count()
    Notification.objects.create(
        event=next(iter(EVENTS)),
        subject="application:1",
        recipient=user,
        organization=user.memberships.get().organization,
    )
    after = _page(client, "/my/invoices/")
    assert f">{unread + 1}</span>" in after
    assert before != after
    assert 'name="next" type="hidden" value="/my/debtors/"' in _page(client, "/my/debtors/")


def test_a_csrf_token_cannot_be_stored() -> None:
    with pytest.raises(TemplateSyntaxError, match="csrf_token"):
        Template(
            "{% load layout %}{% layout_fragment 'x' %}{% csrf_token %}{% endlayout_fragment %}"
        )
