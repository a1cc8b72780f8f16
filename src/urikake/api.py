"""The JSON API (django-ninja): one ``NinjaAPI``; each app contributes a router.

OpenAPI is generated from type hints and served at ``/api/docs`` with the Swagger UI files
bundled in django-ninja's static directory (no CDN: the platform must work offline).
Every error has one shape, ``{"error": {"code", "message", …}}``: domain errors
(:class:`urikake.domain.errors.DomainError`, 422, with ``field``/``line``), schema errors (422,
with ``problems``), a body that cannot be parsed (400), no or the wrong login (401/403), an
unknown object or route (404), a wrong method (405), too many requests (429) and a server
error (500, never a traceback), the database unreachable for a moment (503 with
``Retry-After``). The OpenAPI schema documents those responses on every
operation (:class:`UrikakeApi`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Swagger
from ninja.errors import HttpError, ValidationError

from urikake.applicants.api import router as applicants_router
from urikake.bulk.api import router as bulk_router
from urikake.contracts.api import router as contracts_router
from urikake.domain.errors import DomainError
from urikake.guarantees.api import router as guarantees_router
from urikake.kyc.api import router as kyc_router
from urikake.ledger.api import router as ledger_router
from urikake.lending.api import router as lending_router
from urikake.receivables.api import router as receivables_router
from urikake.system.api import router as system_router
from urikake.treasury.api import router as treasury_router

# Status → (code, message) for errors that carry no text of their own that a person can read.
_STATUS_ERRORS: dict[int, tuple[str, str]] = {
    400: ("request.malformed", "リクエストの本文を読み取れません。形式を確認してください。"),
    401: ("auth.required", "ログインが必要です。"),
    403: ("auth.forbidden", "この操作を行う権限がありません。"),
    404: ("not_found", "指定されたものは見つかりません。"),
    405: ("request.method_not_allowed", "この操作にはこのメソッドを使えません。"),
    413: ("request.too_large", "リクエストが大きすぎます。"),
    429: ("request.throttled", "リクエストが多すぎます。しばらくしてからもう一度お試しください。"),
    500: ("server.error", "サーバーで問題が発生しました。時間をおいてもう一度お試しください。"),
    # The database is unreachable for a moment (urikake.web.errors): nothing was changed.
    503: (
        "service.unavailable",
        "ただいまサービスを一時的に利用できません。しばらくしてからもう一度お試しください。",
    ),
}
# ninja's own English defaults, replaced by the Japanese text above.
_NINJA_DEFAULT_MESSAGES = {"Unauthorized", "Forbidden", "Not Found", "Too many requests."}


def error_body(status: int, message: str | None = None) -> dict[str, Any]:
    code, default = _STATUS_ERRORS.get(status, ("request.failed", "リクエストを処理できません。"))
    return {"error": {"code": code, "message": message or default}}


class UrikakeApi(NinjaAPI):
    """NinjaAPI whose OpenAPI schema documents the common error responses everywhere."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = _ERROR_SCHEMA
        ref = {"$ref": "#/components/schemas/Error"}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                # ninja keys its responses by int: a str key of the same status would be a
                # duplicate key in the JSON (Swagger UI's YAML parser refuses the schema).
                declared = {str(key) for key in responses}
                for status in _documented_statuses(operation):
                    if str(status) in declared:
                        continue
                    responses.setdefault(
                        status,
                        {
                            "description": _STATUS_ERRORS[status][1],
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
        return schema


def _documented_statuses(operation: dict[str, Any]) -> list[int]:
    statuses = [400, 404, 422, 429, 500, 503]
    if operation.get("security"):
        statuses += [401, 403]
    return statuses


_STATUS_ERRORS[422] = ("request.invalid", "入力内容を確認してください。")
_ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "機械可読なエラーコード"},
                "message": {"type": "string", "description": "利用者向けの説明（日本語）"},
                "field": {"type": ["string", "null"]},
                "line": {"type": ["integer", "null"]},
                "limit": {"type": ["integer", "null"]},
                "bound": {"type": ["string", "null"]},
                "problems": {"type": ["array", "null"], "items": {"type": "object"}},
            },
        }
    },
}


api = UrikakeApi(
    title="Urikake API",
    version="1",
    description="売掛債権流動化プラットフォーム Urikake の API。",
    docs=Swagger(settings={"persistAuthorization": False}),
    docs_url="/docs",
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, {"error": exc.as_dict()}, status=422)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc.message) if exc.message not in _NINJA_DEFAULT_MESSAGES else None
    return api.create_response(
        request, error_body(exc.status_code, message), status=exc.status_code
    )


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, error_body(404), status=404)


@api.exception_handler(MultiPartParserError)
def _unreadable_body(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    # e.g. multipart/form-data without a boundary: the CSRF check reads the body first.
    return api.create_response(request, error_body(400), status=400)


def _problem(error: dict[str, Any]) -> dict[str, Any]:
    """One schema error as ``{code, message, field}``; a number out of range names its bound."""
    # ("body", "payload", "debtor_id") → "debtor_id": the name the client sent.
    field = ".".join(
        str(part)
        for part in error.get("loc", ())
        if part not in ("body", "payload", "query", "path", "header")
    )
    ctx = error.get("ctx") or {}
    kind = error.get("type", "")
    if kind in ("less_than_equal", "less_than") and ("le" in ctx or "lt" in ctx):
        bound = ctx.get("le", ctx.get("lt"))
        return {
            "code": "request.too_large",
            "message": f"{field} は {bound:,} 以下で指定してください。",
            "field": field,
            "limit": bound,
        }
    if kind in ("greater_than_equal", "greater_than") and ("ge" in ctx or "gt" in ctx):
        bound = ctx.get("ge", ctx.get("gt"))
        return {
            "code": "request.too_small",
            "message": f"{field} は {bound:,} 以上で指定してください。",
            "field": field,
            "limit": bound,
        }
    if kind == "too_long" and "max_length" in ctx:
        return {
            "code": "request.too_many",
            "message": f"{field} は {ctx['max_length']:,} 件までです。",
            "field": field,
            "limit": ctx["max_length"],
        }
    return {"code": "request.invalid", "message": str(error.get("msg", "")), "field": field}


@api.exception_handler(ValidationError)
def _schema_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Request bodies that do not match the schema: the same error shape as DomainError."""
    problems = [_problem(error) for error in exc.errors]
    return api.create_response(
        request,
        {
            "error": {
                "code": "request.invalid",
                "message": "入力内容を確認してください。",
                "problems": problems,
            }
        },
        status=422,
    )


api.add_router("/system", system_router)
api.add_router("/applicants", applicants_router)
api.add_router("/kyc", kyc_router)
api.add_router("/receivables", receivables_router)
api.add_router("/ledger", ledger_router)
api.add_router("/contracts", contracts_router)
api.add_router("/treasury", treasury_router)
api.add_router("/lending", lending_router)
api.add_router("/guarantees", guarantees_router)
api.add_router("/bulk", bulk_router)


class ApiErrorShapeMiddleware:
    """Errors under ``/api/`` that never reached an operation get the common JSON shape.

    An unknown route (Django's 404 page), a wrong method (ninja's plain-text 405), a CSRF
    refusal or an unhandled exception (a 500 page, with a traceback in development) would
    otherwise answer HTML or text to an API client.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if request.path.startswith("/api/docs"):
            return response
        shaped = JsonResponse(error_body(response.status_code), status=response.status_code)
        for header in ("Allow", "Retry-After", "Cache-Control"):
            if header in response:
                shaped[header] = response[header]
        return shaped
