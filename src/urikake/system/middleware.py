"""The request's id, its one summary log line and its latency sample (docs/operations.md).

First in ``MIDDLEWARE`` so that it times everything, including static files and redirects.
For each request it

* takes the proxy's ``X-Request-ID`` (or makes one), makes it the context of every log line
  written while serving the request, and returns it in the response's ``X-Request-ID``;
* logs one line on ``urikake.request``: route name, method, status, duration, user id.
  Never the raw path (password-reset and e-mail-confirmation links carry secret keys in the
  path), never the query string, headers or body (passwords, tokens, personal data);
* records the latency in the ``urikake_http_request_duration_seconds`` histogram by route
  name and status class.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.core.signals import request_finished, request_started
from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty

from urikake.system import metrics
from urikake.system.logcontext import accept_or_new_request_id, request_id_var, user_id_var

log = logging.getLogger("urikake.request")

# Requests that are not routed through the URL resolver (whitenoise's static files, 404s).
STATIC_ROUTE = "static"
UNMATCHED_ROUTE = "unmatched"


def route_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or UNMATCHED_ROUTE
    if request.path.startswith("/static/"):
        return STATIC_ROUTE
    return UNMATCHED_ROUTE


def _user_id(request: HttpRequest) -> str:
    """The signed-in user's id, if the request has looked the user up already.

    The log line never makes the look-up itself: it would cost a query on requests that do
    not need the user, and while the database is down it would raise here, outside the
    middleware that shapes the API's errors (the answer would be an HTML page).
    """
    user = getattr(request, "user", None)
    if isinstance(user, LazyObject) and getattr(user, "_wrapped", empty) is empty:
        return ""
    if user is not None and user.is_authenticated:
        return str(user.pk)
    return ""


def _clear_context(**_kwargs: object) -> None:
    request_id_var.set("")
    user_id_var.set("")


# The context stays set after the middleware returns, so that Django's own lines about the
# response ("Forbidden: …", "Not Found: …", written after the middleware chain) carry the
# request id too; it is cleared when the request starts and when it has been sent.
request_started.connect(_clear_context, dispatch_uid="urikake.request_context.start")
request_finished.connect(_clear_context, dispatch_uid="urikake.request_context.finish")


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        request_id = accept_or_new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id  # type: ignore[attr-defined]
        request_id_var.set(request_id)
        user_id_var.set("")
        response = self.get_response(request)
        duration = time.perf_counter() - started
        route = route_name(request)
        user_id_var.set(_user_id(request))
        response["X-Request-ID"] = request_id
        metrics.observe_request(route, request.method or "", response.status_code, duration)
        log.info(
            "%s %s %s %.1fms",
            request.method,
            route,
            response.status_code,
            duration * 1000,
            extra={
                "route": route,
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round(duration * 1000, 1),
            },
        )
        return response
