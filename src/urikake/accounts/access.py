"""Who may reach which route: every view declares an access rule, and one test checks them all.

Decorate every view with exactly one of :func:`public`, :func:`webhook`, :func:`authenticated`,
:func:`staff` or ``urikake.applicants.access.applicant``. The decorator both enforces the rule
and records it on the view (``view.access_rule``), which
``tests/integration/test_authorization_matrix.py`` reads for every URL pattern: a route
without a rule fails that test. Views of third-party apps
(allauth, admin, i18n) are listed in :data:`THIRD_PARTY_RULES` by URL name.

The applicant rule (a member of an applicant organisation, on that organisation) and its
object-level helper ``owned_or_404`` live with the organisations, in
:mod:`urikake.applicants.access`; this module knows users and staff roles only.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse

from urikake.accounts.roles import Capability, capabilities_of

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


def mark_rule(view: Any, rule: AccessRule) -> None:
    """Record ``rule`` on ``view`` (read by the authorization-matrix test)."""
    view.access_rule = rule


def public(view: V) -> V:
    mark_rule(view, AccessRule(Access.PUBLIC))
    return view


def webhook(view: V) -> V:
    mark_rule(view, AccessRule(Access.WEBHOOK))
    return view


def authenticated(view: V) -> V:
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    mark_rule(wrapped, AccessRule(Access.AUTHENTICATED))
    return wrapped  # type: ignore[return-value]


def is_staff_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


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

        mark_rule(wrapped, AccessRule(Access.STAFF, capability=capability, also=frozenset(also)))
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

    mark_rule(wrapped, AccessRule(Access.STAFF))
    return wrapped  # type: ignore[return-value]


def has_capability(user: Any, capability: Capability) -> bool:
    if not is_staff_user(user) or not user.is_active:
        return False
    return capability in capabilities_of(getattr(user, "staff_role", None))


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
