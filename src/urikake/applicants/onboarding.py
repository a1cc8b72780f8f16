"""Where an applicant stands in onboarding (read-only: computed from the saved rows).

There is no "current step" column: each step is done when its data exists, so a user who
leaves half-way and comes back (or edits later) always lands on the first step still missing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from urikake.applicants.models import NotificationSettings, Organization, PayoutAccount
from urikake.applicants.services import current_payout_account, has_current_consent


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    url_name: str
    done: bool


_UNKNOWN: Any = object()


def onboarding_steps(
    organization: Organization | None,
    user: Any,
    *,
    payout: PayoutAccount | None = _UNKNOWN,
    consented: bool | None = None,
) -> list[Step]:
    """The checklist. ``payout`` (the current payout account) and ``consented`` (the user's
    consent is current) may be passed by a caller that has read them already in this request
    — my page shows the payout account too, and the consent middleware has just checked the
    consent — so that they are not asked twice."""
    org = organization
    if org is not None and payout is _UNKNOWN:
        payout = current_payout_account(org)
    return [
        Step("profile", str(_("事業者情報")), "applicants:onboarding_profile", org is not None),
        Step(
            "phone",
            str(_("携帯電話番号")),
            "applicants:onboarding_phone",
            bool(org and org.contact_phone),
        ),
        Step(
            "payout",
            str(_("振込先口座")),
            "applicants:onboarding_payout",
            org is not None and payout is not None,
        ),
        Step(
            "notifications",
            str(_("通知設定")),
            "applicants:onboarding_notifications",
            org is not None and NotificationSettings.objects.filter(organization=org).exists(),
        ),
        Step(
            "consent",
            str(_("規約への同意")),
            "applicants:consent",
            has_current_consent(user) if consented is None else consented,
        ),
    ]


def first_missing(steps: list[Step]) -> Step | None:
    return next((s for s in steps if not s.done), None)


@dataclass(frozen=True)
class KycItem:
    available: bool  # an identity-verification app is installed and reports a status
    label: str
    done: bool


# The eKYC line comes from the app above this one (``urikake.kyc`` registers it when Django
# starts, see ``KycConfig.ready``): applicants sits below kyc and never imports it.
_kyc_source: Callable[[Organization], KycItem] | None = None


def provide_kyc_item(source: Callable[[Organization], KycItem]) -> None:
    """Register where the checklist's eKYC line comes from (called once at start-up)."""
    global _kyc_source
    _kyc_source = source


def kyc_item(organization: Organization) -> KycItem:
    """The eKYC line of the checklist, from the registered source (or "準備中" without one)."""
    if _kyc_source is None:
        return KycItem(available=False, label=str(_("準備中")), done=False)
    return _kyc_source(organization)
