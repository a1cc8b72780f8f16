"""Who may reach which route: every view declares an access rule, and one test checks them all.

Decorate every view with exactly one of :func:`public`, :func:`webhook`, :func:`authenticated`,
:func:`applicant` or :func:`staff`. The decorator both enforces the rule and records it on the
view (``view.access_rule``), which ``tests/integration/test_authorization_matrix.py`` reads for
every URL pattern: a route without a rule fails that test. Views of third-party apps
(allauth, admin, i18n) are listed in :data:`THIRD_PARTY_RULES` by URL name.

Object-level rule for applicants: a view that takes an object id must load it through
:func:`owned_or_404`, which looks only inside the user's own organisation, so another
organisation's object is indistinguishable from a missing one (404, not 403).
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from urikake.accounts.roles import Capability, capabilities_of

if TYPE_CHECKING:
    from urikake.applicants.models import Organization

V = TypeVar("V", bound=Callable[..., HttpResponse])
M = TypeVar("M", bound=models.Model)


class Access(enum.Enum):
    PUBLIC = "public"  # anyone, logged in or not
    WEBHOOK = "webhook"  # anyone, but the view verifies a signature before doing anything
    AUTHENTICATED = "authenticated"  # any logged-in user, acting only on themselves
    APPLICANT = "applicant"  # a member of an applicant organisation, on that organisation
    STAFF = "staff"  # operator staff holding a capability


@dataclass(frozen=True)
class AccessRule:
    access: Access
    capability: Capability | None = None
    # For applicant views with an object in the URL: the kwarg that names it, and the key
    # of the factory the authorization test uses to create one (see tests).
    owned_kwarg: str | None = None
    owned_object: str | None = None
    allow_staff: bool = False  # applicant pages that staff may also open (rare)
    # Staff views: further capabilities that also grant access (e.g. read-only auditors).
    also: frozenset[Capability] = frozenset()

    def grants(self, capabilities: frozenset[Capability]) -> bool:
        """Whether a role with ``capabilities`` passes this staff rule."""
        if self.capability is None:
            return True
        return self.capability in capabilities or bool(self.also & capabilities)


def _mark(view: Any, rule: AccessRule) -> None:
    view.access_rule = rule


def public(view: V) -> V:
    _mark(view, AccessRule(Access.PUBLIC))
    return view


def webhook(view: V) -> V:
    _mark(view, AccessRule(Access.WEBHOOK))
    return view


def authenticated(view: V) -> V:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    _mark(wrapped, AccessRule(Access.AUTHENTICATED))
    return wrapped  # type: ignore[return-value]


def is_staff_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


def current_organization(request: HttpRequest) -> Organization | None:
    """The applicant organisation the logged-in user acts for (None for staff/no membership)."""
    from urikake.applicants.models import Membership

    user = request.user
    if not user.is_authenticated or user.is_staff:
        return None
    if hasattr(request, "_urikake_org"):
        cached: Organization | None = request._urikake_org
        return cached
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, is_active=True)
        .order_by("created_at")
        .first()
    )
    org = membership.organization if membership else None
    request._urikake_org = org  # type: ignore[attr-defined]
    return org


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

        _mark(
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


def staff(capability: Capability, *also: Capability) -> Callable[[V], V]:
    """Back-office pages: a staff user whose role grants ``capability`` (or one of ``also``,
    for read-only pages other roles may see)."""

    def decorate(fn: V) -> V:
        @functools.wraps(fn)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_capability(request.user, c) for c in (capability, *also)):
                raise PermissionDenied("your role does not allow this")
            return fn(request, *args, **kwargs)

        _mark(wrapped, AccessRule(Access.STAFF, capability=capability, also=frozenset(also)))
        return wrapped  # type: ignore[return-value]

    return decorate


def staff_member(fn: V) -> V:
    """Back-office pages every staff user may open (e.g. the staff home)."""

    @functools.wraps(fn)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_staff_user(request.user):
            raise PermissionDenied("staff only")
        return fn(request, *args, **kwargs)

    _mark(wrapped, AccessRule(Access.STAFF))
    return wrapped  # type: ignore[return-value]


def has_capability(user: Any, capability: Capability) -> bool:
    if not is_staff_user(user) or not user.is_active:
        return False
    return capability in capabilities_of(getattr(user, "staff_role", None))


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


# Third-party views, by URL name. Each is PUBLIC (entrance pages: login, signup, reset,
# passkey login) or AUTHENTICATED (the user's own settings: e-mail, password, MFA, sessions —
# which act only on request.user by construction).
THIRD_PARTY_RULES: dict[str, AccessRule] = {}


def _third_party(access: Access, *names: str) -> None:
    for name in names:
        THIRD_PARTY_RULES[name] = AccessRule(access)


_third_party(
    Access.PUBLIC,
    "account_login",
    "account_logout",
    "account_signup",
    "account_signup_by_passkey",
    "account_confirm_email",
    "account_email_verification_sent",
    "account_inactive",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_password_reset_code",
    "account_request_login_code",
    "account_confirm_login_code",
    "account_confirm_email_verification_code",
    "account_confirm_phone_verification_code",
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_login_webauthn",
    "mfa_signup_webauthn",
    "mfa_trust",
    "set_language",
)
_third_party(
    Access.AUTHENTICATED,
    "account_email",
    "account_change_password",
    "account_set_password",
    "account_reauthenticate",
    "account_change_phone",
    "mfa_index",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "mfa_list_webauthn",
    "mfa_add_webauthn",
    "mfa_remove_webauthn",
    "mfa_edit_webauthn",
    "mfa_reauthenticate_webauthn",
    "usersessions_list",
)
