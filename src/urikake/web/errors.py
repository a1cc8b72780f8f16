"""The site's own 400, 403, 404 and 500 pages: Japanese (English in English mode), styled like
every page, with a way back (issue 10 item 11).

``urls.handler400/403/404/500`` point here. The 500 page is rendered without the request's
user or session (the error may be the database itself): a plain template with the site's
stylesheet and links only.

When the unhandled error is the database being unreachable (PostgreSQL restarting, a
connection cut, SQLite locked), the answer is **503** with ``Retry-After`` instead of 500: the
request did nothing (every change is one transaction) and will work once the database is
back, which is what 503 tells browsers, API clients and load balancers. Django calls
``handler500`` for an exception raised anywhere in the middleware chain or the view, so the
session and user look-ups that fail first are covered too; under ``/api/``
``urikake.api.ApiErrorShapeMiddleware`` turns the page into the JSON error shape and keeps the
header. The traceback goes to the server log only.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

# Seconds a client should wait before trying again: a restart of PostgreSQL takes a few.
RETRY_AFTER_SECONDS = 5


def is_database_unavailable(exc: BaseException | None) -> bool:
    """Whether ``exc`` (or what caused it) says the database cannot be reached or used now.

    Django wraps the driver's errors in ``django.db.OperationalError``/``InterfaceError``; a
    few paths (closing a dead connection) raise the driver's own, kept as the cause.
    """
    driver = getattr(connection, "Database", None)
    kinds: tuple[type[BaseException], ...] = (OperationalError, InterfaceError)
    if driver is not None:
        kinds += (driver.OperationalError, driver.InterfaceError)
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, kinds):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _page(request: HttpRequest, status: int, title: str, message: str) -> HttpResponse:
    template = loader.get_template("web/errors/error.html")
    body = template.render(
        {"status": status, "title": title, "message": message, "request_path": request.path}
    )
    response = HttpResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        400,
        _("リクエストを処理できませんでした"),
        _(
            "送信された内容に誤りがあるか、ページの有効期限が切れています。前のページに戻り、もう一度お試しください。"
        ),
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("このページを表示する権限がありません"),
        _(
            "ログインしているアカウントでは、このページを利用できません。別のアカウントでログインするか、トップページからやり直してください。"
        ),
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        404,
        _("ページが見つかりません"),
        _(
            "お探しのページは削除されたか、アドレスが変わった可能性があります。アドレスをご確認ください。"
        ),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if is_database_unavailable(sys.exc_info()[1]):
        return service_unavailable(request)
    return _page(
        request,
        500,
        _("ただいまページを表示できません"),
        _(
            "システムで問題が発生しました。担当者が確認しています。しばらく時間をおいてから、もう一度お試しください。"
        ),
    )


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """503 + ``Retry-After``: the database is down for a moment; nothing was changed."""
    response = _page(
        request,
        503,
        _("ただいまサービスを一時的に利用できません"),
        _(
            "システムが一時的に応答できない状態です。操作は行われていません。しばらく時間をおいてから、もう一度お試しください。"
        ),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: a form sent from an expired or foreign page."""
    return _page(
        request,
        403,
        _("ページの有効期限が切れました"),
        _(
            "安全のため、送信を受け付けませんでした。前のページを再読み込みしてから、もう一度お試しください。"
        ),
    )
