"""What the applicant (and the reviewers) are told as an application moves: received, sent
to review, offered, declined. Called inside the transaction of the move (see
:mod:`urikake.notifications.services`); the decline explains in words a person understands —
never a score, a code or the model."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from urikake.accounts.roles import Capability
from urikake.domain.applications import ApplicationStatus
from urikake.notifications import services as notifications
from urikake.receivables import reasons
from urikake.receivables.models import FinancingApplication


def _subject(application: FinancingApplication) -> str:
    return f"application:{application.pk}"


def _context(application: FinancingApplication) -> dict[str, Any]:
    return {"application": application.pk, "amount_yen": application.requested_amount}


def _url(application: FinancingApplication) -> str:
    return reverse("receivables:application", args=[application.pk])


def received(application: FinancingApplication) -> None:
    notifications.notify(
        "application_received",
        organization=application.organization,
        subject=_subject(application),
        context=_context(application),
        url=_url(application),
    )


def decided(application: FinancingApplication) -> None:
    """The outcome of screening or of a reviewer: offered, referred or declined."""
    status = ApplicationStatus(application.status)
    context = _context(application)
    if status is ApplicationStatus.OFFERED:
        offer = application.offer or {}
        context["net_payout_yen"] = int(offer.get("net_payout") or 0)
        if application.offer_expires_on:
            context["expires_date"] = application.offer_expires_on.isoformat()
        event = "offer_made"
    elif status is ApplicationStatus.DECLINED:
        # The same sentences as the application page (urikake.receivables.reasons).
        context["reasons"] = reasons.sentences(reasons.applicant_reasons(application))
        event = "application_declined"
    elif status is ApplicationStatus.REFERRED:
        event = "application_referred"
        notifications.notify_staff(
            "referral_waiting",
            capability=Capability.REVIEW_APPLICATIONS,
            subject=_subject(application),
            context={**context, "organization_name": application.organization.name},
            url=reverse("receivables_backoffice:detail", args=[application.pk]),
        )
    else:
        return
    notifications.notify(
        event,
        organization=application.organization,
        subject=_subject(application),
        context=context,
        url=_url(application),
    )


def about_application(
    event_key: str, application: FinancingApplication, *, url: str = "", **extra: Any
) -> None:
    """An event of the deal after the offer (contract ready, signed, perfection done, …) told
    to the applicant, keyed by the application."""
    notifications.notify(
        event_key,
        organization=application.organization,
        subject=_subject(application),
        context={**_context(application), **extra},
        url=url or _url(application),
    )
