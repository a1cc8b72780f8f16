"""Mail to clients about their money: a payout sent, a payout returned by the bank.

Delivered after commit through urikake.mail (a rolled-back change mails nothing), to the
organisation's active owners, in Japanese; amounts only — never account numbers (mail is not
a safe channel)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from urikake.applicants.services import active_owners
from urikake.mail import services as mail
from urikake.treasury.models import Payout


def owner_emails(organization_id: int) -> list[str]:
    return sorted({u.email for u in active_owners(organization_id) if u.is_active and u.email})


def _send(template: str, to: list[str], context: dict[str, Any]) -> None:
    mail.send(to, f"treasury/mail/{template}", context)


def payouts_sent_on_commit(payouts: Iterable[Payout], *, value_date: Any) -> None:
    """One mail per organisation listing what was transferred to it."""
    by_org: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for p in payouts:
        by_org[p.organization_id].append(
            {"kind": p.get_kind_display(), "amount": p.amount, "application": p.application_id}
        )
    for organization_id, lines in by_org.items():
        to = owner_emails(organization_id)
        context = {
            "lines": lines,
            "total": sum(line["amount"] for line in lines),
            "value_date": value_date,
            "url": settings.SITE_URL.rstrip("/") + "/my/treasury/",
        }
        _send("payout_sent", to, context)


def payout_returned_on_commit(payout: Payout) -> None:
    to = owner_emails(payout.organization_id)
    context = {
        "amount": payout.amount,
        "kind": payout.get_kind_display(),
        "url": settings.SITE_URL.rstrip("/") + "/my/payout/change/",
    }
    _send("payout_returned", to, context)
