"""The account pages: Japanese by default, English on request, accessible, no inline script."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.test import Client

from urikake.accounts.models import User

from .conftest import activate_totp, login

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def assert_no_inline_javascript(html: str) -> None:
    """CSP forbids inline scripts: every <script> loads a file or is a JSON data block."""
    for attrs in SCRIPT.findall(html):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
    assert not re.search(r"\son[a-z]+=\"", html), "inline event handler"


def test_our_templates_win_over_allauths() -> None:
    """Needs our apps listed before allauth's in INSTALLED_APPS (the template loader takes
    the first app that has a template): move "allauth", "allauth.account", "allauth.mfa",
    "allauth.usersessions" below "urikake.web" in settings.INSTALLED_APPS."""
    for name in ("account/login.html", "allauth/layouts/entrance.html", "mfa/index.html"):
        origin = get_template(name).origin.name  # type: ignore[attr-defined]
        assert "/urikake/accounts/templates/" in origin, (name, origin)
    assert "/urikake/web/templates/" in get_template("allauth/layouts/base.html").origin.name  # type: ignore[attr-defined]


def test_login_page(client: Client) -> None:
    response = client.get("/accounts/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_login">メールアドレス</label>' in html
    assert 'autocomplete="email"' in html
    assert 'autocomplete="current-password"' in html
    assert '<label for="id_remember">この端末でログイン状態を保持する</label>' in html
    assert 'href="/accounts/help/">ログインできない場合</a>' in html
    assert 'href="/accounts/password/reset/"' in html
    assert "パスキーでログイン" in html
    assert "/static/accounts/accounts.css" in html
    assert_no_inline_javascript(html)


def test_login_errors_are_announced(client: Client, user: User) -> None:
    html = login(client, user.email, "wrong password, clearly").content.decode()
    assert 'role="alert"' in html
    assert 'aria-invalid="true" aria-describedby="login-errors"' in html
    assert "wrong password" not in html  # the password is never echoed


def test_login_page_in_english(client: Client) -> None:
    html = english(client).get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Keep me logged in on this device" in html
    assert "Trouble logging in?" in html
    assert "この端末でログイン状態を保持する" not in html


def test_login_help_checklist(client: Client) -> None:
    response = client.get("/accounts/help/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "メールアドレスの入力ミス",
        "迷惑メールフォルダ",
        "「Urikake」で検索",
        "30分間だけ有効",
        "15分間ロック",
        'href="/accounts/password/reset/"',
        "ブックマークした公式のURL",
        "共用のパソコン",
        "リカバリーコード",
    ):
        assert text in html, text
    english_html = english(Client()).get("/accounts/help/").content.decode()
    assert "Trouble logging in?" in english_html
    assert "30 minutes" in english_html


def test_security_overview(client: Client, user: User) -> None:
    client.force_login(user)
    html = client.get("/accounts/security/").content.decode()
    assert "未設定" in html
    for href in (
        "/accounts/2fa/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/accounts/sessions/",
    ):
        assert f'href="{href}"' in html, href
    activate_totp(user)
    html = client.get("/accounts/security/").content.decode()
    assert "設定済み" in html
    assert "認証アプリ: 有効" in html


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/2fa/",
        "/accounts/password/change/",
        "/accounts/email/",
        "/accounts/sessions/",
        "/accounts/security/",
        "/accounts/mfa-prompt/",
    ],
)
def test_settings_pages_render_in_our_shell(logged_in: Callable[..., Client], url: str) -> None:
    client = logged_in()
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200, url
    assert 'class="site-header"' in html  # our shell, not allauth's bare layout
    assert "/static/accounts/accounts.css" in html
    assert_no_inline_javascript(html)


def test_mfa_setup_and_challenge_pages(logged_in: Callable[..., Client], user: User) -> None:
    client = logged_in()
    reauth = client.get("/accounts/2fa/totp/activate/")
    client.post(reauth["Location"], {"password": "correct horse battery staple"})
    setup = client.get("/accounts/2fa/totp/activate/")
    html = setup.content.decode()
    assert setup.status_code == 200
    assert 'class="site-header"' in html
    assert 'src="data:image/svg+xml' in html  # the QR code is inline, from no outside service
    assert_no_inline_javascript(html)

    activate_totp(user)
    fresh = Client()
    login(fresh, user.email)
    challenge = fresh.get("/accounts/2fa/authenticate/")
    html = challenge.content.decode()
    assert challenge.status_code == 200
    assert 'class="site-header"' in html
    assert 'autocomplete="one-time-code"' in html
    assert_no_inline_javascript(html)


def test_staff_are_not_offered_to_stay_logged_in_silently(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert "スタッフアカウントでは保持されません" in html


def test_the_mfa_prompt_is_keyboard_and_screen_reader_friendly(
    logged_in: Callable[..., Client],
) -> None:
    html = logged_in().get("/accounts/mfa-prompt/?next=/my/").content.decode()
    # Real links (focusable, announced as links), in reading order: set up first, later second.
    assert html.index(">設定する</a>") < html.index(">あとで</a>")
    assert "<h1>二段階認証を設定しませんか？</h1>" in html


def test_required_settings() -> None:
    """Settings this work relies on (see docs/security.md, "Configuration")."""
    apps: list[Any] = list(settings.INSTALLED_APPS)
    assert apps.index("urikake.accounts") < apps.index("allauth"), "our templates first"
    assert apps.index("urikake.web") < apps.index("allauth"), "our layout first"
    assert settings.PASSWORD_RESET_TIMEOUT == 30 * 60
    assert settings.SESSION_LIMITS["staff"]["idle"] == 15 * 60
