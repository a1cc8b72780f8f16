"""Authorization for JSON API routes (django-ninja), mirroring ``urikake.accounts.access``.

Every operation passes ``auth=`` one of these or
:class:`urikake.applicants.access.ApplicantAuth` (or is listed in :data:`PUBLIC_API_ROUTES`);
the authorization-matrix test fails on an operation that does neither. Session cookies are
used for the browser (CSRF-checked by ninja's ``SessionAuth``); partner API keys come with
connection approval in a later issue.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth

from urikake.accounts.access import Access, AccessRule, has_capability
from urikake.accounts.roles import Capability

# URL names ("api:<name>") of operations that anyone may call.
PUBLIC_API_ROUTES = {"system_version", "system_health", "openapi-json", "openapi-view"}


class AuthenticatedAuth(SessionAuth):
    """Any logged-in user, acting on themselves."""

    rule = AccessRule(Access.AUTHENTICATED)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class StaffAuth(SessionAuth):
    """Staff holding ``capability``."""

    def __init__(self, capability: Capability, *also: Capability) -> None:
        super().__init__()
        self.capabilities = (capability, *also)
        self.rule = AccessRule(Access.STAFF, capability=capability, also=frozenset(also))

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        granted = any(has_capability(request.user, c) for c in self.capabilities)
        return request.user if granted else None
