"""The applicant rule: a member of an applicant organisation, acting on that organisation.

The rule vocabulary (:class:`~urikake.accounts.access.Access`, ``AccessRule``) and the rules
that need no organisation (public, authenticated, staff) are in :mod:`urikake.accounts.access`;
this module adds the ones that need to know organisations and memberships.

Object-level rule: an applicant view that takes an object id loads it through
:func:`owned_or_404`, which looks only inside the user's own organisation, so another
organisation's object is indistinguishable from a missing one (404, not 403).
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import connection, models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from ninja.security import SessionAuth

from urikake.accounts.access import Access, AccessRule, V, mark_rule
from urikake.accounts.fixed_reads import Columns, SqlText
from urikake.applicants.models import Membership, Organization

M = TypeVar("M", bound=models.Model)

_MEMBERSHIP = Columns(Membership, "m")
_ORGANIZATION = Columns(Organization, "o")


def _membership_sql(db: Any) -> str:
    qn = db.ops.quote_name
    m, o = qn("m"), qn("o")
    return (
        f"SELECT {_MEMBERSHIP.select(db)}, {_ORGANIZATION.select(db)} "  # noqa: S608 # nosec B608 # identifiers from quote_name, values bound
        f"FROM {_MEMBERSHIP.table(db)} INNER JOIN {_ORGANIZATION.table(db)} "
        f"ON {m}.{qn('organization_id')} = {o}.{qn('id')} "
        f"WHERE {m}.{qn('user_id')} = %s AND {m}.{qn('is_active')} = %s "
        f"ORDER BY {m}.{qn('created_at')} ASC, {m}.{qn('id')} ASC LIMIT 1"
    )


# Membership.objects.select_related("organization").filter(user=…, is_active=True)
# .order_by("created_at").first(), without the ORM building it on every request
_MEMBERSHIP_READ = SqlText(_membership_sql)


def _active_membership(user_id: int) -> Membership | None:
    with connection.cursor() as cursor:
        cursor.execute(_MEMBERSHIP_READ(connection), [user_id, True])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_MEMBERSHIP)
    membership: Membership = _MEMBERSHIP.instance(connection, row[:split])
    organization: Organization = _ORGANIZATION.instance(connection, row[split:])
    Membership.organization.field.set_cached_value(membership, organization)
    return membership


def current_organization(request: HttpRequest) -> Organization | None:
    """The applicant organisation the logged-in user acts for (None for staff/no membership)."""
    user = request.user
    if not user.is_authenticated or user.is_staff:
        return None
    if hasattr(request, "_urikake_org"):
        cached: Organization | None = request._urikake_org
        return cached
    membership = _active_membership(user.pk)
    org = membership.organization if membership else None
    request._urikake_org = org  # type: ignore[attr-defined]
    request._urikake_membership = membership  # type: ignore[attr-defined]
    return org


def current_membership(request: HttpRequest) -> Membership | None:
    """The active membership through which the user acts for :func:`current_organization`
    (read with it: one query for both)."""
    if current_organization(request) is None:
        return None
    membership: Membership | None = getattr(request, "_urikake_membership", None)
    return membership


def applicant(
    view: V | None = None,
    *,
    owned_kwarg: str | None = None,
    owned_object: str | None = None,
    require_organization: bool = True,
    allow_staff: bool = False,
) -> Any:
    """Applicant pages: logged in, not staff, and (by default) a member of an organisation.

    ``require_organization=False`` is for onboarding pages that create the organisation.
    """

    def decorate(fn: V) -> V:
        @functools.wraps(fn)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.user.is_staff and not allow_staff:
                raise PermissionDenied("applicant pages are not for staff accounts")
            if (
                require_organization
                and not request.user.is_staff
                and current_organization(request) is None
            ):
                return redirect("applicants:onboarding")
            return fn(request, *args, **kwargs)

        mark_rule(
            wrapped,
            AccessRule(
                Access.APPLICANT,
                owned_kwarg=owned_kwarg,
                owned_object=owned_object,
                allow_staff=allow_staff,
            ),
        )
        return wrapped  # type: ignore[return-value]

    return decorate(view) if view is not None else decorate


def owned_or_404(request: HttpRequest, queryset: models.QuerySet[M], **lookup: Any) -> M:
    """Fetch an object of the user's own organisation; anything else is a 404.

    The queryset's model must have an ``organization`` foreign key (or pass a queryset already
    filtered through one).
    """
    org = current_organization(request)
    if org is None:
        raise Http404
    try:
        return queryset.get(organization=org, **lookup)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


class ApplicantAuth(SessionAuth):
    """API operations for a member of an applicant organisation; handlers scope every query
    to it (the ninja counterpart of :func:`applicant`)."""

    rule = AccessRule(Access.APPLICANT)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated or user.is_staff:
            return None
        return current_organization(request)
