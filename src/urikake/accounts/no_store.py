"""``Cache-Control: no-store`` on every page that may carry personal or financial data.

One rule for the whole site instead of a decorator per view: a response may be kept by a
browser or a shared cache only when an anonymous visitor asked for a view marked
:func:`urikake.accounts.access.public` (the top page, terms, the login page's static parts).
Everything else — my page, the back office, onboarding, the JSON API, account pages, the
admin, and any page a logged-in user sees — is sent with ``no-store, private`` (PDFs and KYC
images already set it themselves; that is kept).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from urikake.accounts.access import Access

_RULE_ATTR = "_urikake_access_rule"


def may_be_cached(request: HttpRequest) -> bool:
    """Only anonymous requests to public views may be stored by a cache."""
    rule = getattr(request, _RULE_ATTR, None)
    if rule is None or rule.access is not Access.PUBLIC:
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated)


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not may_be_cached(request):
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> None:
        rule = getattr(view_func, "access_rule", None) or getattr(
            getattr(view_func, "view_class", None), "access_rule", None
        )
        setattr(request, _RULE_ATTR, rule)
