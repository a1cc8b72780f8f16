"""The operator's back office: one home page, then one section per capability."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from urikake.accounts.access import staff_member
from urikake.accounts.roles import ROLE_CAPABILITIES, StaffRole


@staff_member
def home(request: HttpRequest) -> HttpResponse:
    role = request.user.staff_role  # type: ignore[union-attr]
    capabilities = ROLE_CAPABILITIES.get(StaffRole(role), frozenset()) if role else frozenset()
    return render(
        request,
        "backoffice/home.html",
        {"role_label": StaffRole(role).label if role else "", "capabilities": capabilities},
    )
