"""django-csp's middleware, with the site-wide policy's text made once per process.

django-csp builds the ``Content-Security-Policy`` header from ``settings.CONTENT_SECURITY_POLICY``
on every response (twice: the policy and the report-only one), about a tenth of the CPU of
``/healthz`` and 4 % of a small API call (benchmarks/README.md, "The fixed cost of a signed-in
request"). The text depends only on those settings unless a response brings its own policy
(django-csp's decorators) or the page used a nonce; those responses, and any response while
DEBUG is on, go through django-csp unchanged. The others get the same headers, under the same
conditions, from a text built once; it is built again when a setting changes (tests).
"""

from __future__ import annotations

from typing import Any

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as _DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.http import HttpRequest, HttpResponseBase

# What django-csp's decorators set on a response that has its own policy.
_PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)

_texts: dict[bool, str] = {}


def _policy(report_only: bool) -> str:
    text = _texts.get(report_only)
    if text is None:
        text = _texts[report_only] = build_policy(report_only=report_only)
    return text


def _excluded(request: HttpRequest, setting: str) -> bool:
    prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
    return request.path_info.startswith(tuple(prefixes))


class CSPMiddleware(_DjangoCSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in _PER_RESPONSE)
        ):
            return super().process_response(request, response)
        for header, report_only, exempt, setting in (
            (HEADER, False, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            text = _policy(report_only)
            if (
                text
                and getattr(response, exempt, False) is False
                and header not in response
                and not _excluded(request, setting)
            ):
                response[header] = text
        # as django-csp: a nonce asked for after the header is written is an error
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response


def _setting_changed(**_kwargs: Any) -> None:
    _texts.clear()


setting_changed.connect(_setting_changed, dispatch_uid="urikake.security.csp")
