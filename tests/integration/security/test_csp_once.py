"""urikake.security.csp: the same CSP headers as django-csp's middleware, the text made once."""

from __future__ import annotations

from typing import Any

import pytest
from csp.constants import NONCE
from csp.middleware import CSPMiddleware as DjangoCSP
from django.http import HttpResponse
from django.test import RequestFactory

from urikake.security.csp import CSPMiddleware

REPORT_ONLY = {"DIRECTIVES": {"default-src": ["'self'"], "report-uri": "/csp-report/"}}


def _headers(middleware_class: type, path: str = "/my/", **response_attrs: Any) -> dict[str, str]:
    request = RequestFactory().get(path)
    response = HttpResponse("ok")
    for name, value in response_attrs.items():
        setattr(response, name, value)
    middleware = middleware_class(lambda _request: response)
    middleware.process_request(request)
    middleware.process_response(request, response)
    with pytest.raises(Exception, match="after the CSP header"):
        str(request.csp_nonce)  # asked for too late: an error, as django-csp's
    return {k: v for k, v in response.headers.items() if "Content-Security" in k}


@pytest.mark.parametrize(
    "attrs",
    [
        {},
        {"_csp_exempt": True},
        {"_csp_exempt_ro": True},
        {"_csp_update": {"img-src": ["https://example.com"]}},
        {"_csp_replace": {"script-src": ["'none'"]}},
    ],
)
def test_the_headers_are_django_csps(settings: Any, attrs: dict[str, Any]) -> None:
    settings.CONTENT_SECURITY_POLICY_REPORT_ONLY = REPORT_ONLY
    ours = _headers(CSPMiddleware, **attrs)
    assert ours == _headers(DjangoCSP, **attrs)
    assert "Content-Security-Policy" in ours or attrs == {"_csp_exempt": True}


def test_excluded_prefixes_and_a_changed_setting(settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/api/docs"],
    }
    assert _headers(CSPMiddleware, "/api/docs/") == _headers(DjangoCSP, "/api/docs/") == {}
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert _headers(CSPMiddleware) == {"Content-Security-Policy": "default-src 'none'"}


def test_a_page_with_a_nonce_gets_it_in_the_header(settings: Any) -> None:
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": ["'self'", NONCE]}}
    request = RequestFactory().get("/my/")
    response = HttpResponse("ok")
    middleware = CSPMiddleware(lambda _request: response)
    middleware.process_request(request)
    nonce = str(request.csp_nonce)
    middleware.process_response(request, response)
    assert f"script-src 'self' 'nonce-{nonce}'" in response["Content-Security-Policy"]
