"""Ask applicants to agree again when the 利用規約 or プライバシーポリシー changes.

Installed after ``AuthenticationMiddleware`` (and after allauth's). For every view whose access
rule is APPLICANT (``urikake.applicants.access.applicant``) it checks that the logged-in user's
latest consent names the current versions of both documents (:mod:`urikake.applicants.terms`)
and otherwise redirects to the consent page, keeping where they were going in ``next``. Public
pages, the consent page itself, login/logout, the API and staff are never redirected, so
nobody can be locked out of reading the new text or withdrawing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from urikake.accounts.access import Access
from urikake.applicants.services import has_current_consent

# Applicant views that must stay reachable without current consent.
EXEMPT_VIEWS = frozenset({"applicants:consent"})


class TermsConsentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: Any,
        view_kwargs: Any,
    ) -> HttpResponse | None:
        rule = getattr(view_func, "access_rule", None)
        if rule is None or rule.access is not Access.APPLICANT:
            return None
        user = request.user
        if not user.is_authenticated or user.is_staff:
            return None  # the applicant decorator deals with these
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        if has_current_consent(user):
            # my page's checklist shows the same fact: it reads it here instead of asking again
            request.urikake_consent_current = True  # type: ignore[attr-defined]
            return None
        target = reverse("applicants:consent")
        return HttpResponseRedirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
