"""The JSON API (django-ninja): one ``NinjaAPI``; each app contributes a router.

OpenAPI is generated from type hints and served at ``/api/docs`` with the Swagger UI files
bundled in django-ninja's static directory (no CDN: the platform must work offline).
Errors from the domain core (:class:`urikake.domain.errors.DomainError`) become structured
JSON ``{"error": {"code", "message", "field"?, "line"?}}`` with status 422.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import ValidationError

from urikake.applicants.api import router as applicants_router
from urikake.contracts.api import router as contracts_router
from urikake.domain.errors import DomainError
from urikake.kyc.api import router as kyc_router
from urikake.ledger.api import router as ledger_router
from urikake.lending.api import router as lending_router
from urikake.receivables.api import router as receivables_router
from urikake.system.api import router as system_router
from urikake.treasury.api import router as treasury_router

api = NinjaAPI(
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
