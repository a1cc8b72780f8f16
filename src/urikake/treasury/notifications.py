"""What clients are told about their money: a payout sent, a payout returned by the bank.

Through :mod:`urikake.notifications` (centre, mail, SMS; the organisation's settings; one
notice per event), inside the transaction of the change; amounts only — never account
numbers (mail and SMS are not safe channels)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from urikake.applicants.models import Organization
from urikake.applicants.services import active_owners
from urikake.notifications import services as notifications
from urikake.treasury.models import Payout


def owner_emails(organization_id: int) -> list[str]:
    return sorted({u.email for u in active_owners(organization_id) if u.is_active and u.email})


def payouts_sent(payouts: Iterable[Payout], *, batch_id: int, value_date: date) -> None:
    """One notice per organisation of the batch, with the total transferred to it."""
    totals: dict[int, int] = defaultdict(int)
    for p in payouts:
        totals[p.organization_id] += p.amount
    for organization in Organization.objects.filter(pk__in=totals).order_by("pk"):
        notifications.notify(
            "payout_sent",
            organization=organization,
            subject=f"payout_batch:{batch_id}",
            context={"amount_yen": totals[organization.pk], "value_date": value_date.isoformat()},
            url="/my/treasury/",
        )


def payout_returned(payout: Payout) -> None:
    notifications.notify(
        "payout_returned",
        organization=payout.organization,
        subject=f"payout:{payout.pk}",
        context={"amount_yen": payout.amount},
        url="/my/payout/change/",
    )
