"""The site's own 400, 403, 404 and 500 pages (issue 10 item 11): Japanese, English in
English mode, styled like the site (its stylesheet), with a way back to the top page."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from urikake.accounts.models import User

pytestmark = pytest.mark.django_db


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("planted failure")


def _bad(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("planted bad request")


def _denied(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied("planted")


# A test-only URL configuration: the project's, plus views that fail on purpose.
urlpatterns = [
    path("test-errors/500/", _boom),
    path("test-errors/400/", _bad),
    path("test-errors/403/", _denied),
    path("", include("urikake.urls")),
]
handler400 = "urikake.web.errors.bad_request"
handler403 = "urikake.web.errors.permission_denied"
handler404 = "urikake.web.errors.page_not_found"
handler500 = "urikake.web.errors.server_error"

JA = {
    400: "リクエストを処理できませんでした",
    403: "このページを表示する権限がありません",
    404: "ページが見つかりません",
    500: "ただいまページを表示できません",
}
EN = {
    400: "We could not process this request",
    403: "You do not have permission to see this page",
    404: "Page not found",
    500: "This page cannot be shown right now",
}
URLS = {
    400: "/test-errors/400/",
    403: "/test-errors/403/",
    404: "/no-such-page/",
    500: "/test-errors/500/",
}


def _client(language: str) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
@pytest.mark.parametrize("status", [400, 403, 404, 500])
@pytest.mark.parametrize("language", ["ja", "en"])
def test_error_pages_speak_the_readers_language(status: int, language: str) -> None:
    response = _client(language).get(URLS[status])
    assert response.status_code == status
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert (JA if language == "ja" else EN)[status] in html
    assert (EN if language == "ja" else JA)[status] not in html
    assert "urikake/site.css" in html  # styled like the site
    assert 'href="/"' in html  # a way back
    assert "planted" not in html  # never the developer's message
    assert "no-store" in response["Cache-Control"]


def test_the_project_points_its_handlers_at_these_pages() -> None:
    from urikake import urls

    assert urls.handler403 == "urikake.web.errors.permission_denied"
    assert urls.handler404 == "urikake.web.errors.page_not_found"
    assert urls.handler500 == "urikake.web.errors.server_error"
    assert urls.handler400 == "urikake.web.errors.bad_request"


def test_an_applicant_on_a_staff_page_gets_the_japanese_403() -> None:
    user = User.objects.create_user(email="owner-403@example.com", password="x" * 20)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    client = _client("ja")
    client.force_login(user)
    response = client.get("/backoffice/")
    assert response.status_code == 403
    assert JA[403] in response.content.decode()


@override_settings(DEBUG=False)
def test_a_missing_page_of_the_real_project_is_the_japanese_404() -> None:
    response = _client("ja").get("/my/contracts/no-such/")
    assert response.status_code == 404
    assert JA[404] in response.content.decode()


def test_a_form_without_its_csrf_token_gets_the_site_403() -> None:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ja"
    response = client.post("/accounts/login/", {"login": "a@example.com", "password": "x"})
    assert response.status_code == 403
    assert "ページの有効期限が切れました" in response.content.decode()
