"""The site's own 400, 403, 404 and 500 pages: Japanese (English in English mode), styled like
every page, with a way back (issue 10 item 11).

``urls.handler400/403/404/500`` point here. The 500 page is rendered without the request's
user or session (the error may be the database itself): a plain template with the site's
stylesheet and links only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _


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
    return _page(
        request,
        500,
        _("ただいまページを表示できません"),
        _(
            "システムで問題が発生しました。担当者が確認しています。しばらく時間をおいてから、もう一度お試しください。"
        ),
    )


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
