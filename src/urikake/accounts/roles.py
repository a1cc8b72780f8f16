"""Staff roles and what each may do — defined once, here (least privilege).

Views and API routes ask for a :class:`Capability`, never for a role: adding a capability to
a role is a one-line change in :data:`ROLE_CAPABILITIES`, and a route can never be reached by a
role that was not deliberately given it. Applicants have no staff role; what they may touch
is decided by organisation membership (:mod:`urikake.accounts.access`).
"""

from __future__ import annotations

import enum

from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffRole(models.TextChoices):
    REVIEWER = "reviewer", _("審査担当")
    TREASURY = "treasury", _("送金・回収担当")
    STRUCTURING = "structuring", _("証券化担当")
    COMPLIANCE = "compliance", _("コンプライアンス・セキュリティ担当")
    ADMIN = "admin", _("システム管理者")


class Capability(enum.StrEnum):
    VIEW_APPLICANTS = "applicants.view"  # read applicant organisations, members, KYC status
    REVIEW_KYC = "kyc.review"  # look at eKYC results and documents
    REVIEW_APPLICATIONS = "screening.review"  # decide referred applications (issue 4)
    MANAGE_TREASURY = "treasury.manage"  # payouts, collections, reconciliation (issue 5)
    MANAGE_STRUCTURING = "securitization.manage"  # pools, tranches (later issues)
    VIEW_AUDIT = "audit.view"  # read the audit trail, security events
    MANAGE_CONNECTIONS = "connections.manage"  # connection approvals (later issues)
    MANAGE_STAFF = "staff.manage"  # grant and revoke staff roles
    VIEW_PLANS = "plans.view"  # read plans, their history and clients' credit lines
    MANAGE_PLANS = "plans.manage"  # create plans and revise their terms (effective-dated)


ROLE_CAPABILITIES: dict[StaffRole, frozenset[Capability]] = {
    StaffRole.REVIEWER: frozenset(
        {
            Capability.VIEW_APPLICANTS,
            Capability.REVIEW_KYC,
            Capability.REVIEW_APPLICATIONS,
            Capability.VIEW_PLANS,
        }
    ),
    StaffRole.TREASURY: frozenset({Capability.VIEW_APPLICANTS, Capability.MANAGE_TREASURY}),
    StaffRole.STRUCTURING: frozenset({Capability.MANAGE_STRUCTURING}),
    StaffRole.COMPLIANCE: frozenset(
        {
            Capability.VIEW_APPLICANTS,
            Capability.REVIEW_KYC,
            Capability.VIEW_AUDIT,
            Capability.MANAGE_CONNECTIONS,
        }
    ),
    # The administrator manages staff and the product catalogue (plans) and sees the audit
    # trail; it does not decide credit or move money (separation of duties).
    StaffRole.ADMIN: frozenset(
        {
            Capability.VIEW_APPLICANTS,
            Capability.VIEW_AUDIT,
            Capability.MANAGE_STAFF,
            Capability.VIEW_PLANS,
            Capability.MANAGE_PLANS,
        }
    ),
}


def capabilities_of(role: str | None) -> frozenset[Capability]:
    if not role:
        return frozenset()
    try:
        return ROLE_CAPABILITIES[StaffRole(role)]
    except ValueError:
        return frozenset()
